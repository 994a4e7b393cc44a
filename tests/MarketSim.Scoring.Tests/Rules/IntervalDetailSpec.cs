using FsCheck;
using FsCheck.Fluent;
using MarketSim.Scoring.Rules;
using static MarketSim.Scoring.Tests.Rules.Fixtures;

namespace MarketSim.Scoring.Tests.Rules;

/// <summary>
/// The per-interval detail the kernels hand back on request (s_{m,k}, the prediction used, w_k): it combines with the
/// weights into exactly — bit for bit — the event score and weighted prediction the kernel returns, and asking for it
/// changes nothing.
/// </summary>
public class IntervalDetailSpec
{
    private const int Cases = 200;

    private static readonly Gen<(int Miners, int Intervals, int Seed)> Shapes =
        Gen.Choose(1, 70).Zip(Gen.Choose(1, 12)).Zip(Gen.Choose(0, int.MaxValue), (mn, s) => (mn.Item1, mn.Item2, s));

    private sealed record Detail(double[] Score, double[] Prediction, double[] Cells, double[] CellPredictions, double[] Weights, EventStatus Status);

    private static Detail PeerDetail(EventMatrix e, bool outcome, Imputation imputation, IntervalWeighting weighting)
    {
        var d = new Detail(new double[e.Miners], new double[e.Miners], new double[e.Miners * e.Intervals], new double[e.Miners * e.Intervals], new double[e.Intervals], default);
        var scratch = new double[PeerScoring.ScratchLength(e.Miners, e.Intervals)];
        var status = PeerScoring.ScoreEvent(e, outcome, imputation, weighting, d.Score, d.Prediction, scratch, d.Cells, d.CellPredictions, d.Weights);
        return d with { Status = status };
    }

    private static Detail LegacyDetail(EventMatrix e, bool outcome, IntervalWeighting weighting)
    {
        var d = new Detail(new double[e.Miners], new double[e.Miners], new double[e.Miners * e.Intervals], new double[e.Miners * e.Intervals], new double[e.Intervals], EventStatus.Scored);
        LegacyBrier.ScoreEvent(e, outcome, weighting, d.Score, d.Prediction, d.Cells, d.CellPredictions, d.Weights);
        return d;
    }

    // Σ_k w_k·x_{m,k} in k order.
    private static double Weighted(double[] cells, double[] w, int miners, int m)
    {
        double acc = 0;
        for (int k = 0; k < w.Length; k++)
        {
            acc += w[k] * cells[(k * miners) + m];
        }

        return acc;
    }

    private static double Sum(double[] w)
    {
        double s = 0;
        foreach (var x in w)
        {
            s += x;
        }

        return s;
    }

    private static void AssertPeerCombines(EventMatrix e, Detail d)
    {
        Assert.Equal(EventStatus.Scored, d.Status);
        double wSum = Sum(d.Weights);
        for (int m = 0; m < e.Miners; m++)
        {
            if (double.IsNaN(d.Score[m]))
            {
                Assert.All(Row(d.Cells, e.Miners, m), x => Assert.True(double.IsNaN(x)));
                Assert.All(Row(d.CellPredictions, e.Miners, m), x => Assert.True(double.IsNaN(x)));
                continue;
            }

            if (wSum > 0)
            {
                double inv = 1.0 / wSum;
                Assert.Equal(BitConverter.DoubleToInt64Bits(Weighted(d.Cells, d.Weights, e.Miners, m) * inv), BitConverter.DoubleToInt64Bits(d.Score[m]));
                Assert.Equal(BitConverter.DoubleToInt64Bits(Weighted(d.CellPredictions, d.Weights, e.Miners, m) * inv), BitConverter.DoubleToInt64Bits(d.Prediction[m]));
            }
        }
    }

    private static void AssertLegacyCombines(EventMatrix e, Detail d)
    {
        double wSum = Sum(d.Weights);
        for (int m = 0; m < e.Miners; m++)
        {
            if (d.Prediction[m] == LegacyBrier.NoPrediction || wSum < LegacyBrier.MinWeightSum)
            {
                Assert.Equal(0.0, d.Score[m]);
                continue;
            }

            Assert.Equal(BitConverter.DoubleToInt64Bits(Weighted(d.Cells, d.Weights, e.Miners, m) / wSum), BitConverter.DoubleToInt64Bits(d.Score[m]));
            Assert.Equal(BitConverter.DoubleToInt64Bits(Weighted(d.CellPredictions, d.Weights, e.Miners, m) / wSum), BitConverter.DoubleToInt64Bits(d.Prediction[m]));
        }
    }

