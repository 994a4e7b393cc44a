using System.Globalization;

namespace MarketSim.Hocon;

/// <summary>Duration and size unit parsing (HOCON spec tables).</summary>
internal static class Units
{
    private const double TicksPerNano = TimeSpan.TicksPerMillisecond / 1_000_000.0;

    private static readonly Dictionary<string, double> DurationTicks = BuildDurations();
    private static readonly Dictionary<string, decimal> SizeFactors = BuildSizes();

    private static Dictionary<string, double> BuildDurations()
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        void Add(double ticks, params string[] names)
        {
            foreach (var n in names)
            {
                d[n] = ticks;
            }
        }

        Add(TicksPerNano, "ns", "nano", "nanos", "nanosecond", "nanoseconds");
        Add(TicksPerNano * 1000, "us", "µs", "micro", "micros", "microsecond", "microseconds");
        Add(TimeSpan.TicksPerMillisecond, "ms", "milli", "millis", "millisecond", "milliseconds");
        Add(TimeSpan.TicksPerSecond, "s", "second", "seconds");
        Add(TimeSpan.TicksPerMinute, "m", "minute", "minutes");
        Add(TimeSpan.TicksPerHour, "h", "hour", "hours");
        Add(TimeSpan.TicksPerDay, "d", "day", "days");
        return d;
    }

    private static Dictionary<string, decimal> BuildSizes()
    {
        var d = new Dictionary<string, decimal>(StringComparer.Ordinal);
        void Add(decimal factor, params string[] names)
        {
            foreach (var n in names)
            {
                d[n] = factor;
            }
        }

        Add(1m, string.Empty, "b", "B", "byte", "bytes");
        string[] dec = ["k", "M", "G", "T", "P", "E"];
        string[] decWords = ["kilo", "mega", "giga", "tera", "peta", "exa"];
        string[] binWords = ["kibi", "mebi", "gibi", "tebi", "pebi", "exbi"];
        decimal p1000 = 1, p1024 = 1;
        for (var i = 0; i < dec.Length; i++)
        {
            p1000 *= 1000;
            p1024 *= 1024;
            var letter = dec[i];
            var upper = letter.ToUpperInvariant();
            Add(p1000, upper == "K" ? "kB" : upper + "B", decWords[i] + "byte", decWords[i] + "bytes");
            Add(p1024, upper, upper.ToLowerInvariant(), upper + "i", upper + "iB", binWords[i] + "byte", binWords[i] + "bytes");
        }

        return d;
    }

    private static (string Number, string Unit) Split(string text)
    {
        var s = text.Trim();
        var i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] is '.' or '-' or '+' || ((s[i] is 'e' or 'E') && i > 0 && i + 1 < s.Length && (char.IsAsciiDigit(s[i + 1]) || s[i + 1] is '-' or '+'))))
        {
            i++;
        }

        return (s[..i].Trim(), s[i..].Trim());
    }

    public static bool TryParseDuration(string text, bool bareIsMillis, out TimeSpan result, out bool infinite)
    {
        result = default;
        infinite = false;
        var t = text.Trim();
        if (t is "infinite" or "Inf" or "inf")
        {
            infinite = true;
            return true;
        }

        var (num, unit) = Split(t);
        if (num.Length == 0 || !double.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        double ticksPerUnit;
        if (unit.Length == 0)
        {
            ticksPerUnit = bareIsMillis ? TimeSpan.TicksPerMillisecond : 0;
        }
        else if (!DurationTicks.TryGetValue(unit, out ticksPerUnit))
        {
            return false;
        }

        var ticks = value * ticksPerUnit;
        if (double.IsNaN(ticks) || ticks > long.MaxValue || ticks < long.MinValue)
        {
            return false;
        }

        result = TimeSpan.FromTicks((long)Math.Round(ticks));
        return true;
    }

    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var (num, unit) = Split(text);
        if (num.Length == 0 || !SizeFactors.TryGetValue(unit, out var factor))
        {
            return false;
        }

        if (!decimal.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        try
        {
            var total = decimal.Round(value * factor);
            if (total > long.MaxValue || total < long.MinValue)
            {
                return false;
            }

            bytes = (long)total;
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}
