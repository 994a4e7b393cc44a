using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace MarketSim.Scoring.Rules;

/// <summary>Imputation of unresponsive cells (scoring.md §7.2).</summary>
public enum Imputation
{
    /// <summary><c>worst-clip</c>: 0.01 if o = 1, 0.99 if o = 0.</summary>
    WorstClip,

    /// <summary><c>third-toward-worst</c>: M + (W − M)/3 over the responsive clipped values; worst-clip when none.</summary>
    ThirdTowardWorst,
}

/// <summary>
/// The peer log-score kernel (scoring.md §7). Pure: reads an <see cref="EventMatrix"/>, writes one event score and one
/// weighted prediction per miner; NaN in both marks a miner with no row (not eligible: r_m &gt; align(end) − L).
/// Columns (intervals) are processed one at a time with <see cref="Vector{T}"/> lanes over miners; no allocation
/// when the caller passes scratch (see <see cref="ScratchLength"/>).
/// </summary>
public static class PeerScoring
{
    /// <summary>Lower clip of a prediction before the log score.</summary>
    public const double ClipLow = 0.01;

    /// <summary>Upper clip of a prediction before the log score.</summary>
    public const double ClipHigh = 0.99;

    /// <summary>Exported prediction of an empty result (§7.6).</summary>
    public const double EmptyPrediction = -998;

    /// <summary>ln 0.01: the "others" term of a sole responder and ℓ of a new cell when c = 0.</summary>
    public static readonly double LnClipLow = Math.Log(ClipLow);

    private const double Unresponsive = -1;
    private const double Empty = -2;

    /// <summary>Doubles of scratch the kernel needs.</summary>
    public static int ScratchLength(int miners, int intervals) => (5 * Padded(miners)) + Math.Max(intervals, 0);

    /// <summary>Names: <c>worst-clip</c>, <c>third-toward-worst</c>.</summary>
    public static Imputation ParseImputation(string name) => name switch
    {
        "worst-clip" => Imputation.WorstClip,
        "third-toward-worst" => Imputation.ThirdTowardWorst,
        _ => throw new ArgumentException($"unknown imputation '{name}' (expected worst-clip or third-toward-worst)", nameof(name)),
    };

    /// <summary>The configuration name of an imputation (inverse of <see cref="ParseImputation"/>).</summary>
    public static string Name(Imputation imputation) => imputation switch
    {
        Imputation.WorstClip => "worst-clip",
        Imputation.ThirdTowardWorst => "third-toward-worst",
        _ => throw new ArgumentOutOfRangeException(nameof(imputation), imputation, "unknown imputation"),
    };

    /// <summary>Allocating convenience overload.</summary>
    public static EventStatus ScoreEvent(in EventMatrix e, bool outcome, Imputation imputation, IntervalWeighting weighting, Span<double> eventScore, Span<double> prediction, Span<double> peerCells = default) =>
        ScoreEvent(e, outcome, imputation, weighting, eventScore, prediction, new double[ScratchLength(e.Miners, e.Intervals)], peerCells);

    /// <summary>
    /// Scores one event. <paramref name="eventScore"/> and <paramref name="prediction"/> have one entry per miner;
    /// <paramref name="peerCells"/>, when not empty, receives the interval-major peer score of every cell (0 for new
    /// cells, NaN for ineligible miners). On a discarded status the outputs are filled with NaN.
    /// </summary>
    public static EventStatus ScoreEvent(in EventMatrix e, bool outcome, Imputation imputation, IntervalWeighting weighting, Span<double> eventScore, Span<double> prediction, Span<double> scratch, Span<double> peerCells) =>
        ScoreEvent(e, outcome, imputation, weighting, eventScore, prediction, scratch, peerCells, default, default);

