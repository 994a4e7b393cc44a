namespace MarketSim.Scoring.Rules;

/// <summary>
/// One event's inputs to the grid-based kernels. <see cref="Means"/> is interval-major: the n columns of
/// <see cref="Miners"/> running means each, index k·Miners + m, NaN = "no answer in that interval"
/// (exactly what <see cref="IntervalAccumulator.Means"/> holds). <see cref="RegisteredMinute"/>[m] is r_m in
/// minutes since the grid epoch (the epoch itself, 0, when the validator has no record).
/// <see cref="AlignedStartMinute"/> is align(A); <see cref="EventRegisteredMinute"/> the unaligned A
/// (legacy "no answer at all" rule).
/// </summary>
public readonly ref struct EventMatrix
{
    /// <summary>Wraps one event's inputs; throws when the span lengths do not match <paramref name="miners"/> and <paramref name="intervals"/> or the interval length is not positive.</summary>
    public EventMatrix(ReadOnlySpan<double> means, int miners, int intervals, ReadOnlySpan<long> registeredMinute, long alignedStartMinute, long eventRegisteredMinute, int intervalMinutes = IntervalGrid.DefaultIntervalMinutes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(miners);
        if (intervalMinutes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(intervalMinutes), intervalMinutes, "interval length must be positive");
        }

        if (registeredMinute.Length != miners)
        {
            throw new ArgumentException($"registeredMinute has {registeredMinute.Length} entries for {miners} miners", nameof(registeredMinute));
        }

        if (intervals > 0 && means.Length != miners * intervals)
        {
            throw new ArgumentException($"means has {means.Length} entries; expected miners·intervals = {miners}·{intervals}", nameof(means));
        }

        Means = means;
        Miners = miners;
        Intervals = intervals;
        RegisteredMinute = registeredMinute;
        AlignedStartMinute = alignedStartMinute;
        EventRegisteredMinute = eventRegisteredMinute;
        IntervalMinutes = intervalMinutes;
    }

    /// <summary>Interval-major running means (index k·Miners + m), NaN = no answer.</summary>
    public ReadOnlySpan<double> Means { get; }

    /// <summary>Number of miners (slots).</summary>
    public int Miners { get; }

    /// <summary>n; may be ≤ 0.</summary>
    public int Intervals { get; }

    /// <summary>r_m per miner: registration minute since the grid epoch.</summary>
    public ReadOnlySpan<long> RegisteredMinute { get; }

    /// <summary>align(A): the event's start minute aligned to the grid.</summary>
    public long AlignedStartMinute { get; }

    /// <summary>A: the event's unaligned registration minute.</summary>
    public long EventRegisteredMinute { get; }

    /// <summary>L: interval length in minutes.</summary>
    public int IntervalMinutes { get; }

    /// <summary>Column k (all miners' means in interval k).</summary>
    public ReadOnlySpan<double> Column(int k) => Means.Slice(k * Miners, Miners);

    /// <summary>Builds the matrix for an event from grid times.</summary>
    public static EventMatrix FromGrid(IntervalGrid grid, ReadOnlySpan<double> means, int miners, ReadOnlySpan<long> registeredMinute, long eventRegisteredMinute, long endMinute) =>
        new(means, miners, grid.IntervalCount(eventRegisteredMinute, endMinute), registeredMinute, grid.Align(eventRegisteredMinute), eventRegisteredMinute, grid.IntervalMinutes);
}

/// <summary>What became of an event under a peer preset.</summary>
public enum EventStatus
{
    /// <summary>Scores written (rows for every eligible miner).</summary>
    Scored,

    /// <summary>n ≤ 0: no scored interval; no rows.</summary>
    DiscardedNoIntervals,

    /// <summary>No answer at all in the scored intervals; no rows.</summary>
    DiscardedNoPredictions,
}
