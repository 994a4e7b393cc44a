using MarketSim.Scoring.Rules;

namespace MarketSim.Scoring.Tests.Rules;

/// <summary>The common inputs of scoring.md §12.</summary>
internal static class Fixtures
{
    public const double X = double.NaN;

    /// <summary>align(A) of the test events: some aligned minute well after the epoch.</summary>
    public const long Start = 240 * 1000;

    public const int L = IntervalGrid.DefaultIntervalMinutes;

    public static readonly double[][] Event1 =
    [
        [0.6, 0.7, 0.8, 1.0],
        [0.5, 0.5, X, 0.5],
        [0.3, 0.2, 0.4, 0.0],
    ];

    public static readonly double[][] Event2 =
    [
        [0.2, 0.1, 0.1],
        [0.5, 0.5, 0.5],
        [0.6, 0.7, 0.9],
    ];

    /// <summary>Interval-major matrix from miner rows.</summary>
    public static double[] Matrix(double[][] rows)
    {
        int miners = rows.Length;
        int n = rows[0].Length;
        var m = new double[miners * n];
        for (int i = 0; i < miners; i++)
        {
            for (int k = 0; k < n; k++)
            {
                m[(k * miners) + i] = rows[i][k];
            }
        }

        return m;
    }

    /// <summary>Miner-major view of an interval-major array.</summary>
    public static double[] Row(double[] intervalMajor, int miners, int miner) =>
        Enumerable.Range(0, intervalMajor.Length / miners).Select(k => intervalMajor[(k * miners) + miner]).ToArray();

    public static long[] RegisteredBefore(int miners) => Enumerable.Repeat(0L, miners).ToArray();

    public static void Close(double[] expected, ReadOnlySpan<double> actual, double tol = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"[{i}] expected {expected[i]}, got {actual[i]}");
        }
    }

    public static (double[] Score, double[] Prediction, double[] Peers, EventStatus Status) Peer(
        double[][] rows, bool outcome, Imputation imputation, IntervalWeighting weighting, long[]? registered = null)
    {
        int miners = rows.Length;
        int n = rows[0].Length;
        var reg = registered ?? RegisteredBefore(miners);
        var means = Matrix(rows);
        var e = new EventMatrix(means, miners, n, reg, Start, Start);
        var score = new double[miners];
        var pred = new double[miners];
        var peers = new double[miners * n];
        var status = PeerScoring.ScoreEvent(e, outcome, imputation, weighting, score, pred, peers);
        return (score, pred, peers, status);
    }
}
