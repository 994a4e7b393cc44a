namespace MarketSim.Scoring.Rules;

/// <summary>
/// The submission-interval grid (scoring.md §4). Times are whole minutes since <see cref="Epoch"/>;
/// interval k = 0…n−1 of an event covers [align(A) + L·k, align(A) + L·(k+1)), k = 0 earliest.
/// </summary>
public readonly record struct IntervalGrid(DateTimeOffset Epoch, int IntervalMinutes)
{
    /// <summary>2024-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset DefaultEpoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>L = 240 minutes (4 h).</summary>
    public const int DefaultIntervalMinutes = 240;

    /// <summary>Epoch 2024-01-01Z, 240-minute intervals.</summary>
    public static IntervalGrid Default { get; } = new(DefaultEpoch, DefaultIntervalMinutes);

    /// <summary>m(t) = ⌊(t − epoch)/60 s⌋ (floor, also before the epoch).</summary>
    public long Minutes(DateTimeOffset t) => FloorDiv((t - Epoch).Ticks, TimeSpan.TicksPerMinute);

    /// <summary>The instant of minute m.</summary>
    public DateTimeOffset Time(long minute) => Epoch + TimeSpan.FromMinutes(minute);

    /// <summary>align(m) = L·⌊m/L⌋.</summary>
    public long Align(long minute) => IntervalMinutes * FloorDiv(minute, IntervalMinutes);

    /// <summary>n = (align(end) − align(A)) / L; may be ≤ 0 (the event is then discarded or zeroed, per preset).</summary>
    public int IntervalCount(long startMinute, long endMinute) =>
        checked((int)((Align(endMinute) - Align(startMinute)) / IntervalMinutes));

    /// <summary>
    /// Interval index of a submission at <paramref name="minute"/> for an event starting at <paramref name="startMinute"/>
    /// with n scored intervals: −1 before the grid, n or more in the unscored partial
    /// interval (or later), else k.
    /// </summary>
    public long IntervalIndex(long startMinute, long minute) => FloorDiv(minute - Align(startMinute), IntervalMinutes);

    /// <summary>Start minute of interval k.</summary>
    public long IntervalStart(long startMinute, int k) => Align(startMinute) + ((long)IntervalMinutes * k);

    /// <summary>True when a submission at <paramref name="minute"/> falls in a scored interval 0…n−1.</summary>
    public bool IsScored(long startMinute, long endMinute, long minute)
    {
        long k = IntervalIndex(startMinute, minute);
        return k >= 0 && k < IntervalCount(startMinute, endMinute);
    }

    /// <summary>Peer eligibility (§5): r_m ≤ align(end) − L.</summary>
    public bool IsEligible(long registeredMinute, long endMinute) => registeredMinute <= Align(endMinute) - IntervalMinutes;

    private static long FloorDiv(long a, long b)
    {
        long q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }
}
