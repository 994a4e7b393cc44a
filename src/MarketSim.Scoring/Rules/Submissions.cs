namespace MarketSim.Scoring.Rules;

/// <summary>Why a submission was refused on arrival (scoring.md §3); <see cref="None"/> = accepted.</summary>
public enum SubmissionRejection
{
    /// <summary>Accepted.</summary>
    None,

    /// <summary>The value is NaN.</summary>
    NaN,

    /// <summary>The value is ±∞.</summary>
    Infinite,

    /// <summary>The value is outside [0, 1].</summary>
    OutOfRange,
}

/// <summary>Arrival check applied to every submission, independent of the preset.</summary>
public static class Submission
{
    /// <summary>NaN, ±∞ and values outside [0, 1] are rejected; the caller logs (event, miner, time) and counts.</summary>
    public static SubmissionRejection Check(double p) =>
        double.IsNaN(p) ? SubmissionRejection.NaN
        : double.IsInfinity(p) ? SubmissionRejection.Infinite
        : p is < 0.0 or > 1.0 ? SubmissionRejection.OutOfRange
        : SubmissionRejection.None;
}

/// <summary>
/// Columnar running means for one event: per (miner, interval) agg ← (agg·count + p)/(count + 1).
/// Storage is interval-major (index k·Miners + m), the layout the scoring kernels read; a cell with
/// count 0 reads as NaN ("no answer").
/// </summary>
public sealed class IntervalAccumulator
{
    private double[] _mean;
    private int[] _count;

    /// <summary>Empty cells (NaN) for <paramref name="miners"/> × <paramref name="intervals"/>.</summary>
    public IntervalAccumulator(int miners, int intervals)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(miners);
        ArgumentOutOfRangeException.ThrowIfNegative(intervals);
        Miners = miners;
        Intervals = intervals;
        _mean = new double[miners * intervals];
        _count = new int[miners * intervals];
        _mean.AsSpan().Fill(double.NaN);
    }

    /// <summary>Number of miners (slots) of the current shape.</summary>
    public int Miners { get; private set; }

    /// <summary>Number of intervals of the current shape.</summary>
    public int Intervals { get; private set; }

    /// <summary>Interval-major means, NaN where no answer: the kernels' input.</summary>
    public ReadOnlySpan<double> Means => _mean.AsSpan(0, Miners * Intervals);

    /// <summary>Answers counted in a cell.</summary>
    public int Count(int miner, int interval) => _count[Index(miner, interval)];

    /// <summary>Running mean of a cell (NaN when empty).</summary>
    public double Mean(int miner, int interval) => _mean[Index(miner, interval)];

    /// <summary>
    /// Adds an answer. Rejected answers (see <see cref="Submission.Check"/>) leave the cell unchanged and return the reason;
    /// an interval index outside 0…Intervals−1 (before the grid or the unscored partial interval) throws.
    /// </summary>
    public SubmissionRejection Add(int miner, int interval, double p)
    {
        var why = Submission.Check(p);
        if (why != SubmissionRejection.None)
        {
            return why;
        }

        int i = Index(miner, interval);
        int c = _count[i];
        _mean[i] = c == 0 ? p : ((_mean[i] * c) + p) / (c + 1);
        _count[i] = c + 1;
        return SubmissionRejection.None;
    }

    /// <summary>Clears every cell (re-use for another event of the same or a smaller shape).</summary>
    public void Reset(int miners, int intervals)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(miners);
        ArgumentOutOfRangeException.ThrowIfNegative(intervals);
        int len = miners * intervals;
        if (len > _mean.Length)
        {
            _mean = new double[len];
            _count = new int[len];
        }

        Miners = miners;
        Intervals = intervals;
        _mean.AsSpan(0, len).Fill(double.NaN);
        _count.AsSpan(0, len).Clear();
    }

    private int Index(int miner, int interval)
    {
        if ((uint)miner >= (uint)Miners)
        {
            throw new ArgumentOutOfRangeException(nameof(miner), miner, $"miner outside 0..{Miners - 1}");
        }

        if ((uint)interval >= (uint)Intervals)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, $"interval outside 0..{Intervals - 1}");
        }

        return (interval * Miners) + miner;
    }
}
