using System.Text;

namespace MarketSim.Pbm;

/// <summary>Splits command text into words and binds them to a palette's command definition.</summary>
public static class CommandParser
{
    /// <summary>Words separated by white space; "double" or 'single' quotes keep spaces inside one word.</summary>
    public static IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        foreach (var ch in text)
        {
            if (quote != '\0')
            {
                if (ch == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(ch);
                }
            }
            else if (ch is '"' or '\'')
            {
                quote = ch;
                inWord = true;
            }
            else if (char.IsWhiteSpace(ch))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(ch);
                inWord = true;
            }
        }

        if (quote != '\0')
        {
            throw new PbmCommandException($"unterminated quote ({quote}) in: {text}");
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary>Quote a word for command text when it contains spaces or quotes.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && !word.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'') ? word
        : word.Contains('"', StringComparison.Ordinal) ? "'" + word + "'" : "\"" + word + "\"";

    /// <summary>
    /// Binds the words after <c>palette command</c> to the definition's arguments: <c>-s value</c> by switch,
    /// other words positionally; a flag argument takes no value. Throws <see cref="PbmCommandException"/>
    /// for an unknown switch, a missing value, extra words or a missing mandatory argument.
    /// </summary>
    public static IReadOnlyDictionary<string, string> BindArguments(string commandName, CommandDefinition def, IReadOnlyList<string> words)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < words.Count; i++)
        {
            var w = words[i];
            var bySwitch = w.StartsWith('-') && w.Length > 1 && !double.TryParse(w, System.Globalization.CultureInfo.InvariantCulture, out _)
                ? def.Arguments.FirstOrDefault(a => a.Switches.Contains(w, StringComparer.Ordinal))
                : null;
            if (bySwitch is not null)
            {
                if (bySwitch.IsFlag)
                {
                    values[bySwitch.Name] = "true";
                    continue;
                }

                if (i + 1 >= words.Count)
                {
                    throw new PbmCommandException($"{commandName}: {w} expects a value ({bySwitch.Description})");
                }

                values[bySwitch.Name] = words[++i];
                continue;
            }

            if (w.StartsWith('-') && w.Length > 1 && !double.TryParse(w, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                var known = string.Join(", ", def.Arguments.SelectMany(a => a.Switches));
                throw new PbmCommandException($"{commandName}: unknown switch {w}" + (known.Length > 0 ? $" (known: {known})" : " (it takes no switches)"));
            }

            var next = def.Arguments.FirstOrDefault(a => a.Positional && !a.IsFlag && !values.ContainsKey(a.Name))
                ?? throw new PbmCommandException($"{commandName}: unexpected argument '{w}'");
            values[next.Name] = w;
        }

        foreach (var a in def.Arguments.Where(a => a.Mandatory && !values.ContainsKey(a.Name)))
        {
            var sw = a.Switches.Count > 0 ? $" ({a.Switches[0]} {a.Name.ToUpperInvariant()})" : "";
            throw new PbmCommandException($"{commandName}: missing argument {a.Name.ToUpperInvariant()}{sw}: {a.Description}");
        }

        return values;
    }

    /// <summary>Up to <paramref name="max"/> known command names (<c>palette command</c>, or <c>help</c>) close to <paramref name="typed"/>.</summary>
    public static IReadOnlyList<string> Suggest(string typed, IEnumerable<string> known, int max = 3)
    {
        var t = typed.Trim().ToLowerInvariant();
        var firstWord = t.Split(' ', 2)[0];
        return known
            .Select(k => (k, d: Math.Min(Distance(t, k), k.StartsWith(firstWord + " ", StringComparison.Ordinal) || k == firstWord ? Distance(t, k) / 2 : int.MaxValue)))
            .Where(x => x.d <= Math.Max(2, x.k.Length / 3) || x.k.StartsWith(t, StringComparison.Ordinal))
            .OrderBy(x => x.d).ThenBy(x => x.k, StringComparer.Ordinal)
            .Take(max)
            .Select(x => x.k)
            .ToList();
    }

    /// <summary>Levenshtein distance.</summary>
    internal static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (prev, cur) = (cur, prev);
        }

        return prev[b.Length];
    }
}
