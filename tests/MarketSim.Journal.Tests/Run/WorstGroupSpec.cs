using System.Text.Json;
using MarketSim.Journal;
using MarketSim.Journal.Summary;
using MarketSim.Scoring.Metrics;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Parity;

namespace MarketSim.Journal.Tests.Run;

/// <summary>parity.md §4: gcal_worst is the maximum over every subcube of codimension k (every k-subset J).</summary>
public sealed class WorstGroupSpec : IDisposable
{
    private readonly RunTestSupport _support = new();

    public void Dispose() => _support.Dispose();

    [Fact]
    public void For_the_oracle_and_diffusion_the_worst_group_over_every_k_subset_is_the_one_on_S_and_exhaustiveness_is_reported()
    {
        var outcome = _support.Run("parity-cliff-fog.conf", ["timeline.events=600", "validators=[{rule=peer-1.5.5}]"]);
        var s = outcome.Summary!;

        Assert.True(s.GroupExhaustive);
        Assert.Equal(12_870, s.GroupSubsetsEvaluated); // C(16, 8)
        var oracle = s.Forecasters.Single(f => f.Kind == "oracle");
        Assert.Equal(0, oracle.GroupCalWorst);
        Assert.Equal(oracle.GroupCalS, oracle.GroupCalWorst);
        foreach (var diffusion in s.Forecasters.Where(f => f.Kind == "diffusion"))
        {
            Assert.True(diffusion.GroupCalS > 0);
            Assert.Equal(diffusion.GroupCalS, diffusion.GroupCalWorst, 12);
        }

        using var json = JsonDocument.Parse(File.ReadAllBytes(outcome.Folder.SummaryJsonFile));
        Assert.Equal(12_870, json.RootElement.GetProperty("gcal_subsets_evaluated").GetInt64());
        Assert.True(json.RootElement.GetProperty("gcal_exhaustive").GetBoolean());
    }

    [Fact]
    public void The_exhaustive_worst_group_equals_the_maximum_of_GroupCalibration_WorstCell_over_every_k_subset()
    {
        const int d = 6, k = 3;
        var outcome = _support.Run(
            "groupstress.conf",
            ["timeline.events=300", "world.d=6", "world.k=3", "miners=[{kind=diffusion,rho=0.7},{kind=random-chains,depth=3,chains=4},{kind=constant,value=0.3}]"]);
        var s = outcome.Summary!;
        Assert.True(s.GroupExhaustive);
        Assert.Equal(20, s.GroupSubsetsEvaluated); // C(6, 3)

        // Per event, every miner answers the same value in all scored intervals: the cell mean over answers is the mean over events.
        using var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(outcome.Folder.JournalFile));
        var issued = reader.EventsByPersistenceId(JournalIds.Issuer).Select(e => e.Event).OfType<EventIssued>().ToList();
        var truth = reader.EventsByPersistenceId(JournalIds.Issuer).Select(e => e.Event).OfType<EventResolved>().ToDictionary(r => r.EventId, r => r.Truth);
        var answer = new Dictionary<(long Event, int Miner), double>();
        foreach (var b in reader.EventsByTag(JournalIds.PredictionsTag).Select(e => e.Event).OfType<PredictionBatch>())
        {
            for (var m = 0; m < b.MinerIds.Length; m++)
            {
                for (var e = 0; e < b.EventIds.Length; e++)
                {
                    answer[(b.EventIds[e], b.MinerIds[m])] = b[m, e];
                }
            }
        }

        var rows = new sbyte[issued.Count * d];
        for (var i = 0; i < issued.Count; i++)
        {
            for (var j = 0; j < d; j++)
            {
                rows[(i * d) + j] = ((issued[i].Inputs >> j) & 1) != 0 ? (sbyte)1 : (sbyte)-1;
            }
        }

        var subsets = GroupStress.Combinations(d, k, 20).Select(m => Enumerable.Range(0, d).Where(j => ((m >> j) & 1) != 0).ToArray()).ToList();
        for (var miner = 0; miner < 3; miner++)
        {
            var gap = issued.Select(e => truth[e.EventId] - answer[(e.EventId, miner)]).ToArray();
            var expected = subsets.Max(j => GroupCalibration.WorstCell(rows, d, gap, j).Worst);
            var onS = GroupCalibration.WorstCell(rows, d, gap, [.. s.ParitySet]).Worst;
            Assert.Equal(expected, s.Forecasters[miner].GroupCalWorst, 12);
            Assert.Equal(onS, s.Forecasters[miner].GroupCalS, 12);
        }
    }

    [Fact]
    public void Above_the_bound_a_deterministic_sample_of_subsets_is_evaluated_and_reported_as_such()
    {
        // C(40, 20) ≈ 1.4·10^11 k-subsets: far above the exhaustive bound.
        string[] set = ["timeline.events=30", "world.d=40", "world.k=20", "miners=[{kind=oracle},{kind=diffusion,rho=0.9}]"];
        var one = _support.Run("groupstress.conf", set, subFolder: "one");
        var two = _support.Run("groupstress.conf", set, subFolder: "two");
        var s = one.Summary!;

        Assert.False(s.GroupExhaustive);
        Assert.Equal(SummaryBuilder.MaxSampledSubsets + 1, s.GroupSubsetsEvaluated); // S and the sample
        Assert.All(s.Forecasters, f => Assert.True(f.GroupCalWorst >= f.GroupCalS));
        Assert.Equal(File.ReadAllBytes(one.Folder.SummaryJsonFile), File.ReadAllBytes(two.Folder.SummaryJsonFile));
    }
}
