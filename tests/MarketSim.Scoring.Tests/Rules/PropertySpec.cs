using FsCheck;
using FsCheck.Fluent;
using MarketSim.Scoring.Rules;
using static MarketSim.Scoring.Tests.Rules.Fixtures;

namespace MarketSim.Scoring.Tests.Rules;

/// <summary>Properties over deterministic FsCheck samples (fixed Rnd seed, so every run checks the same cases).</summary>
public class PropertySpec
{
    private const int Cases = 200;

    private static readonly Gen<(int Miners, int Intervals, int Seed)> Shapes =
        Gen.Choose(2, 70).Zip(Gen.Choose(1, 12)).Zip(Gen.Choose(0, int.MaxValue), (mn, s) => (mn.Item1, mn.Item2, s));

    private static (int Miners, int Intervals, int Seed)[] Samples(ulong seed) => Shapes.Sample(10, new Rnd(seed), Cases);

    [Fact]
    public void Without_new_cells_the_peer_scores_of_an_interval_sum_to_zero()
    {
        foreach (var (miners, n, seed) in Samples(1))
        {
            var rng = new Random(seed);
            var rows = new double[miners][];
            for (int m = 0; m < miners; m++)
            {
                rows[m] = Enumerable.Range(0, n).Select(_ => rng.Next(10) == 0 ? X : rng.NextDouble()).ToArray();
            }

            // everyone registered before the event: no new cells; at least 2 non-empty cells per interval.
            var r = Peer(rows, rng.Next(2) == 0, rng.Next(2) == 0 ? Imputation.WorstClip : Imputation.ThirdTowardWorst, IntervalWeighting.Power2);
            if (r.Status != EventStatus.Scored)
            {
                continue;
            }

            for (int k = 0; k < n; k++)
            {
                double sum = 0;
                for (int m = 0; m < miners; m++)
                {
                    sum += r.Peers[(k * miners) + m];
                }

                Assert.True(Math.Abs(sum) < 1e-9, $"interval {k} of a {miners}×{n} event sums to {sum}");
            }
        }
    }

    [Fact]
    public void Interval_weights_are_non_negative_and_power2_ends_at_zero()
    {
        foreach (var (_, n, _) in Samples(2))
        {
            foreach (var kind in Enum.GetValues<IntervalWeighting>())
            {
                var w = IntervalWeights.Compute(kind, n);
                Assert.All(w, x => Assert.True(x >= 0 && x <= 1));
                Assert.Equal(1.0, w[0]);
                if (kind == IntervalWeighting.Power2 && n >= 2)
                {
                    Assert.Equal(0.0, w[^1]);
                }
            }
        }
    }

    [Fact]
    public void Metagraph_weights_are_non_negative_and_sum_to_one()
    {
        foreach (var (miners, n, seed) in Samples(3))
        {
            var rng = new Random(seed);
            var agg = new MetagraphAggregator(rng.Next(2) == 0 ? MovingAverageKind.FixedWindow : MovingAverageKind.ClassBalanced, rng.Next(1, 10));
            var ids = Enumerable.Range(0, miners).ToArray();
            var l = new double[miners];
            var r = new double[miners];
            var t = DateTimeOffset.UnixEpoch;
            for (int e = 0; e < n + 1; e++)
            {
                var s = ids.Select(_ => (rng.NextDouble() * 4) - 1.5).ToArray();
                s[0] = 1; // keeps at least one positive moving average
                agg.ProcessEvent(rng.Next(3) == 0, ids, s, t, l, r);
                Assert.All(r, x => Assert.True(x >= 0));
                Assert.Equal(1.0, r.Sum(), 1e-9);
            }

            var w = new double[miners];
            agg.Weights(ids, t, w);
            Assert.All(w, x => Assert.True(x >= 0));
            Assert.Equal(1.0, w.Sum(), 1e-9);
        }
    }

    [Fact]
    public void Legacy_normalisations_are_distributions()
    {
        foreach (var (miners, _, seed) in Samples(4))
        {
            var rng = new Random(seed);
            var s = Enumerable.Range(0, miners).Select(_ => rng.Next(4) == 0 ? 0 : rng.NextDouble()).ToArray();
            s[0] = 0.5;
            var n = new double[miners];
            LegacyBrier.NormaliseSoftmax(s, 30, n);
            Assert.All(n, x => Assert.True(x >= 0));
            Assert.Equal(1.0, n.Sum(), 1e-9);
            LegacyBrier.NormaliseExpL1(s, 30, 0, n);
            Assert.Equal(1.0, n.Sum(), 1e-9);
            Assert.All(s.Zip(n), z => Assert.True(z.First != 0 || z.Second == 0));
        }
    }

    [Fact]
    public void Non_finite_and_out_of_range_submissions_never_enter_a_running_mean()
    {
        var bad = Gen.Elements(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.5, 1.5, -1e-12, 1 + 1e-12, double.MaxValue, double.MinValue);
        var acc = new IntervalAccumulator(1, 1);
        acc.Add(0, 0, 0.25);
        foreach (double p in bad.Sample(10, new Rnd(5), Cases))
        {
            Assert.NotEqual(SubmissionRejection.None, acc.Add(0, 0, p));
        }

        foreach (double p in Gen.Choose(0, 1_000_000).Select(i => i / 1e6).Sample(10, new Rnd(6), Cases))
        {
            Assert.Equal(SubmissionRejection.None, Submission.Check(p));
        }

        Assert.Equal(0.25, acc.Mean(0, 0));
        Assert.Equal(1, acc.Count(0, 0));
    }
}
