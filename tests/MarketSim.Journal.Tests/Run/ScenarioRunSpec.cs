using MarketSim.Journal;
using MarketSim.Journal.Summary;
using MarketSim.Runtime;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Run;
using MarketSim.Simulation.Summary;

namespace MarketSim.Journal.Tests.Run;

public sealed class ScenarioRunSpec : IDisposable
{
    private static readonly string[] Small = ["timeline.events=60", "shard-size=4"];
    private readonly RunTestSupport _support = new();

    public void Dispose() => _support.Dispose();

    [Fact]
    public void A_complete_run_journals_every_interval_and_marks_the_folder_complete_last()
    {
        var outcome = _support.Run("parity-cliff-fog.conf", Small);

        Assert.Equal(RunState.Complete, outcome.State);
        Assert.Equal(RunState.Complete, RunFolder.ReadStatus(outcome.Folder.Path)!.State);
        Assert.True(File.Exists(outcome.Folder.SummaryJsonFile));
        Assert.True(File.Exists(outcome.Folder.SummaryMarkdownFile));
        Assert.Equal(11L * 60 * 6, outcome.Predictions);

        using var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(outcome.Folder.JournalFile));
        var all = reader.AllEvents().ToList();
        Assert.IsType<RunStarted>(all[0].Event);
        var done = Assert.IsType<RunCompleted>(all[^1].Event);
        Assert.Equal(60, done.Events);
        Assert.Equal(outcome.Predictions, done.Predictions);

        // One batch per shard per interval with open events, each columnar (miners × events).
        var batches = all.Select(e => e.Event).OfType<PredictionBatch>().ToList();
        Assert.All(batches.GroupBy(b => b.Interval), g => Assert.Equal([0, 1, 2], g.Select(b => b.Shard).Order()));
        Assert.Equal(outcome.Predictions, batches.Sum(b => b.Count));
        Assert.Equal(60, all.Count(e => e.Event is EventIssued));
        Assert.Equal(60, all.Count(e => e.Event is EventResolved));

        // Every validator scores every event once, with a moving average for each.
        foreach (var v in new[] { "brier-legacy-v2", "peer-1.5.5" })
        {
            var scored = reader.EventsByPersistenceId(JournalIds.Validator(v)).Select(e => e.Event).ToList();
            Assert.Equal(60, scored.OfType<EventScored>().Count());
            Assert.Equal(60, scored.OfType<MovingAverageUpdated>().Count());
            Assert.All(scored.OfType<WeightsUpdated>(), w => Assert.Equal(1.0, w.Weights.Sum(), 9));
        }

