using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MarketSim.Scoring.Metrics;

// CONTRACT FILE: the metrics surface other modules compile against (docs/parity.md).
// Signatures may grow, not break.

/// <summary>One forecaster's metrics row (parity.md §4 columns).</summary>
public sealed record ForecastMetrics(string Name, double Brier, double LogLoss, double Sce, double Ece, double ArbProfit, int NEval);

/// <summary>
/// Proper scores, calibration and arbitrage over evaluation rows. q = forecast, y = outcome (0/1), f = truth.
/// Every mean over zero rows is <see cref="double.NaN"/>; spans that must be parallel throw
/// <see cref="ArgumentException"/> when their lengths differ.
/// </summary>
public static class Calibration
{
    /// <summary>Default number of equal-width reliability bins for ECE.</summary>
    public const int DefaultBins = 20;

    /// <summary>Clip applied to q before the logarithm in <see cref="LogLoss"/>.</summary>
    public const double LogLossClip = 1e-6;

    /// <summary>mean (q − y)².</summary>
    public static double Brier(ReadOnlySpan<double> q, ReadOnlySpan<byte> y)
    {
        SameLength(q.Length, y.Length, nameof(y));
        if (q.Length == 0)
        {
            return double.NaN;
        }

        double s0 = 0, s1 = 0;
        int i = 0;
        for (; i + 1 < q.Length; i += 2)
        {
            double d0 = q[i] - y[i];
            double d1 = q[i + 1] - y[i + 1];
            s0 += d0 * d0;
            s1 += d1 * d1;
        }

        if (i < q.Length)
        {
            double d = q[i] - y[i];
            s0 += d * d;
        }

        return (s0 + s1) / q.Length;
    }

    /// <summary>mean −[y ln q̃ + (1 − y) ln(1 − q̃)], q̃ = clip(q, 1e−6, 1 − 1e−6).</summary>
    public static double LogLoss(ReadOnlySpan<double> q, ReadOnlySpan<byte> y)
    {
        SameLength(q.Length, y.Length, nameof(y));
        if (q.Length == 0)
        {
            return double.NaN;
        }

        Span<double> buf = stackalloc double[Chunk];
        double s = 0;
        for (int start = 0; start < q.Length; start += Chunk)
        {
            int len = Math.Min(Chunk, q.Length - start);
            s += LogLossSum(q.Slice(start, len), y.Slice(start, len), buf[..len]);
        }

        return s / q.Length;
    }

    /// <summary>mean (q − f)².</summary>
    public static double Sce(ReadOnlySpan<double> q, ReadOnlySpan<double> f)
    {
        SameLength(q.Length, f.Length, nameof(f));
        return q.Length == 0 ? double.NaN : SumSquaredDiff(q, f) / q.Length;
    }

    /// <summary>Σ_b (n_b/n)·|ȳ_b − q̄_b| over non-empty equal-width right-closed bins.</summary>
    public static double Ece(ReadOnlySpan<double> q, ReadOnlySpan<byte> y, int bins = DefaultBins)
    {
        SameLength(q.Length, y.Length, nameof(y));
        CheckBins(bins);
        if (q.Length == 0)
        {
            return double.NaN;
        }

        Span<double> acc = bins <= 256 ? stackalloc double[3 * bins] : new double[3 * bins];
        acc.Clear();
        double invB = 1.0 / bins;
        for (int i = 0; i < q.Length; i++)
        {
            int b = BinIndexCore(q[i], bins, invB);
            int o = 3 * b;
            acc[o] += 1;
            acc[o + 1] += q[i];
            acc[o + 2] += y[i];
        }

        return EceFromBins(acc, bins, q.Length);
    }

    /// <summary>Bin of q under the ECE rule: (e_b, e_{b+1}], e_i = i·(1/B) in double; q ≤ 0 → 0, q > 1 → bins − 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">q is NaN or bins &lt; 1.</exception>
    public static int BinIndex(double q, int bins = DefaultBins)
    {
        CheckBins(bins);
        return BinIndexCore(q, bins, 1.0 / bins);
    }

    /// <summary>Edge e_i = i·(1/B) of the ECE bins (double precision, as numpy's linspace computes it).</summary>
    public static double BinEdge(int i, int bins = DefaultBins) => i == bins ? 1.0 : i * (1.0 / bins);

    /// <summary>B · mean (|f − q| − c)_+.</summary>
    public static double ArbProfit(ReadOnlySpan<double> q, ReadOnlySpan<double> f, double budget = 1.0, double cost = 0.0)
    {
        SameLength(q.Length, f.Length, nameof(f));
        return q.Length == 0 ? double.NaN : budget * (SumPositiveGap(q, f, cost) / q.Length);
    }

