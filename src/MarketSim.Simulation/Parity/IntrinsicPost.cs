using MarketSim.Scoring.Metrics;

namespace MarketSim.Simulation.Parity;

/// <summary>Options of <c>intrinsic-post</c> (parity.md §8 defaults).</summary>
public sealed record IntrinsicPostOptions
{
    /// <summary>d: number of input bits.</summary>
    public int D { get; init; } = 16;

    /// <summary>k: size of the parity set S.</summary>
    public int K { get; init; } = 8;

    /// <summary>α: signal amplitude.</summary>
    public double Alpha { get; init; } = 0.8;

    /// <summary>World seed.</summary>
    public long Seed { get; init; }

    /// <summary>ρ of the Diffusion-intrinsic base T_ρ f.</summary>
    public double Rho { get; init; } = 0.95;

    /// <summary>L: query depth of the AR-intrinsic base.</summary>
    public int L { get; init; } = 4;

    /// <summary>Rows the post-processing is fitted on.</summary>
    public int NTrain { get; init; } = 50_000;

    /// <summary>Rows the report is evaluated on (after the training rows).</summary>
    public int NTest { get; init; } = 10_000;

    /// <summary>ECE bins of the report.</summary>
    public int Bins { get; init; } = 20;

    /// <summary>Transaction cost c of the arbitrage metric.</summary>
    public double Cost { get; init; }

    /// <summary>Forecast bins of the post-processing partition.</summary>
    public int PostBins { get; init; } = 20;

    /// <summary>P: prior weight of the bin mean in q_post = (Sy + P·m_b)/(N + P).</summary>
    public double PostPrior { get; init; } = 5.0;

    /// <summary>Forecasts are clamped to [PostClip, 1 − PostClip] before they are binned.</summary>
    public double PostClip { get; init; } = 1e-4;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message for a bad value.</summary>
    public void Validate()
    {
        ParityWorld.Validate(D, K, Alpha);
        ParityValidation.Common(NTest, Rho, L, Bins, Cost);
        if (NTrain < 0)
        {
            throw new ArgumentException($"n-train must be non-negative (got {NTrain})");
        }

        if ((long)NTrain + NTest > int.MaxValue / Math.Max(1, D))
        {
            throw new ArgumentException("n-train + n-test is too large");
        }

        if (K > 24)
        {
            throw new ArgumentException($"intrinsic-post needs k <= 24 for the 2^k oracle cells (got k = {K})");
        }

        if (PostBins < 1)
        {
            throw new ArgumentException($"post-bins must be at least 1 (got {PostBins})");
        }

        if (!(PostPrior >= 0) || double.IsInfinity(PostPrior))
        {
            throw new ArgumentException($"post-prior must be a finite non-negative number (got {ParityForecaster.FormatParameter(PostPrior)})");
        }

        if (!(PostClip >= 0 && PostClip < 0.5))
        {
            throw new ArgumentException($"post-clip must satisfy 0 <= post-clip < 0.5 (got {ParityForecaster.FormatParameter(PostClip)})");
        }
    }
}

/// <summary>One row of the intrinsic-post report: test metrics plus gcal_S and its argmax cell key.</summary>
public sealed record IntrinsicPostRow(ForecastMetrics Metrics, double GcalS, int GcalArgmaxKey);

/// <summary>The result of <see cref="IntrinsicPost.Run"/>.</summary>
/// <param name="Options">The options it ran with.</param>
/// <param name="S">The world's parity set.</param>
/// <param name="Rows">One row per base and post-processed forecaster.</param>
public sealed record IntrinsicPostResult(IntrinsicPostOptions Options, IReadOnlyList<int> S, IReadOnlyList<IntrinsicPostRow> Rows);

