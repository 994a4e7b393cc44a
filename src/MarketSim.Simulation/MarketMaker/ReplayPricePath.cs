namespace MarketSim.Simulation.MarketMaker;

/// <summary>A constant-price segment [Start, End) of a <see cref="ReplayPricePath"/> (unix seconds).</summary>
public readonly record struct PriceSegment(long Start, long End, double Price);

/// <summary>
/// A recorded price history as the piecewise-constant path of spec/polymarket.md §4: the points are sorted by
/// time (stably: of points sharing a time, the last given wins); point i defines the segment [t_i, t_{i+1}) at
/// p_i; the last point only closes the final segment; zero-length segments are skipped. Open = the first
/// segment's start, Close = the last point's time. Times are unix seconds. Immutable and thread-safe.
/// <list type="bullet">
/// <item><see cref="PriceAt(long)"/> is the spec's prob_at: null outside [Open, Close) (never a default).</item>
/// <item><see cref="PriceHeld(long)"/> is for replays: the same inside, and after close the last recorded point's
/// price (the last observation, which §4's criteria leave unused); null before open.</item>
/// <item><see cref="PriceDelayed"/> is a delayed market follower's view: the price as of t − delay.</item>
/// </list>
/// </summary>
public sealed class ReplayPricePath
{
    private readonly PriceSegment[] _segments;
    private readonly double _lastPrice;

    /// <summary>Builds the path from (t, p) points in any order. Prices must be finite; fewer than two distinct times give an empty path.</summary>
    public ReplayPricePath(IEnumerable<(long T, double P)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var sorted = points.Select((x, i) => (x.T, x.P, i)).OrderBy(x => x.T).ThenBy(x => x.i).ToArray();
        foreach (var x in sorted)
        {
            if (!double.IsFinite(x.P))
            {
                throw new ArgumentException($"price at t = {x.T} is not finite: {x.P}", nameof(points));
            }
        }

        var segs = new List<PriceSegment>(Math.Max(0, sorted.Length - 1));
        for (int i = 0; i + 1 < sorted.Length; i++)
        {
            if (sorted[i + 1].T > sorted[i].T)
            {
                segs.Add(new PriceSegment(sorted[i].T, sorted[i + 1].T, sorted[i].P));
            }
        }

        _segments = segs.ToArray();
        _lastPrice = sorted.Length > 0 ? sorted[^1].P : double.NaN;
    }

    /// <summary>The segments in time order; each starts where the previous one ended.</summary>
    public IReadOnlyList<PriceSegment> Segments => _segments;

    /// <summary>True when there is no segment (fewer than two distinct times): every lookup is null.</summary>
    public bool IsEmpty => _segments.Length == 0;

    /// <summary>The first segment's start, or null for an empty path.</summary>
    public long? Open => IsEmpty ? null : _segments[0].Start;

    /// <summary>The last segment's end (the last point's time), or null for an empty path.</summary>
    public long? Close => IsEmpty ? null : _segments[^1].End;

    /// <summary>The segment with Start ≤ t &lt; End, or null outside [Open, Close).</summary>
    public PriceSegment? SegmentAt(long t)
    {
        if (IsEmpty || t < _segments[0].Start || t >= _segments[^1].End)
        {
            return null;
        }

        int lo = 0, hi = _segments.Length - 1; // last segment with Start ≤ t
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            if (_segments[mid].Start <= t)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return _segments[lo];
    }

    /// <summary>prob_at(t) of §4: the price of the segment containing t, or null outside [Open, Close).</summary>
    public double? PriceAt(long t) => SegmentAt(t)?.Price;

    /// <summary>Like <see cref="PriceAt(long)"/>, but for t ≥ Close the last recorded point's price is held. Null before Open or for an empty path.</summary>
    public double? PriceHeld(long t)
    {
        if (IsEmpty || t < _segments[0].Start)
        {
            return null;
        }

        return t >= _segments[^1].End ? _lastPrice : PriceAt(t);
    }

    /// <summary>
    /// The price a follower delayed by <paramref name="delaySeconds"/> (≥ 0) sees at t: the price as of t − delay
    /// (<see cref="PriceHeld"/> when <paramref name="holdAfterClose"/>, else <see cref="PriceAt(long)"/>); null until t − delay reaches Open.
    /// </summary>
    public double? PriceDelayed(long t, long delaySeconds, bool holdAfterClose = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(delaySeconds);
        long at = t - delaySeconds;
        return holdAfterClose ? PriceHeld(at) : PriceAt(at);
    }

    /// <summary><see cref="PriceAt(long)"/> at a <see cref="DateTimeOffset"/> (whole unix seconds, floored).</summary>
    public double? PriceAt(DateTimeOffset time) => PriceAt(time.ToUnixTimeSeconds());

    /// <summary>§4's time-average: Σ p·length / Σ length over [Open, Close], or null for an empty path.</summary>
    public double? TimeAverage()
    {
        if (IsEmpty)
        {
            return null;
        }

        double num = 0, den = 0;
        foreach (var s in _segments)
        {
            double len = s.End - s.Start;
            num += s.Price * len;
            den += len;
        }

        return num / den;
    }
}