        // Timestamps are virtual time on the grid, never wall time.
        var epoch = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        Assert.All(all, e => Assert.Equal(0, (e.Timestamp - epoch) % TimeSpan.FromHours(4).Ticks));
    }

    [Fact]
    public void The_streams_and_summary_are_byte_identical_for_one_worker_and_many_and_change_with_the_seed()
    {
        var one = _support.Run("parity-cliff-fog.conf", [.. Small, "marketsim.parallelism=1"], subFolder: "one");
        var byDefault = _support.Run("parity-cliff-fog.conf", Small, subFolder: "default");
        var many = _support.Run("parity-cliff-fog.conf", [.. Small, "marketsim.parallelism=8"], subFolder: "many");
        var other = _support.Run("parity-cliff-fog.conf", Small, seed: 7, subFolder: "other");

        foreach (var run in new[] { byDefault, many })
        {
            JournalRows.AssertSame(Streams(one), Streams(run));
            Assert.Equal(File.ReadAllBytes(one.Folder.SummaryJsonFile), File.ReadAllBytes(run.Folder.SummaryJsonFile));
        }

        Assert.NotEqual(Streams(one).Select(r => Convert.ToHexString(r.Payload)), Streams(other).Select(r => Convert.ToHexString(r.Payload)));
        Assert.NotEqual(File.ReadAllBytes(one.Folder.SummaryJsonFile), File.ReadAllBytes(other.Folder.SummaryJsonFile));
    }

    [Fact]
    public void The_summary_is_what_reading_the_journal_back_gives()
    {
        var outcome = _support.Run("groupstress.conf", ["timeline.events=48"]);

        var again = SummaryBuilder.FromJournal(outcome.Folder.JournalFile);

        Assert.Equal(File.ReadAllBytes(outcome.Folder.SummaryJsonFile), SummaryWriter.ToJson(again));
        Assert.Equal(SummaryWriter.ToJson(outcome.Summary!), SummaryWriter.ToJson(again));
    }

    [Fact]
    public void Cancelling_stops_between_intervals_flushes_the_journal_and_marks_the_run_interrupted()
    {
        using var cts = new CancellationTokenSource();
        var options = new RunOptions(cts.Token, p =>
        {
            if (p.Interval == 5)
            {
                cts.Cancel();
            }
        });

        var outcome = _support.Run("parity-cliff-fog.conf", Small, options: options);

        Assert.Equal(RunState.Interrupted, outcome.State);
        Assert.Equal(5, outcome.Intervals);
        var status = RunFolder.ReadStatus(outcome.Folder.Path)!;
        Assert.Equal(RunState.Interrupted, status.State);
        Assert.Equal(outcome.LastInterval, status.Interval);
        Assert.NotNull(status.VirtualTime);
        Assert.False(File.Exists(outcome.Folder.SummaryJsonFile));
        using var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(outcome.Folder.JournalFile));
        var all = reader.AllEvents().Select(e => e.Event).ToList();
        Assert.IsType<RunStarted>(all[0]);
        Assert.DoesNotContain(all, e => e is RunCompleted);
        Assert.Equal(5, all.OfType<PredictionBatch>().Select(b => b.Interval).Distinct().Count());
    }

    [Fact]
    public void Progress_is_reported_once_per_interval_up_to_the_total()
    {
        var seen = new List<RunProgress>();
        var outcome = _support.Run("parity-cliff-fog.conf", Small, options: new RunOptions(Progress: seen.Add));

        Assert.Equal(outcome.Intervals, seen.Count);
        Assert.Equal(seen[^1].TotalIntervals, seen[^1].Interval);
        Assert.Equal(60, seen[^1].EventsResolved);
        Assert.Equal(outcome.Predictions, seen[^1].Predictions);
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.Item1.VirtualTime < p.Item2.VirtualTime));
    }

    [Theory]
    [InlineData("parity-cliff-fog.conf", new string[0], 79_200L)]
    [InlineData("groupstress.conf", new[] { "timeline.events=600" }, 4L * 600 * 6)]
    [InlineData("bench-subnet.conf", new[] { "timeline.events=30" }, 256L * 30 * 42)]
    public void Shipped_scenarios_run_to_completion_with_the_expected_number_of_predictions(string scenario, string[] overrides, long predictions)
    {
        var outcome = _support.Run(scenario, overrides);

        Assert.Equal(RunState.Complete, outcome.State);
        Assert.Equal(predictions, outcome.Predictions);
        Assert.Equal(predictions, outcome.Summary!.Predictions);
        Assert.All(outcome.Summary.Validators, v => Assert.Equal(outcome.Summary.Events, v.EventsScored));
    }

    [Fact]
    public void An_unsupported_rule_fails_the_run_and_marks_the_folder_failed()
    {
        var outcome = _support.Run("parity-cliff-fog.conf", [.. Small, "validators=[{rule=shared-quadratic}]"]);

        Assert.Equal(RunState.Failed, outcome.State);
        Assert.Contains("shared-quadratic", outcome.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(RunState.Failed, RunFolder.ReadStatus(outcome.Folder.Path)!.State);
    }

    private static List<StreamRow> Streams(RunOutcome run) => JournalRows.Read(RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(run.Folder.JournalFile)));
}