    /// <summary>
    /// Scores one event and, on request, hands back the per-interval detail the kernel computes anyway (nothing extra is
    /// done for an empty span). <paramref name="peerCells"/>: as above, the interval-major peer score s_{m,k}
    /// (<c>[k·M + m]</c>). <paramref name="cellPredictions"/>: interval-major, the prediction the rule used for the cell —
    /// the clipped mean, the imputed p_I of an unresponsive cell, or the back-filled p_new of a new cell (NaN for
    /// ineligible miners). <paramref name="intervalWeights"/>: the n interval weights w_k. For a scored miner
    /// <c>eventScore[m] = (Σ_k w_k · s_{m,k}) · (1 / Σ_k w_k)</c> and <c>prediction[m] = (Σ_k w_k · p_{m,k}) · (1 / Σ_k w_k)</c>,
    /// summed in k order, bit for bit (or 0 and <see cref="EmptyPrediction"/> when Σ w = 0). On a discarded status the
    /// cells are NaN; the weights are filled whenever n &gt; 0.
    /// </summary>
    public static EventStatus ScoreEvent(in EventMatrix e, bool outcome, Imputation imputation, IntervalWeighting weighting, Span<double> eventScore, Span<double> prediction, Span<double> scratch, Span<double> peerCells, Span<double> cellPredictions, Span<double> intervalWeights)
    {
        int miners = e.Miners;
        int n = e.Intervals;
        if (eventScore.Length != miners || prediction.Length != miners)
        {
            throw new ArgumentException($"eventScore and prediction need {miners} entries");
        }

        if (n <= 0)
        {
            eventScore.Fill(double.NaN);
            prediction.Fill(double.NaN);
            return EventStatus.DiscardedNoIntervals;
        }

        if (!peerCells.IsEmpty && peerCells.Length != miners * n)
        {
            throw new ArgumentException($"peerCells needs miners·intervals = {miners * n} entries", nameof(peerCells));
        }

        if (!cellPredictions.IsEmpty && cellPredictions.Length != miners * n)
        {
            throw new ArgumentException($"cellPredictions needs miners·intervals = {miners * n} entries", nameof(cellPredictions));
        }

        if (!intervalWeights.IsEmpty && intervalWeights.Length != n)
        {
            throw new ArgumentException($"intervalWeights needs {n} entries", nameof(intervalWeights));
        }

        if (!HasAnyAnswer(e.Means))
        {
            eventScore.Fill(double.NaN);
            prediction.Fill(double.NaN);
            peerCells.Fill(double.NaN);
            cellPredictions.Fill(double.NaN);
            if (!intervalWeights.IsEmpty)
            {
                IntervalWeights.Fill(weighting, intervalWeights);
            }

            return EventStatus.DiscardedNoPredictions;
        }

        int p = Padded(miners);
        if (scratch.Length < ScratchLength(miners, n))
        {
            throw new ArgumentException($"scratch needs {ScratchLength(miners, n)} doubles", nameof(scratch));
        }

        var thr = scratch[..p];
        var u = scratch.Slice(p, p);
        var x = scratch.Slice(2 * p, p);
        var scoreAcc = scratch.Slice(3 * p, p);
        var predAcc = scratch.Slice(4 * p, p);
        var w = scratch.Slice(5 * p, n);
        double wSum = IntervalWeights.Fill(weighting, w);
        if (!intervalWeights.IsEmpty)
        {
            w.CopyTo(intervalWeights);
        }

        scoreAcc.Clear();
        predAcc.Clear();

        // thr[m] = r_m for eligible miners, NaN otherwise (and in the padding lanes): NaN never compares less.
        long lastStart = e.AlignedStartMinute + ((long)e.IntervalMinutes * (n - 1));
        var reg = e.RegisteredMinute;
        for (int m = 0; m < miners; m++)
        {
            thr[m] = reg[m] <= lastStart ? reg[m] : double.NaN;
        }

        thr[miners..].Fill(double.NaN);

        double worstClip = outcome ? ClipLow : ClipHigh;
        for (int k = 0; k < n; k++)
        {
            double start = e.AlignedStartMinute + ((double)e.IntervalMinutes * k);
            var stats = Classify(e.Column(k), thr, u, start, outcome);
            int c = stats.Responsive + stats.Unresponsive;
            double pI = worstClip;
            if (imputation == Imputation.ThirdTowardWorst && stats.Responsive > 0)
            {
                double mean = stats.Sum / stats.Responsive;
                double worst = outcome ? stats.Min : stats.Max;
                pI = mean + ((worst - mean) / 3);
            }

            Prepare(u, x, pI, outcome);
            TensorPrimitives.Log(x, x);
            double total = TensorPrimitives.Sum(x);
            double lNew = c > 0 ? total / c : LnClipLow;
            double pNew = outcome ? Math.Exp(lNew) : 1 - Math.Exp(lNew);
            double a, b;
            if (c >= 2)
            {
                a = (double)c / (c - 1);
                b = total / (c - 1);
            }
            else
            {
                a = 1;
                b = LnClipLow;
            }

            Accumulate(u, x, scoreAcc, predAcc, a, b, w[k], pNew);
            if (!peerCells.IsEmpty)
            {
                var dst = peerCells.Slice(k * miners, miners);
                x[..miners].CopyTo(dst);
                for (int m = 0; m < miners; m++)
                {
                    if (double.IsNaN(thr[m]))
                    {
                        dst[m] = double.NaN;
                    }
                }
            }

            if (!cellPredictions.IsEmpty)
            {
                // u holds the used value (clipped mean or p_I, ≥ 0) or Empty for new and ineligible cells.
                var dst = cellPredictions.Slice(k * miners, miners);
                for (int m = 0; m < miners; m++)
                {
                    dst[m] = double.IsNaN(thr[m]) ? double.NaN : u[m] >= 0 ? u[m] : pNew;
                }
            }
        }

        double inv = 1.0 / wSum;
        for (int m = 0; m < miners; m++)
        {
            if (double.IsNaN(thr[m]))
            {
                eventScore[m] = double.NaN;
                prediction[m] = double.NaN;
            }
            else if (wSum > 0)
            {
                eventScore[m] = scoreAcc[m] * inv;
                prediction[m] = predAcc[m] * inv;
            }
            else
            {
                eventScore[m] = 0.0;
                prediction[m] = EmptyPrediction;
            }
        }

        return EventStatus.Scored;
    }

