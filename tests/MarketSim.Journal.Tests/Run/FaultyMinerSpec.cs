using MarketSim.Journal;
using MarketSim.Runtime;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;

namespace MarketSim.Journal.Tests.Run;

/// <summary>scoring.md §3: a NaN, infinite or out-of-range answer is rejected on arrival, logged, counted, never scored.</summary>
public sealed class FaultyMinerSpec : IDisposable
{
    private const int Events = 40;
    private readonly RunTestSupport _support = new();

    public void Dispose() => _support.Dispose();

    private static string[] With(string faulty) =>
    [
        $"timeline.events={Events}",
        "shard-size=2",
        "miners=[{kind=oracle},{kind=diffusion,rho=0.9}" + (faulty.Length == 0 ? string.Empty : $",{{kind=faulty,count=2,name=faulty,value=\"{faulty}\"}}") + "]",
    ];

    private (RunOutcome Outcome, List<string> Warnings) Run(string faulty)
    {
        var warnings = new List<string>();
        var outcome = _support.Run("groupstress.conf", With(faulty), options: new RunOptions(Warning: w => { lock (warnings) { warnings.Add(w); } }));
        Assert.Equal(RunState.Complete, outcome.State);
        return (outcome, warnings);
    }

    [Theory]
    [InlineData("NaN", "NaN")]
    [InlineData("inf", "Infinite")]
    [InlineData("1.5", "OutOfRange")]
    public void An_invalid_answer_is_rejected_counted_logged_once_per_miner_and_leaves_the_other_miners_alone(string value, string reason)
    {
        var (outcome, warnings) = Run(value);
        var (silent, silentWarnings) = Run("none");
        var (without, _) = Run(string.Empty);
        var summary = outcome.Summary!;
        var n = 6; // scored intervals per event in groupstress

        var faulty = summary.Forecasters.Single(f => f.Name == "faulty");
        Assert.Equal(2L * Events * n, faulty.Rejected);
        Assert.Equal(0, faulty.Predictions);
        Assert.Equal(faulty.Rejected, summary.Rejected);

        // Logged once per miner (one validator), naming event, miner, interval and reason.
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("of miner 2 for event", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("of miner 3 for event", StringComparison.Ordinal));
        Assert.All(warnings, w => Assert.Contains($"({reason})", w, StringComparison.Ordinal));
        Assert.All(warnings, w => Assert.Contains("at interval ", w, StringComparison.Ordinal));

        // "none" sends no answer: nothing to reject, nothing logged — NaN is not "no answer".
        Assert.Equal(0, silent.Summary!.Rejected);
        Assert.Empty(silentWarnings);

        // The other forecasters: metrics as if the faulty group were absent; validator scores and weights as if it were silent.
        foreach (var name in new[] { "oracle", "diff_analytic_rho=0.9" })
        {
            var row = summary.Forecasters.Single(f => f.Name == name);
            var alone = without.Summary!.Forecasters.Single(f => f.Name == name);
            var quiet = silent.Summary!.Forecasters.Single(f => f.Name == name);
            Assert.Equal(0, row.Rejected);
            Assert.Equal(alone.Predictions, row.Predictions);
            Assert.Equal(alone.Brier, row.Brier);
            Assert.Equal(alone.Sce, row.Sce);
            Assert.Equal(alone.GroupCalWorst, row.GroupCalWorst);
            Assert.Equal(quiet.Validators.Select(v => (v.MeanScore, v.Weight)), row.Validators.Select(v => (v.MeanScore, v.Weight)));
        }
    }

    [Fact]
    public void The_journal_keeps_the_raw_answer_and_marks_presence_explicitly()
    {
        var (nan, _) = Run("NaN");
        var (silent, _) = Run("none");

        using (var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(nan.Folder.JournalFile)))
        {
            var batches = reader.EventsByTag(JournalIds.PredictionsTag).Select(e => e.Event).OfType<PredictionBatch>().Where(b => b.MinerIds.Contains(2)).ToList();
            Assert.NotEmpty(batches);
            Assert.All(batches, b =>
            {
                Assert.Null(b.Answered); // every cell answered
                Assert.All(Enumerable.Range(0, b.EventIds.Length), e => Assert.True(double.IsNaN(b[0, e])));
            });
        }

        using (var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(silent.Folder.JournalFile)))
        {
            var batches = reader.EventsByTag(JournalIds.PredictionsTag).Select(e => e.Event).OfType<PredictionBatch>().Where(b => b.MinerIds.Contains(2)).ToList();
            Assert.All(batches, b =>
            {
                Assert.NotNull(b.Answered);
                Assert.Equal(0, b.AnsweredCount);
            });
        }
    }

    [Fact]
    public void A_faulty_miner_with_a_rate_sends_the_invalid_value_in_that_share_of_cells_and_the_journal_is_worker_independent()
    {
        string[] set = [$"timeline.events={Events}", "shard-size=2", "miners=[{kind=oracle},{kind=faulty,count=2,name=faulty,value=-inf,rate=0.25}]"];
        var one = _support.Run("groupstress.conf", [.. set, "marketsim.parallelism=1"], subFolder: "one");
        var many = _support.Run("groupstress.conf", [.. set, "marketsim.parallelism=4"], subFolder: "many");

        var faulty = one.Summary!.Forecasters.Single(f => f.Name == "faulty");
        var cells = 2L * Events * 6;
        Assert.Equal(cells, faulty.Rejected + faulty.Predictions);
        Assert.InRange(faulty.Rejected, cells / 8, cells * 3 / 8);
        Assert.Equal(0.25, faulty.Brier, 12);
        JournalRows.AssertSame(JournalRows.Read(one.Folder.JournalFile), JournalRows.Read(many.Folder.JournalFile));
        Assert.Equal(File.ReadAllBytes(one.Folder.SummaryJsonFile), File.ReadAllBytes(many.Folder.SummaryJsonFile));
    }
}