/// <summary>
/// <c>intrinsic-post</c> (parity.md §8): bases AR-intrinsic (the L-query surrogate) and
/// Diffusion-intrinsic (T_ρ f), each post-processed with the oracle partition (2^k cells of the
/// true S) × bins: q_post = (Sy + P·m_b)/(N + P), falling back to the global bin, then to q.
/// </summary>
public static class IntrinsicPost
{
    /// <summary>Runs the experiment on a fresh world (validates the options first).</summary>
    public static IntrinsicPostResult Run(IntrinsicPostOptions o)
    {
        o.Validate();
        var world = new ParityWorld(o.D, o.K, o.Alpha, o.Seed);
        var rows = world.Generate(0, o.NTrain + o.NTest);
        var keys = CellKeysOf(rows, world);
        var test = new Range(o.NTrain, o.NTrain + o.NTest);
        var yTest = rows.Y.AsSpan(test);
        var fTest = rows.F.AsSpan(test);
        var bitsTest = keys.AsSpan(test);

        (string Name, ParityForecaster Base)[] bases =
        [
            ("AR", new LQueryOracleForecaster(o.L)),
            ("Diffusion", new DiffusionAnalyticForecaster(o.Rho)),
        ];
        var intrinsic = new List<IntrinsicPostRow>();
        var post = new List<IntrinsicPostRow>();
        foreach (var (name, forecaster) in bases)
        {
            var q = forecaster.Forecast(rows);
            var qPost = PostProcess(q, rows.Y, keys, o);
            intrinsic.Add(Row(name + "-intrinsic", q.AsSpan(test), yTest, fTest, bitsTest, o));
            post.Add(Row(name + "+post", qPost.AsSpan(test), yTest, fTest, bitsTest, o));
        }

        return new IntrinsicPostResult(o, world.S, [.. intrinsic, .. post]);
    }

    /// <summary>Fits the post-processor on rows [0, n_train) and applies it to every row.</summary>
    internal static double[] PostProcess(double[] q, byte[] y, int[] cellKeys, IntrinsicPostOptions o)
    {
        var bins = o.PostBins;
        var cells = (1 << o.K) * bins;
        var n = new int[cells];
        var sy = new double[cells];
        var nGlobal = new int[bins];
        var syGlobal = new double[bins];
        for (var r = 0; r < o.NTrain; r++)
        {
            var b = Bin(q[r], o);
            var cell = (cellKeys[r] * bins) + b;
            n[cell]++;
            sy[cell] += y[r];
            nGlobal[b]++;
            syGlobal[b] += y[r];
        }

        var result = new double[q.Length];
        for (var r = 0; r < q.Length; r++)
        {
            var b = Bin(q[r], o);
            var m = (b + 0.5) / bins;
            var cell = (cellKeys[r] * bins) + b;
            result[r] = n[cell] > 0
                ? (sy[cell] + (o.PostPrior * m)) / (n[cell] + o.PostPrior)
                : nGlobal[b] > 0
                    ? (syGlobal[b] + (o.PostPrior * m)) / (nGlobal[b] + o.PostPrior)
                    : q[r];
        }

        return result;
    }

    private static int Bin(double q, IntrinsicPostOptions o) =>
        Calibration.BinIndex(Math.Clamp(q, o.PostClip, 1 - o.PostClip), o.PostBins);

    private static int[] CellKeysOf(ParityRows rows, ParityWorld world)
    {
        var keys = new int[rows.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            var z = rows.Row(r);
            var key = 0;
            for (var t = 0; t < world.K; t++)
            {
                if (z[world.S[t]] > 0)
                {
                    key |= 1 << t;
                }
            }

            keys[r] = key;
        }

        return keys;
    }

    private static IntrinsicPostRow Row(string name, ReadOnlySpan<double> q, ReadOnlySpan<byte> y, ReadOnlySpan<double> f, ReadOnlySpan<int> keys, IntrinsicPostOptions o)
    {
        var metrics = Calibration.Evaluate(name, q, y, f, o.Bins, o.Cost);
        var cells = 1 << o.K;
        var sums = new double[cells];
        var counts = new int[cells];
        for (var r = 0; r < q.Length; r++)
        {
            sums[keys[r]] += f[r] - q[r];
            counts[keys[r]]++;
        }

        var worst = 0.0;
        var arg = 0;
        for (var a = 0; a < cells; a++)
        {
            if (counts[a] > 0 && Math.Abs(sums[a] / counts[a]) > worst)
            {
                worst = Math.Abs(sums[a] / counts[a]);
                arg = a;
            }
        }

        return new IntrinsicPostRow(metrics, worst, arg);
    }
}