    [Theory]
    [InlineData(true, Imputation.WorstClip, IntervalWeighting.RemaExp)]
    [InlineData(false, Imputation.ThirdTowardWorst, IntervalWeighting.Power2)]
    [InlineData(true, Imputation.ThirdTowardWorst, IntervalWeighting.RemaFirst2)]
    public void Peer_interval_scores_and_weights_combine_into_the_event_score_of_the_test_events(bool outcome, Imputation imputation, IntervalWeighting weighting)
    {
        foreach (var rows in new[] { Event1, Event2 })
        {
            var e = new EventMatrix(Matrix(rows), rows.Length, rows[0].Length, RegisteredBefore(rows.Length), Start, Start);
            var d = PeerDetail(e, outcome, imputation, weighting);
            Assert.Equal(IntervalWeights.Compute(weighting, rows[0].Length), d.Weights);
            AssertPeerCombines(e, d);
        }
    }

    [Fact]
    public void Peer_detail_marks_new_cells_with_the_back_filled_prediction_and_ineligible_miners_with_NaN()
    {
        // miner 2 registers at the start of interval 1 (new in interval 0), miner 3 after the last interval started.
        double[][] rows = [[0.6, 0.7, 0.8], [0.5, X, 0.5], [X, 0.4, 0.3], [X, X, X]];
        long[] reg = [0, 0, Start + L, Start + (3 * L)];
        var e = new EventMatrix(Matrix(rows), 4, 3, reg, Start, Start);
        var d = PeerDetail(e, true, Imputation.WorstClip, IntervalWeighting.RemaExp);
        AssertPeerCombines(e, d);

        Assert.Equal(0.0, d.Cells[(0 * 4) + 2]); // new cell: peer score 0
        Assert.True(d.CellPredictions[(0 * 4) + 2] is > 0 and < 1); // back-filled p_new
        Assert.Equal(PeerScoring.ClipLow, d.CellPredictions[(1 * 4) + 1]); // unresponsive: worst-clip for o = 1
        Assert.Equal(0.6, d.CellPredictions[(0 * 4) + 0]);
        Assert.True(double.IsNaN(d.Score[3]));
        Assert.All(Row(d.Cells, 4, 3), x => Assert.True(double.IsNaN(x)));
    }

    [Fact]
    public void Asking_for_the_peer_detail_changes_no_result()
    {
        var rng = new Random(11);
        for (int i = 0; i < 50; i++)
        {
            int miners = rng.Next(1, 40), n = rng.Next(1, 9);
            var means = Enumerable.Range(0, miners * n).Select(_ => rng.Next(6) == 0 ? X : rng.NextDouble()).ToArray();
            var reg = Enumerable.Range(0, miners).Select(_ => rng.Next(4) == 0 ? Start + (rng.Next(n + 1) * L) : 0L).ToArray();
            var e = new EventMatrix(means, miners, n, reg, Start, Start);
            var plainScore = new double[miners];
            var plainPred = new double[miners];
            var status = PeerScoring.ScoreEvent(e, i % 2 == 0, Imputation.ThirdTowardWorst, IntervalWeighting.RemaExp, plainScore, plainPred);
            var d = PeerDetail(e, i % 2 == 0, Imputation.ThirdTowardWorst, IntervalWeighting.RemaExp);
            Assert.Equal(status, d.Status);
            Assert.Equal(plainScore, d.Score);
            Assert.Equal(plainPred, d.Prediction);
        }
    }

    [Fact]
    public void A_peer_event_without_answers_fills_the_cells_with_NaN_and_still_reports_the_weights()
    {
        var e = new EventMatrix(Matrix([[X, X], [X, X]]), 2, 2, RegisteredBefore(2), Start, Start);
        var d = PeerDetail(e, true, Imputation.WorstClip, IntervalWeighting.Power2);
        Assert.Equal(EventStatus.DiscardedNoPredictions, d.Status);
        Assert.All(d.Cells, x => Assert.True(double.IsNaN(x)));
        Assert.All(d.CellPredictions, x => Assert.True(double.IsNaN(x)));
        Assert.Equal([1.0, 0.0], d.Weights);
    }

