using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MarketSim.Runtime;
using MarketSim.Scenarios;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Cli;

/// <summary>
/// <c>marketsim bench</c>: plays a scenario end to end several times (journal and summary included) and
/// reports the median wall time, predictions per second and the process's peak working set.
/// </summary>
internal static class BenchCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One timed repetition: whole run, and its play time (intervals and journal writes, summary excluded); baseline = play time with the journal discarded.</summary>
    public sealed record Sample(TimeSpan Wall, long Predictions)
    {
        public TimeSpan Play { get; init; }

        public TimeSpan? Baseline { get; init; }

        public double PredictionsPerSecond => Predictions / Math.Max(Wall.TotalSeconds, 1e-9);
    }

    /// <summary>The medians over all repetitions.</summary>
    public sealed record Result(string Scenario, IReadOnlyList<Sample> Samples, TimeSpan MedianWall, double MedianPredictionsPerSecond, long PeakWorkingSetBytes)
    {
        /// <summary>Median play time with the journal.</summary>
        public TimeSpan MedianPlay => Median(Samples.Select(s => s.Play).Order().ToList());

        /// <summary>Median play time with the journal discarded (null without --journal-overhead).</summary>
        public TimeSpan? MedianBaseline => Samples.All(s => s.Baseline is not null) ? Median(Samples.Select(s => s.Baseline!.Value).Order().ToList()) : null;

        /// <summary>What the journal adds to the play time: median play / median baseline − 1.</summary>
        public double? JournalOverhead => MedianBaseline is { } b ? (MedianPlay.TotalSeconds / b.TotalSeconds) - 1 : null;
    }

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("FILE")
        {
            Description = "Scenario to play (default scenarios/bench-subnet.conf)",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => Path.Combine("scenarios", "bench-subnet.conf"),
        };
        var repeat = new Option<int>("--repeat") { Description = "Timed repetitions (median reported)", DefaultValueFactory = _ => 3 };
        var set = new Option<string[]>("--set") { Description = "Override a scenario key: path=value (repeatable)" };
        var outDir = new Option<string?>("--out") { Description = "Where run folders go (default: a temporary folder, deleted afterwards)" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var overhead = new Option<bool>("--journal-overhead")
        {
            Description = "Also play each repetition with the journal discarded (nothing serialized or written) and report what persisting the score streams adds to the play time",
        };
        var command = new Command("bench",
            "Time whole scenario runs (actors, journal, summary): median wall time, predictions/s, peak memory.\n" +
            "Example: marketsim bench scenarios/bench-subnet.conf --repeat 3")
        {
            file, repeat, set, outDir, json, overhead,
        };
        command.SetAction(parse =>
        {
            var repetitions = parse.GetValue(repeat);
            if (repetitions < 1)
            {
                throw new UsageException($"--repeat must be at least 1 (got {repetitions})");
            }

            Result result;
            try
            {
                result = Run(parse.GetValue(file)!, parse.GetValue(set) ?? [], repetitions, parse.GetValue(outDir), stderr, parse.GetValue(overhead));
            }
            catch (InvalidOperationException e)
            {
                CliApp.WriteError(stderr, e.Message);
                return CliApp.ExitFailure;
            }

            if (parse.GetValue(json))
            {
                WriteJson(stdout, result);
            }
            else
            {
                WriteText(stdout, result);
            }

            return CliApp.ExitOk;
        });
        return command;
    }

    public static Result Run(string file, IReadOnlyList<string> overrides, int repetitions, string? outDir, TextWriter progress, bool journalOverhead = false)
    {
        var temporary = outDir is null;
        var parent = outDir ?? Path.Combine(Path.GetTempPath(), "marketsim-bench-" + Guid.NewGuid().ToString("N"));
        var samples = new List<Sample>();
        string name = file;
        try
        {
            for (var i = 0; i < repetitions; i++)
            {
                PreparedRun prepared;
                try
                {
                    prepared = RunPreparation.Prepare(file, overrides, null, parent, DateTimeOffset.UtcNow);
                }
                catch (ScenarioException e)
                {
                    throw new UsageException(string.Join(" | ", e.Errors.Select(x => x.ToString())));
                }

                name = prepared.Scenario.Name;
                TimeSpan? baseline = null;
                if (journalOverhead)
                {
                    var bare = ScenarioRunner.Run(RunPreparation.Prepare(file, overrides, null, parent, DateTimeOffset.UtcNow), new RunOptions { DiscardJournal = true });
                    if (bare.State != RunState.Complete)
                    {
                        throw new InvalidOperationException($"bench baseline run {i + 1} ended {bare.State}: {bare.Error?.Message}");
                    }

                    baseline = bare.PlayTime;
                }

                var clock = Stopwatch.StartNew();
                var outcome = ScenarioRunner.Run(prepared);
                clock.Stop();
                if (outcome.State != RunState.Complete)
                {
                    throw new InvalidOperationException($"bench run {i + 1} ended {outcome.State}: {outcome.Error?.Message}");
                }

                var sample = new Sample(clock.Elapsed, outcome.Predictions) { Play = outcome.PlayTime, Baseline = baseline };
                samples.Add(sample);
                var line = string.Create(Inv, $"marketsim bench: run {i + 1}/{repetitions}: {sample.Wall.TotalSeconds:F2} s, {sample.Predictions:N0} predictions, {sample.PredictionsPerSecond / 1e6:F2} M/s");
                if (baseline is { } b)
                {
                    line += string.Create(Inv, $"; play {sample.Play.TotalSeconds:F2} s with the journal, {b.TotalSeconds:F2} s without");
                }

                progress.WriteLine(line);
            }
        }
        finally
        {
            if (temporary && Directory.Exists(parent))
            {
                Directory.Delete(parent, recursive: true);
            }
        }

        var walls = samples.Select(s => s.Wall).Order().ToList();
        var rates = samples.Select(s => s.PredictionsPerSecond).Order().ToList();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return new Result(name, samples, Median(walls), Median(rates), self.PeakWorkingSet64);
    }

    private static T Median<T>(IReadOnlyList<T> sorted) => sorted[(sorted.Count - 1) / 2];

    private static void WriteText(TextWriter stdout, Result r)
    {
        stdout.WriteLine(string.Create(Inv, $"{r.Scenario}: {r.Samples.Count} runs"));
        stdout.WriteLine(string.Create(Inv, $"  median wall        {r.MedianWall.TotalSeconds:F3} s"));
        stdout.WriteLine(string.Create(Inv, $"  median throughput  {r.MedianPredictionsPerSecond:N0} predictions/s"));
        stdout.WriteLine(string.Create(Inv, $"  predictions/run    {r.Samples[0].Predictions:N0}"));
        stdout.WriteLine(string.Create(Inv, $"  peak working set   {r.PeakWorkingSetBytes / (1024.0 * 1024.0):F0} MiB"));
        if (r.JournalOverhead is { } o)
        {
            stdout.WriteLine(string.Create(Inv, $"  median play        {r.MedianPlay.TotalSeconds:F3} s with the journal, {r.MedianBaseline!.Value.TotalSeconds:F3} s with it discarded"));
            stdout.WriteLine(string.Create(Inv, $"  journal overhead   {o * 100:F1} % of the play time"));
        }
    }

    private static void WriteJson(TextWriter stdout, Result r)
    {
        var doc = new
        {
            scenario = r.Scenario,
            runs = r.Samples.Select(s => new { wall_s = s.Wall.TotalSeconds, predictions = s.Predictions, predictions_per_s = s.PredictionsPerSecond }),
            median_wall_s = r.MedianWall.TotalSeconds,
            median_predictions_per_s = r.MedianPredictionsPerSecond,
            peak_working_set_bytes = r.PeakWorkingSetBytes,
            median_play_s = r.MedianPlay.TotalSeconds,
            median_baseline_play_s = r.MedianBaseline?.TotalSeconds,
            journal_overhead = r.JournalOverhead,
        };
        stdout.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
    }
}
