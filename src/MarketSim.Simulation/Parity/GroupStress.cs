using MarketSim.Scoring.Metrics;

namespace MarketSim.Simulation.Parity;

/// <summary>Options of <c>groupstress</c> (parity.md §7; defaults d 14, k 7, α 0.8, n 200,000, ρ 0.9, L 3).</summary>
public sealed record GroupStressOptions
{
    /// <summary>d: number of input bits.</summary>
    public int D { get; init; } = 14;

    /// <summary>k: size of the parity set S.</summary>
    public int K { get; init; } = 7;

    /// <summary>α: signal amplitude.</summary>
    public double Alpha { get; init; } = 0.8;

    /// <summary>n: sampled rows (ignored with <see cref="Exact"/>).</summary>
    public int N { get; init; } = 200_000;

    /// <summary>ρ of the diffusion forecaster T_ρ f.</summary>
    public double Rho { get; init; } = 0.9;

    /// <summary>L: query depth of the AR surrogate.</summary>
    public int L { get; init; } = 3;

    /// <summary>World seed.</summary>
    public long Seed { get; init; }

    /// <summary>Evaluate only the first MaxJ subsets in lexicographic order (null = all).</summary>
    public long? MaxJ { get; init; }

    /// <summary>Use all 2^d points instead of n samples (refused when d &gt; 18).</summary>
    public bool Exact { get; init; }

    /// <summary>How many of the sorted subsets to report.</summary>
    public int Top { get; init; } = 200;

    /// <summary>ECE bins of the metric rows.</summary>
    public int Bins { get; init; } = 20;

    /// <summary>Transaction cost c of the arbitrage metric.</summary>
    public double Cost { get; init; }

    /// <summary>Most subsets evaluated without an explicit MaxJ.</summary>
    public const long SubsetLimit = 20_000_000;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message for a bad value.</summary>
    public void Validate()
    {
        ParityWorld.Validate(D, K, Alpha);
        ParityValidation.Common(Exact ? 1 : N, Rho, L, Bins, Cost);
        if (D > 63)
        {
            throw new ArgumentException($"groupstress needs d <= 63 (got d = {D})");
        }

        if (K > 24)
        {
            throw new ArgumentException($"groupstress needs k <= 24 (got k = {K})");
        }

        if (Exact && D > 18)
        {
            throw new ArgumentException($"--exact enumerates 2^d points and is refused when d > 18 (got d = {D})");
        }

        if (MaxJ is <= 0)
        {
            throw new ArgumentException($"max-j must be positive (got {MaxJ})");
        }

        if (Top < 0)
        {
            throw new ArgumentException($"top must be non-negative (got {Top})");
        }

        if (MaxJ is null && ParityClosedForms.Binomial(D, K) > SubsetLimit)
        {
            throw new ArgumentException($"C({D}, {K}) subsets exceed {SubsetLimit:N0}; set --max-j");
        }
    }
}

/// <summary>One conditioning set's worst cell: max_a |mean r over G_{J,a}| and its argmax key.</summary>
public sealed record SubsetStat(IReadOnlyList<int> J, double WorstGroup, int ArgmaxKey);

