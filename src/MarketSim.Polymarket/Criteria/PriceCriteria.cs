using System.Globalization;
using System.Text.RegularExpressions;
using MarketSim.Polymarket.Dataset;

namespace MarketSim.Polymarket.Criteria;

/// <summary>One constant piece of a price history: [Start, End) at P (unix seconds).</summary>
public readonly record struct Segment(long Start, long End, double P);

/// <summary>A parsed criterion name (docs/polymarket.md).</summary>
/// <param name="Name">Canonical name, e.g. <c>before-close-days-7</c>.</param>
/// <param name="Kind">midpoint-like fraction, time-average, before-close or after-start.</param>
/// <param name="Fraction">For <see cref="CriterionKind.DurationFraction"/>: 0.5, 0.25, 0.75.</param>
/// <param name="Seconds">For before-close/after-start: the offset in seconds.</param>
public sealed record Criterion(string Name, CriterionKind Kind, double Fraction, long Seconds);

/// <summary>The family of a <see cref="Criterion"/>.</summary>
public enum CriterionKind
{
    /// <summary>The price at a fraction of the market's duration (<c>midpoint</c>, <c>duration-percent-25|75</c>).</summary>
    DurationFraction,

    /// <summary>The time-weighted average price over the market's life.</summary>
    TimeAverage,

    /// <summary>The price a fixed time before close.</summary>
    BeforeClose,

    /// <summary>The price a fixed time after start.</summary>
    AfterStart,
}

/// <summary>
/// Themis (brier.fyi) market-probability criteria over a CLOB price history (docs/polymarket.md).
/// An undefined value is null (the market is dropped for that criterion), never a default.
/// </summary>
public static partial class PriceCriteria
{
    /// <summary>Segments of §4: sort by t, point i defines [t_i, t_{i+1}) at p_i, the last point only closes, zero-length skipped.</summary>
    public static IReadOnlyList<Segment> Segments(IEnumerable<PricePoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var sorted = points.Select((p, i) => (p, i)).OrderBy(x => x.p.T).ThenBy(x => x.i).Select(x => x.p).ToList();
        var segments = new List<Segment>(Math.Max(0, sorted.Count - 1));
        for (var i = 0; i + 1 < sorted.Count; i++)
        {
            if (sorted[i + 1].T > sorted[i].T)
            {
                segments.Add(new Segment(sorted[i].T, sorted[i + 1].T, sorted[i].P));
            }
        }

        return segments;
    }

    /// <summary>p of the segment with Start ≤ t &lt; End and that segment's start, or null when t is outside every segment.</summary>
    public static (double P, long SegmentStart)? ProbAt(IReadOnlyList<Segment> segments, long t)
    {
        ArgumentNullException.ThrowIfNull(segments);
        int lo = 0, hi = segments.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var s = segments[mid];
            if (t < s.Start)
            {
                hi = mid - 1;
            }
            else if (t >= s.End)
            {
                lo = mid + 1;
            }
            else
            {
                return (s.P, s.Start);
            }
        }