    private static int Padded(int miners) => (miners + Vector<double>.Count - 1) / Vector<double>.Count * Vector<double>.Count;

    private static bool HasAnyAnswer(ReadOnlySpan<double> means)
    {
        foreach (double v in means)
        {
            if (!double.IsNaN(v))
            {
                return true;
            }
        }

        return false;
    }

    private readonly record struct ColumnStats(int Responsive, int Unresponsive, double Sum, double Min, double Max);

    // u ← clipped mean (responsive), Unresponsive, or Empty (new / ineligible / padding); returns the column's statistics.
    private static ColumnStats Classify(ReadOnlySpan<double> column, Span<double> thr, Span<double> u, double start, bool outcome)
    {
        int vc = Vector<double>.Count;
        int miners = column.Length;
        var vThr = MemoryMarshal.Cast<double, Vector<double>>(thr);
        var vU = MemoryMarshal.Cast<double, Vector<double>>(u);
        var lo = new Vector<double>(ClipLow);
        var hi = new Vector<double>(ClipHigh);
        var vStart = new Vector<double>(start);
        var vUnresp = new Vector<double>(Unresponsive);
        var vEmpty = new Vector<double>(Empty);
        var one = Vector<double>.One;
        var sum = Vector<double>.Zero;
        var cntR = Vector<double>.Zero;
        var cntU = Vector<double>.Zero;
        var min = new Vector<double>(double.PositiveInfinity);
        var max = new Vector<double>(double.NegativeInfinity);
        Span<double> tail = stackalloc double[vc];
        for (int i = 0; i < vThr.Length; i++)
        {
            int off = i * vc;
            Vector<double> v;
            if (off + vc <= miners)
            {
                v = new Vector<double>(column.Slice(off, vc));
            }
            else
            {
                tail.Fill(double.NaN);
                column[off..].CopyTo(tail);
                v = new Vector<double>(tail);
            }

            var r = vThr[i];
            var resp = Vector.Equals(v, v) & Vector.Equals(r, r);
            var unresp = Vector.AndNot(Vector.LessThan(r, vStart), resp);
            var clipped = Vector.Min(Vector.Max(v, lo), hi);
            vU[i] = Vector.ConditionalSelect(resp, clipped, Vector.ConditionalSelect(unresp, vUnresp, vEmpty));
            sum += Vector.ConditionalSelect(resp, clipped, Vector<double>.Zero);
            cntR += Vector.ConditionalSelect(resp, one, Vector<double>.Zero);
            cntU += Vector.ConditionalSelect(unresp, one, Vector<double>.Zero);
            if (outcome)
            {
                min = Vector.Min(min, Vector.ConditionalSelect(resp, clipped, new Vector<double>(double.PositiveInfinity)));
            }
            else
            {
                max = Vector.Max(max, Vector.ConditionalSelect(resp, clipped, new Vector<double>(double.NegativeInfinity)));
            }
        }

        double mn = double.PositiveInfinity, mx = double.NegativeInfinity;
        for (int j = 0; j < vc; j++)
        {
            mn = Math.Min(mn, min[j]);
            mx = Math.Max(mx, max[j]);
        }

        return new ColumnStats((int)Vector.Sum(cntR), (int)Vector.Sum(cntU), Vector.Sum(sum), mn, mx);
    }