/// <summary>The result of <see cref="GroupStress.Run"/> (parity.md §7).</summary>
/// <param name="Options">The options it ran with.</param>
/// <param name="S">The world's parity set.</param>
/// <param name="Rows">Rows scanned (n, or 2^d with <see cref="GroupStressOptions.Exact"/>).</param>
/// <param name="Theory">(α/2)(1 − ρ^k): the residual's amplitude, the worst cell of J = S in theory.</param>
/// <param name="ArLowerBound">α/2 when L &lt; k (the AR surrogate's gap), else 0.</param>
/// <param name="SubsetsTotal">C(d, k).</param>
/// <param name="SubsetsEvaluated">Subsets scanned (at most <see cref="GroupStressOptions.MaxJ"/>).</param>
/// <param name="SubsetS">The worst cell of J = S.</param>
/// <param name="SIsTop">True when J = S is at least as bad as every other J evaluated.</param>
/// <param name="BestOther">The worst J ≠ S, or null when none was evaluated.</param>
/// <param name="Margin">J = S's worst cell minus the best other's.</param>
/// <param name="NoiseCeiling">Expected largest sampling noise over all cells scanned (0 with exact enumeration).</param>
/// <param name="TopSubsets">The <see cref="GroupStressOptions.Top"/> worst subsets, worst first.</param>
/// <param name="Forecasters">Metrics of truth, diffusion and the AR surrogate.</param>
public sealed record GroupStressResult(
    GroupStressOptions Options,
    IReadOnlyList<int> S,
    int Rows,
    double Theory,
    double ArLowerBound,
    long SubsetsTotal,
    long SubsetsEvaluated,
    SubsetStat SubsetS,
    bool SIsTop,
    SubsetStat? BestOther,
    double Margin,
    double NoiseCeiling,
    IReadOnlyList<SubsetStat> TopSubsets,
    IReadOnlyList<ForecastMetrics> Forecasters);

/// <summary>
/// <c>groupstress</c>: the small-group diagnostic of parity.md §7. The residual
/// r = f − T_ρ f = (α/2)(1 − ρ^k)·χ_S is scanned over every k-subset J (lexicographic), worst
/// cell |mean r| per J, sorted decreasing (ties by J order).
/// </summary>
public static class GroupStress
{
    /// <summary>Runs the diagnostic; <paramref name="progress"/> receives (subsets done, subsets to do).</summary>
    public static GroupStressResult Run(GroupStressOptions o, Action<long, long>? progress = null)
    {
        o.Validate();
        var world = new ParityWorld(o.D, o.K, o.Alpha, o.Seed);
        var rows = o.Exact ? world.Enumerate() : world.Generate(0, o.N);
        var theory = ParityClosedForms.DiffusionGap(o.Alpha, o.K, o.Rho);
        var arBound = o.L < o.K ? o.Alpha / 2 : 0.0;

        // Metric rows: truth, diffusion, AR surrogate.
        var metrics = new List<ForecastMetrics>();
        ParityForecaster[] forecasters = [new OracleForecaster(), new DiffusionAnalyticForecaster(o.Rho), new LQueryOracleForecaster(o.L)];
        string[] names = ["truth", forecasters[1].Name, forecasters[2].Name];
        for (var i = 0; i < forecasters.Length; i++)
        {
            metrics.Add(Calibration.Evaluate(names[i], forecasters[i].Forecast(rows), rows.Y, rows.F, o.Bins, o.Cost));
        }

        // Packed words: input bits plus [χ_S = −1] at bit d, so one gather yields (cell key, sign).
        var bits = rows.Bits!;
        var words = new ulong[rows.Count];
        var signBit = 1UL << o.D;
        for (var r = 0; r < rows.Count; r++)
        {
            words[r] = bits[r] | (rows.Chi[r] < 0 ? signBit : 0);
        }

        var total = (long)ParityClosedForms.Binomial(o.D, o.K);
        var count = o.MaxJ is { } cap ? Math.Min(cap, total) : total;
        var masks = Combinations(o.D, o.K, count);
        var worst = new double[masks.Length];
        var argmax = new int[masks.Length];
        var done = 0L;
        var chunk = Math.Max(1, masks.Length / 100);
        Parallel.For(
            0,
            masks.Length,
            () => new int[2 << o.K],
            (index, _, counts) =>
            {
                (worst[index], argmax[index]) = Scan(words, masks[index] | signBit, o.K, theory, counts, CellKeys.HardwareGather);
                if (progress is not null && Interlocked.Increment(ref done) % chunk == 0)
                {
                    progress(Interlocked.Read(ref done), masks.Length);
                }

                return counts;
            },
            _ => { });
        progress?.Invoke(masks.Length, masks.Length);

        var sMask = world.SMask;
        var (sWorst, sArg) = Scan(words, sMask | signBit, o.K, theory, new int[2 << o.K], CellKeys.HardwareGather);
        var subsetS = new SubsetStat(world.S, sWorst, sArg);

        var order = Enumerable.Range(0, masks.Length)
            .OrderByDescending(i => worst[i])
            .ThenBy(i => i)
            .ToArray();
        var bestOtherIndex = order.Cast<int?>().FirstOrDefault(i => masks[i!.Value] != sMask);
        SubsetStat? bestOther = bestOtherIndex is { } b ? Stat(masks[b], worst[b], argmax[b]) : null;
        var margin = sWorst - (bestOther?.WorstGroup ?? 0);
        var sIsTop = bestOther is null || sWorst >= bestOther.WorstGroup;

        var top = order.Take(o.Top).Select(i => Stat(masks[i], worst[i], argmax[i])).ToList();
        var cells = 1 << o.K;
        var noise = o.Exact ? 0.0 : theory / Math.Sqrt((double)rows.Count / cells) * ParityClosedForms.ExpectedMaxAbsNormal((double)masks.Length * cells);

        return new GroupStressResult(o, world.S, rows.Count, theory, arBound, total, masks.Length, subsetS, sIsTop, bestOther, margin, noise, top, metrics);
    }