    /// <summary>
    /// All columns at once, in a single pass. <paramref name="f"/> may be empty when the truth is unknown:
    /// then Sce and ArbProfit are NaN.
    /// </summary>
    public static ForecastMetrics Evaluate(string name, ReadOnlySpan<double> q, ReadOnlySpan<byte> y, ReadOnlySpan<double> f, int bins = DefaultBins, double cost = 0.0, double budget = 1.0)
    {
        SameLength(q.Length, y.Length, nameof(y));
        bool hasTruth = f.Length != 0;
        if (hasTruth)
        {
            SameLength(q.Length, f.Length, nameof(f));
        }

        CheckBins(bins);
        int n = q.Length;
        if (n == 0)
        {
            return new ForecastMetrics(name, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0);
        }

        Span<double> acc = bins <= 256 ? stackalloc double[3 * bins] : new double[3 * bins];
        acc.Clear();
        double invB = 1.0 / bins;
        double brier = 0, logLoss = 0, sce = 0, arb = 0;
        Span<double> buf = stackalloc double[Chunk];
        for (int start = 0; start < n; start += Chunk)
        {
            int len = Math.Min(Chunk, n - start);
            var qc = q.Slice(start, len);
            var yc = y.Slice(start, len);
            logLoss += LogLossSum(qc, yc, buf[..len]);
            if (hasTruth)
            {
                var fc = f.Slice(start, len);
                sce += SumSquaredDiff(qc, fc);
                arb += SumPositiveGap(qc, fc, cost);
            }

            for (int i = 0; i < len; i++)
            {
                double qi = qc[i];
                byte yi = yc[i];
                double d = qi - yi;
                brier += d * d;
                int o = 3 * BinIndexCore(qi, bins, invB);
                acc[o] += 1;
                acc[o + 1] += qi;
                acc[o + 2] += yi;
            }
        }

        return new ForecastMetrics(
            name,
            brier / n,
            logLoss / n,
            hasTruth ? sce / n : double.NaN,
            EceFromBins(acc, bins, n),
            hasTruth ? budget * (arb / n) : double.NaN,
            n);
    }

    private const int Chunk = 256;

    private static double SumSquaredDiff(ReadOnlySpan<double> q, ReadOnlySpan<double> f)
    {
        double s = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && q.Length >= Vector<double>.Count)
        {
            var acc = Vector<double>.Zero;
            var qv = MemoryMarshal.Cast<double, Vector<double>>(q);
            var fv = MemoryMarshal.Cast<double, Vector<double>>(f);
            for (int k = 0; k < qv.Length; k++)
            {
                var d = qv[k] - fv[k];
                acc += d * d;
            }

            s = Vector.Sum(acc);
            i = qv.Length * Vector<double>.Count;
        }

        for (; i < q.Length; i++)
        {
            double d = q[i] - f[i];
            s += d * d;
        }

        return s;
    }

    private static double SumPositiveGap(ReadOnlySpan<double> q, ReadOnlySpan<double> f, double cost)
    {
        double s = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && q.Length >= Vector<double>.Count)
        {
            var acc = Vector<double>.Zero;
            var c = new Vector<double>(cost);
            var qv = MemoryMarshal.Cast<double, Vector<double>>(q);
            var fv = MemoryMarshal.Cast<double, Vector<double>>(f);
            for (int k = 0; k < qv.Length; k++)
            {
                acc += Vector.Max(Vector.Abs(fv[k] - qv[k]) - c, Vector<double>.Zero);
            }

            s = Vector.Sum(acc);
            i = qv.Length * Vector<double>.Count;
        }

        for (; i < q.Length; i++)
        {
            double e = Math.Abs(f[i] - q[i]) - cost;
            if (e > 0)
            {
                s += e;
            }
        }

        return s;
    }

    // Σ −ln(probability given to the outcome) over one chunk: clip, then one vectorised Log.
    private static double LogLossSum(ReadOnlySpan<double> q, ReadOnlySpan<byte> y, Span<double> buf)
    {
        double extra = 0;
        for (int i = 0; i < q.Length; i++)
        {
            double c = Math.Clamp(q[i], LogLossClip, 1 - LogLossClip);
            byte yi = y[i];
            if (yi <= 1)
            {
                buf[i] = yi == 1 ? c : 1 - c;
            }
            else
            {
                buf[i] = 1;
                extra += LogLossTerm(q[i], yi);
            }
        }

        TensorPrimitives.Log(buf, buf);
        return extra - TensorPrimitives.Sum(buf);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double LogLossTerm(double q, byte y)
    {
        double c = Math.Clamp(q, LogLossClip, 1 - LogLossClip);
        return y switch
        {
            1 => -Math.Log(c),
            0 => -Math.Log(1 - c),
            _ => -((y * Math.Log(c)) + ((1 - y) * Math.Log(1 - c))),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BinIndexCore(double q, int bins, double invB)
    {
        if (q > 0)
        {
            if (q > 1)
            {
                return bins - 1;
            }

            // Estimate, then correct against the exact double edges e_i = i·invB.
            int b = (int)Math.Ceiling(q * bins) - 1;
            if (b < 0)
            {
                b = 0;
            }
            else if (b > bins - 1)
            {
                b = bins - 1;
            }

            while (b > 0 && q <= b * invB)
            {
                b--;
            }

            while (b < bins - 1 && q > (b + 1) * invB)
            {
                b++;
            }

            return b;
        }

        if (double.IsNaN(q))
        {
            throw new ArgumentOutOfRangeException(nameof(q), "forecast is NaN");
        }

        return 0;
    }

    private static double EceFromBins(ReadOnlySpan<double> acc, int bins, int n)
    {
        double ece = 0;
        for (int b = 0; b < bins; b++)
        {
            double nb = acc[3 * b];
            if (nb > 0)
            {
                ece += nb / n * Math.Abs((acc[(3 * b) + 2] / nb) - (acc[(3 * b) + 1] / nb));
            }
        }

        return ece;
    }

    private static void CheckBins(int bins)
    {
        if (bins < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(bins), bins, "bins must be ≥ 1");
        }
    }

    internal static void SameLength(int expected, int actual, string name)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"length {actual} differs from the forecasts' length {expected}", name);
        }
    }
}

