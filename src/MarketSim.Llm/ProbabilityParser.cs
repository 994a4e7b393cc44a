using System.Globalization;
using System.Text.RegularExpressions;

namespace MarketSim.Llm;

/// <summary>
/// Reads a forecast probability out of free model text. Explicit forms win, the last one in the
/// text counts (models reason first and answer last):
/// <list type="bullet">
/// <item>JSON or labelled: <c>{"probability": 0.63}</c>, <c>Probability: 0.63</c>, <c>**Final answer:** 63%</c>, <c>forecast = 3/4</c>;</item>
/// <item>tagged: <c>&lt;answer&gt;0.63&lt;/answer&gt;</c>, <c>*0.63*</c>.</item>
/// </list>
/// Without one: a number at the very end (<c>… so 0.63.</c>, <c>63%</c>, <c>63/100</c>; a bare
/// number needs its decimal point, so a stray trailing "1" is not an answer), then the last
/// "<c>63% chance</c>". The chosen number must lie in [0, 1] after a percent sign or fraction is
/// applied; otherwise the text is unparseable (null) — it does not fall back to an earlier number.
/// Never throws; linear time (non-backtracking regular expressions).
/// </summary>
public static class ProbabilityParser
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    // a number, optionally signed (negatives are captured so that they are rejected, not half-read)
    private const string Num = @"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)";

    // "%" or "/ denominator" after the number
    private const string Suffix = @"(?:\s*(?<pct>%|percent)|\s*/\s*(?<den>[0-9]+(?:\.[0-9]+)?))?";

    private static readonly Regex Labelled = new(
        @"(?:probability|forecast|prediction|answer|p\s*\(\s*yes\s*\))(?:\s+of\s+yes)?[""'*_\s]*(?::|=|is)[""'*_\s]*(?<num>" + Num + ")" + Suffix,
        Options);

    private static readonly Regex Tagged = new(
        @"(?:<answer>\s*(?<num>" + Num + ")" + Suffix + @"\s*</answer>)|(?:\*(?<num>" + Num + ")" + Suffix + @"\*)",
        Options);

    private static readonly Regex Trailing = new(
        @"(?<num>" + Num + ")" + Suffix + @"[\s.,;:!*_""'`)\]}]*$",
        Options);

    private static readonly Regex Chance = new(
        @"(?<num>" + Num + @")\s*(?<pct>%|percent)\s*(?:chance|probability|likelihood)",
        Options);

    /// <summary>The probability in [0, 1], or null when the text holds none (or an out-of-range one).</summary>
    public static double? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            var best = LastOf(Labelled.Match(text), null);
            best = LastOf(Tagged.Match(text), best);
            if (best is not null)
            {
                return Value(best, requireDecimal: false);
            }

            var trailing = Trailing.Match(text);
            if (trailing.Success)
            {
                return Value(trailing, requireDecimal: true);
            }

            var chance = LastOf(Chance.Match(text), null);
            return chance is null ? null : Value(chance, requireDecimal: false);
        }
        catch (Exception e) when (e is RegexMatchTimeoutException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>Like <see cref="Parse"/>, as a Try method.</summary>
    public static bool TryParse(string? text, out double probability)
    {
        var p = Parse(text);
        probability = p ?? double.NaN;
        return p is not null;
    }

    private static Match? LastOf(Match m, Match? best)
    {
        for (; m.Success; m = m.NextMatch())
        {
            if (best is null || m.Index >= best.Index)
            {
                best = m;
            }
        }

        return best;
    }

    private static double? Value(Match m, bool requireDecimal)
    {
        var numText = m.Groups["num"].Value;
        if (!double.TryParse(numText, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v))
        {
            return null;
        }

        if (m.Groups["pct"].Success)
        {
            v /= 100;
        }
        else if (m.Groups["den"].Success)
        {
            if (!double.TryParse(m.Groups["den"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var den) || den <= 0)
            {
                return null;
            }

            v /= den;
        }
        else if (requireDecimal && !numText.Contains('.'))
        {
            return null;
        }

        return double.IsFinite(v) && v >= 0 && v <= 1 ? v : null;
    }
}
