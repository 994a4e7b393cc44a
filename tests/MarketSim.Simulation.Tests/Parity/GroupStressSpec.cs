using MarketSim.Scoring.Metrics;
using MarketSim.Simulation.Parity;

namespace MarketSim.Simulation.Tests.Parity;

/// <summary>parity.md §7.</summary>
public sealed class GroupStressSpec
{
    private static readonly GroupStressOptions Reduced = new() { D = 10, K = 5, N = 50_000 };

    private static readonly Lazy<GroupStressResult> ReducedRun = new(() => GroupStress.Run(Reduced));

    [Fact]
    public void J_equal_to_s_carries_exactly_the_theory_and_tops_the_list()
    {
        var r = ReducedRun.Value;
        var theory = 0.8 / 2 * (1 - Math.Pow(0.9, 5));
        Assert.Equal(theory, r.Theory);
        Assert.Equal(theory, r.SubsetS.WorstGroup);
        Assert.Equal(r.S, r.SubsetS.J);
        Assert.True(r.SIsTop);
        Assert.Equal(r.S, r.TopSubsets[0].J);
        Assert.Equal(0.4, r.ArLowerBound);
        Assert.Equal(252, r.SubsetsTotal);
        Assert.Equal(252, r.SubsetsEvaluated);
    }

    [Fact]
    public void Every_other_j_stays_at_the_noise_floor()
    {
        var r = ReducedRun.Value;
        Assert.NotNull(r.BestOther);
        Assert.True(r.BestOther!.WorstGroup < 0.06);
        Assert.True(r.BestOther.WorstGroup < 1.5 * r.NoiseCeiling, $"{r.BestOther.WorstGroup} vs ceiling {r.NoiseCeiling}");
        Assert.True(r.Margin > r.NoiseCeiling);
        Assert.All(r.TopSubsets.Skip(1), s => Assert.True(s.WorstGroup < 0.06));
        Assert.Equal(r.TopSubsets.Select(s => s.WorstGroup).OrderDescending(), r.TopSubsets.Select(s => s.WorstGroup));
    }

    [Fact]
    public void The_defaults_separate_s_from_every_other_conditioning_set()
    {
        var r = GroupStress.Run(new GroupStressOptions());
        Assert.Equal(0.208681, r.Theory, 6);
        Assert.Equal(r.Theory, r.SubsetS.WorstGroup);
        Assert.Equal(3432, r.SubsetsEvaluated);
        Assert.True(r.SIsTop);
        Assert.True(r.BestOther!.WorstGroup < 0.06);
        var truth = r.Forecasters[0];
        var diffusion = r.Forecasters[1];
        Assert.Equal(("truth", "diff_analytic_rho=0.9", "L_query_oracle(L=3)"), (truth.Name, diffusion.Name, r.Forecasters[2].Name));
        Assert.Equal(0.043548, diffusion.Sce, 1e-6);
        Assert.Equal(0.208681, diffusion.ArbProfit, 1e-6);
        Assert.InRange(diffusion.Brier, 0.133548 - 0.004, 0.133548 + 0.004);
        Assert.InRange(truth.Brier, 0.09 - 0.004, 0.09 + 0.004);
    }

    [Fact]
    public void Exact_enumeration_gives_zero_for_every_other_j()
    {
        var r = GroupStress.Run(Reduced with { Exact = true, Top = 1000 });
        Assert.Equal(1024, r.Rows);
        Assert.Equal(r.Theory, r.SubsetS.WorstGroup);
        Assert.Equal(0.0, r.BestOther!.WorstGroup);
        Assert.Equal(0.0, r.NoiseCeiling);
        Assert.All(r.TopSubsets.Where(s => !s.J.SequenceEqual(r.S)), s => Assert.Equal(0.0, s.WorstGroup));
        Assert.Throws<ArgumentException>(() => GroupStress.Run(new GroupStressOptions { D = 19, K = 2, Exact = true }));
    }

    [Fact]
    public void Truncation_still_computes_j_equal_to_s()
    {
        var r = GroupStress.Run(Reduced with { N = 5_000, MaxJ = 3 });
        Assert.Equal(3, r.SubsetsEvaluated);
        Assert.Equal(r.Theory, r.SubsetS.WorstGroup);
        Assert.Equal(3, r.TopSubsets.Count);
    }

    [Fact]
    public void The_fast_kernel_agrees_with_the_scoring_worst_cell()
    {
        var world = new ParityWorld(Reduced.D, Reduced.K, Reduced.Alpha, Reduced.Seed);
        var rows = world.Generate(0, 5_000);
        var c = ParityClosedForms.DiffusionGap(0.8, 5, 0.9);
        var residual = rows.Chi.Select(x => c * x).ToArray();
        var r = GroupStress.Run(Reduced with { N = 5_000, Top = 1000 });
        foreach (var stat in r.TopSubsets.Take(40))
        {
            var j = stat.J.ToArray();
            var (worst, key) = GroupCalibration.WorstCell(rows.Z, rows.D, residual, j);
            Assert.Equal(worst, stat.WorstGroup, 1e-12);
            if (!stat.J.SequenceEqual(r.S))
            {
                // For J = S every cell ties at c; elsewhere the argmax is unique.
                Assert.Equal(key, stat.ArgmaxKey);
            }
        }
    }

    [Fact]
    public void The_portable_scan_matches_the_hardware_scan()
    {
        var world = new ParityWorld(10, 5, 0.8, 3);
        var rows = world.Generate(0, 4_000);
        var words = rows.Bits!.Select((b, r) => b | (rows.Chi[r] < 0 ? 1UL << 10 : 0)).ToArray();
        var counts = new int[64];
        foreach (var mask in GroupStress.Combinations(10, 5, 252).Append(world.SMask))
        {
            Assert.Equal(
                GroupStress.Scan(words, mask | (1UL << 10), 5, 0.1, counts, hardware: true),
                GroupStress.Scan(words, mask | (1UL << 10), 5, 0.1, counts, hardware: false));
        }
    }

    [Fact]
    public void Combinations_come_in_lexicographic_order()
    {
        var masks = GroupStress.Combinations(5, 3, 10);
        var sets = masks.Select(m => string.Join(',', Enumerable.Range(0, 5).Where(i => ((m >> i) & 1) == 1))).ToArray();
        Assert.Equal(["0,1,2", "0,1,3", "0,1,4", "0,2,3", "0,2,4", "0,3,4", "1,2,3", "1,2,4", "1,3,4", "2,3,4"], sets);
    }

    [Fact]
    public void The_portable_gather_matches_the_hardware_gather()
    {
        var rng = new MarketSim.Simulation.Randomness.SplitMix64(5);
        for (var i = 0; i < 2000; i++)
        {
            var value = rng.NextUInt64();
            var mask = rng.NextUInt64() & rng.NextUInt64();
            Assert.Equal(CellKeys.GatherPortable(value, mask), CellKeys.Gather(value, mask));
        }

        Assert.Equal(0b101UL, CellKeys.GatherPortable(0b1_0000_0100, 0b1_0001_0100));
    }

    [Fact]
    public void The_same_seed_gives_the_same_report()
    {
        var a = GroupStress.Run(Reduced with { N = 5_000 });
        var b = GroupStress.Run(Reduced with { N = 5_000 });
        Assert.Equal(a.TopSubsets.Select(s => (string.Join(',', s.J), s.WorstGroup, s.ArgmaxKey)), b.TopSubsets.Select(s => (string.Join(',', s.J), s.WorstGroup, s.ArgmaxKey)));
        Assert.Equal(a.Forecasters, b.Forecasters);
    }
}
