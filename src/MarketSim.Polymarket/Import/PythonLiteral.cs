using System.Globalization;
using System.Text;

namespace MarketSim.Polymarket.Import;

/// <summary>
/// Parses the Python-literal lists of outcomes.csv (<c>['a', 'b']</c>, <c>[0.945, 0.055]</c>, <c>[None, None]</c>, <c>[]</c>):
/// flat lists of strings (single or double quotes, backslash escapes), numbers, <c>None</c>, <c>True</c>, <c>False</c>.
/// Anything else throws <see cref="FormatException"/> with the offending position.
/// </summary>
public static class PythonLiteral
{
    /// <summary>Items are <see cref="string"/>, <see cref="double"/>, <see cref="bool"/> or null (None).</summary>
    public static IReadOnlyList<object?> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text;
        var i = 0;
        var items = new List<object?>();
        Ws();
        Expect('[');
        Ws();
        if (Peek() == ']')
        {
            i++;
        }
        else
        {
            while (true)
            {
                Ws();
                items.Add(Item());
                Ws();
                var c = Peek();
                i++;
                if (c == ']')
                {
                    break;
                }

                if (c != ',')
                {
                    throw Fail(i - 1, c is null ? "unterminated list" : $"expected ',' or ']' but found '{c}'");
                }

                Ws();
                if (Peek() == ']')
                {
                    i++;
                    break; // trailing comma
                }
            }
        }

        Ws();
        if (i != s.Length)
        {
            throw Fail(i, "text after the closing ']'");
        }

        return items;

        char? Peek() => i < s.Length ? s[i] : null;

        void Ws()
        {
            while (i < s.Length && char.IsWhiteSpace(s[i]))
            {
                i++;
            }
        }

        void Expect(char c)
        {
            if (Peek() != c)
            {
                throw Fail(i, $"expected '{c}'");
            }

            i++;
        }

        object? Item()
        {
            var c = Peek() ?? throw Fail(i, "unterminated list");
            if (c is '\'' or '"')
            {
                return Str(c);
            }

            var start = i;
            while (i < s.Length && s[i] != ',' && s[i] != ']' && !char.IsWhiteSpace(s[i]))
            {
                i++;
            }

            var word = s[start..i];
            switch (word)
            {
                case "None":
                    return null;
                case "True":
                    return true;
                case "False":
                    return false;
                case "nan":
                    throw Fail(start, "nan is not a price");
            }

            if (word.Length > 0 && double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
            {
                return d;
            }

            throw Fail(start, $"unexpected '{word}'");
        }

        string Str(char quote)
        {
            var start = i;
            i++;
            var sb = new StringBuilder();
            while (true)
            {
                if (i >= s.Length)
                {
                    throw Fail(start, "unterminated string");
                }

                var c = s[i++];
                if (c == quote)
                {
                    return sb.ToString();
                }

                if (c == '\\' && i < s.Length)
                {
                    var e = s[i++];
                    sb.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => e });
                }
                else
                {
                    sb.Append(c);
                }
            }
        }

        FormatException Fail(int at, string why) => new($"Python list literal at character {at + 1}: {why} in '{Trim(s)}'");
    }

    private static string Trim(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