    [Fact]
    public void Detail_spans_of_the_wrong_length_are_refused()
    {
        var means = Matrix(Event2);
        var scratch = new double[PeerScoring.ScratchLength(3, 3)];
        EventMatrix E() => new(means, 3, 3, RegisteredBefore(3), Start, Start);
        Assert.Throws<ArgumentException>(() => PeerScoring.ScoreEvent(E(), true, Imputation.WorstClip, IntervalWeighting.RemaExp, new double[3], new double[3], scratch, default, new double[8], default));
        Assert.Throws<ArgumentException>(() => PeerScoring.ScoreEvent(E(), true, Imputation.WorstClip, IntervalWeighting.RemaExp, new double[3], new double[3], scratch, default, default, new double[2]));
        Assert.Throws<ArgumentException>(() => LegacyBrier.ScoreEvent(E(), true, IntervalWeighting.RemaExp, new double[3], new double[3], default, new double[8], default));
        Assert.Throws<ArgumentException>(() => LegacyBrier.ScoreEvent(E(), true, IntervalWeighting.RemaExp, new double[3], new double[3], default, default, new double[4]));
    }

    [Theory]
    [InlineData(true, IntervalWeighting.RemaExp)]
    [InlineData(false, IntervalWeighting.Power2)]
    public void Legacy_interval_scores_and_weights_combine_into_the_event_score_of_the_test_events(bool outcome, IntervalWeighting weighting)
    {
        foreach (var rows in new[] { Event1, Event2 })
        {
            var e = new EventMatrix(Matrix(rows), rows.Length, rows[0].Length, RegisteredBefore(rows.Length), Start, Start + 5);
            var d = LegacyDetail(e, outcome, weighting);
            Assert.Equal(IntervalWeights.Compute(weighting, rows[0].Length), d.Weights);
            AssertLegacyCombines(e, d);
        }

        // TV1 event 1, o = 1: the cells and predictions used, miner 1 missing interval 2 (p = 1 − o = 0).
        var e1 = new EventMatrix(Matrix(Event1), 3, 4, RegisteredBefore(3), Start, Start + 5);
        var d1 = LegacyDetail(e1, true, IntervalWeighting.RemaExp);
        Close([0.75, 0.75, 0, 0.75], Row(d1.Cells, 3, 1), 1e-12);
        Close([0.5, 0.5, 0, 0.5], Row(d1.CellPredictions, 3, 1), 0);
    }

    [Fact]
    public void Asking_for_the_legacy_detail_changes_no_result()
    {
        var e = new EventMatrix(Matrix(Event1), 3, 4, [0, Start + (2 * L), 0], Start, Start + 5);
        var plainScore = new double[3];
        var plainPred = new double[3];
        LegacyBrier.ScoreEvent(e, false, IntervalWeighting.RemaExp, plainScore, plainPred);
        var d = LegacyDetail(e, false, IntervalWeighting.RemaExp);
        Assert.Equal(plainScore, d.Score);
        Assert.Equal(plainPred, d.Prediction);
        Assert.Equal(0.5, d.CellPredictions[(0 * 3) + 1]); // registered after interval 0 ended
    }

    [Fact]
    public void Property_interval_detail_combines_into_the_event_score_for_random_matrices()
    {
        foreach (var (miners, n, seed) in Shapes.Sample(10, new Rnd(20260101), Cases))
        {
            var rng = new Random(seed);
            var means = Enumerable.Range(0, miners * n).Select(_ => rng.Next(5) == 0 ? X : (rng.NextDouble() * 1.2) - 0.1).ToArray();
            var reg = Enumerable.Range(0, miners).Select(_ => rng.Next(5) == 0 ? Start + (rng.Next(n + 2) * L) - rng.Next(L) : 0L).ToArray();
            var outcome = rng.Next(2) == 0;
            var weighting = (IntervalWeighting)rng.Next(3);
            var e = new EventMatrix(means, miners, n, reg, Start, Start + 5);

            var peer = PeerDetail(e, outcome, rng.Next(2) == 0 ? Imputation.WorstClip : Imputation.ThirdTowardWorst, weighting);
            Assert.Equal(IntervalWeights.Compute(weighting, n), peer.Weights);
            if (peer.Status == EventStatus.Scored)
            {
                AssertPeerCombines(e, peer);
            }

            var legacy = LegacyDetail(e, outcome, weighting);
            Assert.Equal(IntervalWeights.Compute(weighting, n), legacy.Weights);
            AssertLegacyCombines(e, legacy);
        }
    }
}