        return null;
    }

    /// <summary>Σ p·overlap / Σ overlap over [open, close], overlaps in milliseconds; null without segments.</summary>
    public static double? TimeAverage(IReadOnlyList<Segment> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        double num = 0, den = 0;
        foreach (var s in segments)
        {
            var ms = (double)((s.End - s.Start) * 1000L);
            num += s.P * ms;
            den += ms;
        }

        return den > 0 ? num / den : null;
    }

    /// <summary>
    /// Parses <c>midpoint</c>, <c>duration-percent-25|75</c>, <c>time-average</c>, <c>before-close-hours-N</c>,
    /// <c>before-close-days-N</c>, <c>after-start-hours-N</c>, <c>after-start-days-N</c> (N a positive integer).
    /// </summary>
    /// <exception cref="FormatException">Not a criterion name.</exception>
    public static Criterion Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var n = name.Trim().ToLowerInvariant();
        switch (n)
        {
            case "midpoint":
                return new Criterion(n, CriterionKind.DurationFraction, 0.5, 0);
            case "duration-percent-25":
                return new Criterion(n, CriterionKind.DurationFraction, 0.25, 0);
            case "duration-percent-75":
                return new Criterion(n, CriterionKind.DurationFraction, 0.75, 0);
            case "time-average":
                return new Criterion(n, CriterionKind.TimeAverage, 0, 0);
        }

        var m = OffsetRx().Match(n);
        if (m.Success && long.TryParse(m.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0 && count < 100_000)
        {
            var unit = m.Groups[2].Value == "hours" ? 3_600L : 86_400L;
            var kind = m.Groups[1].Value == "before-close" ? CriterionKind.BeforeClose : CriterionKind.AfterStart;
            return new Criterion(n, kind, 0, count * unit);
        }

        throw new FormatException($"unknown criterion '{name}' (midpoint, duration-percent-25, duration-percent-75, time-average, before-close-hours-N, before-close-days-N, after-start-hours-N, after-start-days-N)");
    }

    /// <summary>The criterion's market price for a history, or null when undefined (empty history, target outside it).</summary>
    public static MarketPrice? Evaluate(Criterion criterion, IEnumerable<PricePoint> points)
    {
        ArgumentNullException.ThrowIfNull(criterion);
        var segments = Segments(points);
        if (segments.Count == 0)
        {
            return null;
        }

        var open = segments[0].Start;
        var close = segments[^1].End;
        long target;
        switch (criterion.Kind)
        {
            case CriterionKind.TimeAverage:
                return TimeAverage(segments) is { } avg ? new MarketPrice(criterion.Name, open, close, close, open, close, avg) : null;
            case CriterionKind.DurationFraction:
                target = open + (long)Math.Floor(criterion.Fraction * (close - open));
                break;
            case CriterionKind.BeforeClose:
                target = close - criterion.Seconds;
                if (target <= open)
                {
                    return null;
                }

                break;
            default:
                target = open + criterion.Seconds;
                if (target >= close)
                {
                    return null;
                }

                break;
        }

        return ProbAt(segments, target) is { } hit ? new MarketPrice(criterion.Name, open, close, target, hit.SegmentStart, close, hit.P) : null;
    }

    /// <summary>Evaluates a criterion by name.</summary>
    public static MarketPrice? Evaluate(string criterion, IEnumerable<PricePoint> points) => Evaluate(Parse(criterion), points);

    /// <summary>Parses a horizon such as <c>7d</c>, <c>12h</c>, <c>90m</c> or <c>3600s</c> into seconds.</summary>
    /// <exception cref="FormatException">Not a positive duration with unit s, m, h or d.</exception>
    public static long ParseHorizon(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var m = HorizonRx().Match(text.Trim().ToLowerInvariant());
        if (!m.Success || !long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0 || n > 100_000)
        {
            throw new FormatException($"horizon '{text}' is not a positive duration such as 7d, 24h, 90m or 3600s");
        }

        return n * m.Groups[2].Value switch { "d" => 86_400L, "h" => 3_600L, "m" => 60L, _ => 1L };
    }

    /// <summary>
    /// prob_at(close − horizon) under criterion <c>horizon-&lt;text&gt;</c>. close is <paramref name="marketClose"/>
    /// (the row's closedTime, else endDate) when given, else the history's close; the target must lie after the
    /// history's open and inside a segment, else null.
    /// </summary>
    public static MarketPrice? Horizon(string horizonText, IEnumerable<PricePoint> points, long? marketClose = null)
    {
        var seconds = ParseHorizon(horizonText);
        var segments = Segments(points);
        if (segments.Count == 0)
        {
            return null;
        }

        var open = segments[0].Start;
        var close = marketClose ?? segments[^1].End;
        var target = close - seconds;
        if (target <= open)
        {
            return null;
        }

        return ProbAt(segments, target) is { } hit
            ? new MarketPrice("horizon-" + horizonText.Trim().ToLowerInvariant(), open, segments[^1].End, target, hit.SegmentStart, close, hit.P)
            : null;
    }

    [GeneratedRegex("^(before-close|after-start)-(hours|days)-([0-9]+)$")]
    private static partial Regex OffsetRx();

    [GeneratedRegex("^([0-9]+)([smhd])$")]
    private static partial Regex HorizonRx();
}