    // u: Unresponsive → p_I; x ← the probability given to the outcome (1 for empty cells, so ln x = 0).
    private static void Prepare(Span<double> u, Span<double> x, double pI, bool outcome)
    {
        var vU = MemoryMarshal.Cast<double, Vector<double>>(u);
        var vX = MemoryMarshal.Cast<double, Vector<double>>(x);
        var vPI = new Vector<double>(pI);
        var vUnresp = new Vector<double>(Unresponsive);
        var zero = Vector<double>.Zero;
        var one = Vector<double>.One;
        for (int i = 0; i < vU.Length; i++)
        {
            var uu = Vector.ConditionalSelect(Vector.Equals(vU[i], vUnresp), vPI, vU[i]);
            vU[i] = uu;
            var present = Vector.GreaterThanOrEqual(uu, zero);
            var prob = outcome ? uu : one - uu;
            vX[i] = Vector.ConditionalSelect(present, prob, one);
        }
    }

    // x holds ℓ on entry and the peer score on exit; accumulates w·peer and w·(used or back-filled prediction).
    private static void Accumulate(Span<double> u, Span<double> x, Span<double> scoreAcc, Span<double> predAcc, double a, double b, double w, double pNew)
    {
        var vU = MemoryMarshal.Cast<double, Vector<double>>(u);
        var vX = MemoryMarshal.Cast<double, Vector<double>>(x);
        var vS = MemoryMarshal.Cast<double, Vector<double>>(scoreAcc);
        var vP = MemoryMarshal.Cast<double, Vector<double>>(predAcc);
        var va = new Vector<double>(a);
        var vb = new Vector<double>(b);
        var vw = new Vector<double>(w);
        var vNew = new Vector<double>(pNew);
        var zero = Vector<double>.Zero;
        for (int i = 0; i < vU.Length; i++)
        {
            var uu = vU[i];
            var present = Vector.GreaterThanOrEqual(uu, zero);
            var peer = Vector.ConditionalSelect(present, (va * vX[i]) - vb, zero);
            vX[i] = peer;
            vS[i] += vw * peer;
            vP[i] += vw * Vector.ConditionalSelect(present, uu, vNew);
        }
    }
}