/// <summary>Group calibration over subcubes G_{J,a} (parity.md §4 "Subcubes").</summary>
public static class GroupCalibration
{
    /// <summary>Largest |J| accepted (2^|J| cells are materialised).</summary>
    public const int MaxSetSize = 24;

    /// <summary>Cell key of row z (±1 entries) for conditioning set J (ascending): Σ_t [z_{J[t]} = +1]·2^t.</summary>
    public static int CellKey(ReadOnlySpan<sbyte> z, ReadOnlySpan<int> j)
    {
        if (j.Length > 30)
        {
            throw new ArgumentOutOfRangeException(nameof(j), j.Length, "|J| must be ≤ 30 for an int key");
        }

        int key = 0;
        for (int t = 0; t < j.Length; t++)
        {
            if (z[j[t]] == 1)
            {
                key |= 1 << t;
            }
        }

        return key;
    }

    /// <summary>
    /// max over the 2^|J| cells of |mean of values over the rows in the cell| (empty cells count 0),
    /// with the argmax cell key. <paramref name="rows"/> is row-major, <paramref name="d"/> entries per row.
    /// Ties go to the smallest key; when every cell is 0 (or empty) the result is (0, 0).
    /// </summary>
    public static (double Worst, int ArgmaxKey) WorstCell(ReadOnlySpan<sbyte> rows, int d, ReadOnlySpan<double> values, ReadOnlySpan<int> j)
    {
        if (d < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(d), d, "d must be ≥ 1");
        }

        if (rows.Length != d * values.Length)
        {
            throw new ArgumentException($"rows has {rows.Length} entries; expected d·n = {d}·{values.Length}", nameof(rows));
        }

        if (j.Length > MaxSetSize)
        {
            throw new ArgumentOutOfRangeException(nameof(j), j.Length, $"|J| must be ≤ {MaxSetSize}");
        }

        foreach (int c in j)
        {
            if ((uint)c >= (uint)d)
            {
                throw new ArgumentOutOfRangeException(nameof(j), c, $"coordinate outside 0..{d - 1}");
            }
        }

        int cells = 1 << j.Length;
        Span<double> sum = cells <= 1024 ? stackalloc double[cells] : new double[cells];
        Span<int> count = cells <= 1024 ? stackalloc int[cells] : new int[cells];
        sum.Clear();
        count.Clear();
        int n = values.Length;
        for (int r = 0; r < n; r++)
        {
            var z = rows.Slice(r * d, d);
            int key = 0;
            for (int t = 0; t < j.Length; t++)
            {
                // Branch-free: [z = +1] as 0/1.
                key |= (z[j[t]] == 1 ? 1 : 0) << t;
            }

            sum[key] += values[r];
            count[key]++;
        }

        double worst = 0;
        int arg = 0;
        for (int k = 0; k < cells; k++)
        {
            if (count[k] > 0)
            {
                double m = Math.Abs(sum[k] / count[k]);
                if (m > worst)
                {
                    worst = m;
                    arg = k;
                }
            }
        }

        return (worst, arg);
    }
}