    private static SubsetStat Stat(ulong mask, double worst, int key) => new(CellKeys.Coordinates(mask), worst, key);

    /// <summary>
    /// Worst cell of r = c·χ_S for one J: counts[(key) + 2^k·[χ = −1]]; a cell's mean is
    /// c·(plus − minus)/(plus + minus), computed as c times the exact ratio so J = S gives c exactly.
    /// </summary>
    internal static (double Worst, int Argmax) Scan(ulong[] words, ulong mask, int k, double c, int[] counts, bool hardware)
    {
        Array.Clear(counts);
        if (hardware && CellKeys.HardwareGather)
        {
            foreach (var w in words)
            {
                counts[(int)System.Runtime.Intrinsics.X86.Bmi2.X64.ParallelBitExtract(w, mask)]++;
            }
        }
        else
        {
            var positions = CellKeys.Coordinates(mask);
            foreach (var w in words)
            {
                var key = 0;
                for (var t = 0; t < positions.Length; t++)
                {
                    key |= (int)((w >> positions[t]) & 1UL) << t;
                }

                counts[key]++;
            }
        }

        var cells = 1 << k;
        var worst = 0.0;
        var arg = 0;
        for (var a = 0; a < cells; a++)
        {
            var plus = counts[a];
            var minus = counts[a + cells];
            var n = plus + minus;
            if (n == 0)
            {
                continue;
            }

            var v = c * ((double)Math.Abs(plus - minus) / n);
            if (v > worst)
            {
                worst = v;
                arg = a;
            }
        }

        return (worst, arg);
    }

    /// <summary>The first <paramref name="count"/> k-combinations of {0…d−1} in lexicographic order, as bit masks.</summary>
    public static ulong[] Combinations(int d, int k, long count)
    {
        var result = new ulong[count];
        var c = new int[k];
        for (var t = 0; t < k; t++)
        {
            c[t] = t;
        }

        for (long index = 0; index < count; index++)
        {
            ulong m = 0;
            foreach (var x in c)
            {
                m |= 1UL << x;
            }

            result[index] = m;

            // Next combination: rightmost position that can still move.
            var i = k - 1;
            while (i >= 0 && c[i] == d - k + i)
            {
                i--;
            }

            if (i < 0)
            {
                break;
            }

            c[i]++;
            for (var j = i + 1; j < k; j++)
            {
                c[j] = c[j - 1] + 1;
            }
        }

        return result;
    }
}
