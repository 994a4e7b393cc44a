using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MarketSim.Markets.Run;
using MarketSim.Markets.Scenarios;
using MarketSim.Markets.Summary;
using Spectre.Console;

namespace MarketSim.Cli;

/// <summary>
/// <c>marketsim run FILE [--seed N] [--set path=value ...] [--out DIR] [--quiet]</c>: plays a scenario (docs/running.md).
/// Exit codes: 0 complete, 1 failed, 2 invalid scenario or usage, 130 interrupted (Ctrl-C).
/// </summary>
public static class RunCommand
{
    public const int ExitInterrupted = 130;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("FILE") { Description = "Scenario file (HOCON), e.g. scenarios/parity-cliff-fog.conf" };
        var seed = new Option<long?>("--seed") { Description = "Root seed (replaces marketsim.scenario.seed)" };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a key: path=value (repeatable; paths not starting with 'marketsim.' are under marketsim.scenario)",
            AllowMultipleArgumentsPerToken = false,
        };
        var outDir = new Option<string?>("--out") { Description = "Parent folder of the run folder (default: outputs.directory, i.e. runs)" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress output" };
        var command = new Command("run",
            "Play a scenario: issue events, collect miners' predictions every interval, score them with the validators, journal everything to SQLite and print the summary.\n" +
            "Example: marketsim run scenarios/parity-cliff-fog.conf --seed 1 --set timeline.events=120 --out /tmp/runs")
        {
            file, seed, set, outDir, quiet,
        };
        command.SetAction(parse => Execute(
            parse.GetValue(file)!,
            parse.GetValue(seed),
            parse.GetValue(set) ?? [],
            parse.GetValue(outDir),
            parse.GetValue(quiet),
            stdout,
            stderr));
        return command;
    }

    /// <summary>Runs a scenario file and prints the summary table; returns the exit code.</summary>
    public static int Execute(string file, long? seed, IReadOnlyList<string> overrides, string? outDir, bool quiet, TextWriter stdout, TextWriter stderr, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        PreparedRun prepared;
        try
        {
            prepared = RunPreparation.Prepare(file, overrides, seed, outDir, DateTimeOffset.UtcNow);
        }
        catch (ScenarioException e)
        {
            stderr.WriteLine($"marketsim: invalid scenario {e.Source}: {e.Errors.Count} error{(e.Errors.Count == 1 ? string.Empty : "s")}");
            foreach (var error in e.Errors)
            {
                stderr.WriteLine(error.ToString().ReplaceLineEndings(" "));
            }

            return ScenarioException.ExitCode;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        RunOutcome outcome;
        try
        {
            var scenario = prepared.Scenario;
            if (!quiet)
            {
                stderr.WriteLine($"marketsim: running {scenario.Name} (seed {scenario.Seed.ToString(Inv)}, {scenario.MinerCount} miners in {scenario.ShardCount} shards, {scenario.Validators.Count} validators, {scenario.Timeline.Events} events) into {prepared.Folder.Path}");
            }

            var interactive = !quiet && ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
            outcome = interactive
                ? RunWithProgressBar(prepared, cts.Token)
                : ScenarioRunner.Run(prepared, new RunOptions(cts.Token, quiet ? null : PlainProgress(stderr), quiet ? null : w => stderr.WriteLine("marketsim: " + w)));
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        switch (outcome.State)
        {
            case RunState.Complete:
                WriteTable(stdout, outcome.Summary!);
                stdout.WriteLine($"run folder: {outcome.Folder.Path}");
                return CliApp.ExitOk;
            case RunState.Interrupted:
                stderr.WriteLine($"marketsim: interrupted after {outcome.Intervals.ToString(Inv)} intervals (grid interval {outcome.LastInterval?.ToString(Inv) ?? "-"}, virtual time {outcome.VirtualTime?.ToString("O", Inv) ?? "-"}); journal flushed, {outcome.Folder.Path} marked interrupted");
                return ExitInterrupted;
            default:
                CliApp.WriteError(stderr, $"run failed: {outcome.Error?.Message ?? "unknown error"} ({outcome.Folder.Path} marked failed)");
                return CliApp.ExitFailure;
        }
    }

    /// <summary>The forecaster table as aligned plain text.</summary>
    public static void WriteTable(TextWriter stdout, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(summary);
        var (headers, rows) = SummaryWriter.Table(summary);
        stdout.WriteLine(string.Create(Inv, $"{summary.Scenario}: seed {summary.Seed}, {summary.Events} events, {summary.Predictions} predictions, {summary.Intervals} intervals, {summary.Rejected} rejected"));
        TextTable.Write(stdout, headers, rows);
    }

    private static Action<RunProgress> PlainProgress(TextWriter stderr)
    {
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        return p =>
        {
            var now = clock.Elapsed;
            if (now - last < TimeSpan.FromSeconds(2) && p.Interval != p.TotalIntervals)
            {
                return;
            }

            last = now;
            stderr.WriteLine(Line(p, now));
        };
    }

    private static string Line(RunProgress p, TimeSpan elapsed) =>
        string.Create(Inv, $"interval {p.Interval}/{p.TotalIntervals}  events resolved {p.EventsResolved}/{p.TotalEvents}  predictions {p.Predictions}  ({Rate(p.Predictions, elapsed)} predictions/s)");

    private static string Rate(long predictions, TimeSpan elapsed) =>
        elapsed.TotalSeconds <= 0 ? "-" : (predictions / elapsed.TotalSeconds).ToString("N0", Inv);

    private static RunOutcome RunWithProgressBar(PreparedRun prepared, CancellationToken token)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        RunOutcome? outcome = null;
        var warnings = new List<string>();
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var intervals = ctx.AddTask("intervals");
                var events = ctx.AddTask("events resolved");
                var clock = Stopwatch.StartNew();
                var options = new RunOptions(
                    token,
                    p =>
                    {
                        intervals.MaxValue = p.TotalIntervals;
                        intervals.Value = p.Interval;
                        events.MaxValue = Math.Max(1, p.TotalEvents);
                        events.Value = p.EventsResolved;
                        intervals.Description = $"intervals {p.Interval.ToString(Inv)}/{p.TotalIntervals.ToString(Inv)}, {Rate(p.Predictions, clock.Elapsed)} predictions/s";
                    },
                    w =>
                    {
                        lock (warnings)
                        {
                            warnings.Add(w);
                        }
                    });
                outcome = ScenarioRunner.Run(prepared, options);
            });
        foreach (var w in warnings)
        {
            console.MarkupLine($"[yellow]marketsim:[/] {Markup.Escape(w)}");
        }

        return outcome!;
    }
}
