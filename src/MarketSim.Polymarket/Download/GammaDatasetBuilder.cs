using System.Globalization;
using System.Text.Json;
using MarketSim.Polymarket.Dataset;

namespace MarketSim.Polymarket.Download;

/// <summary>Build rules of <c>pm build-gamma</c> (docs/polymarket.md; each is a flag).</summary>
/// <param name="AllowNonYesNo">Keep binary markets whose labels are not Yes/No (then YES is outcome index 0).</param>
/// <param name="AllowOpen">Keep markets that are not closed (their prices must still be extreme).</param>
/// <param name="MinVolume">Minimum volumeNum (USD).</param>
/// <param name="CreatedAfter">Drop markets created before this instant.</param>
public sealed record GammaBuildOptions(bool AllowNonYesNo = false, bool AllowOpen = false, double MinVolume = 0, DateTimeOffset? CreatedAfter = null);

/// <summary>A market that was not kept, and the rule it failed.</summary>
public sealed record DroppedMarket(string Id, string Line, string Reason);

/// <summary>The result of building a dataset from Gamma JSON lines.</summary>
public sealed record GammaBuildResult(IReadOnlyList<MarketRow> Rows, IReadOnlyList<DroppedMarket> Dropped, int Lines)
{
    /// <summary>Dropped markets counted by rule, most frequent first.</summary>
    public IReadOnlyList<(string Rule, int Count)> DroppedByRule =>
        Dropped.GroupBy(d => RuleOf(d.Reason)).Select(g => (g.Key, g.Count())).OrderByDescending(x => x.Item2).ThenBy(x => x.Key, StringComparer.Ordinal).ToList();

    /// <summary>The rule name of a reason: the text before the first ':'.</summary>
    public static string RuleOf(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var i = reason.IndexOf(':', StringComparison.Ordinal);
        return i < 0 ? reason : reason[..i];
    }
}

/// <summary>
/// <c>pm build-gamma</c>: Gamma market objects (markets.jsonl of <c>pm download-gamma</c>) to <see cref="MarketRow"/>s.
/// Decodes the double-encoded <c>outcomes</c>, <c>outcomePrices</c>, <c>clobTokenIds</c> (real arrays are
/// accepted too), matches the Yes/No labels (never index 0 blindly), reads the three date styles and numbers
/// given as strings, and reports every market it drops with the rule it failed.
/// </summary>
public static class GammaDatasetBuilder
{
    internal const string SourceName = "gamma";

    /// <summary>Builds rows from a markets.jsonl file (one Gamma market object per line).</summary>
    public static GammaBuildResult BuildFile(string jsonlPath, GammaBuildOptions options)
    {
        ArgumentNullException.ThrowIfNull(jsonlPath);
        return Build(File.ReadLines(jsonlPath), options, Path.GetFileName(jsonlPath));
    }

    internal static GammaBuildResult Build(IEnumerable<string> lines, GammaBuildOptions options, string sourceName = "markets.jsonl")
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(options);
        var rows = new List<MarketRow>();
        var dropped = new List<DroppedMarket>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var n = 0;
        foreach (var line in lines)
        {
            n++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var where = sourceName + ":" + n.ToString(CultureInfo.InvariantCulture);
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                dropped.Add(new DroppedMarket(string.Empty, where, "not JSON: " + e.Message));
                continue;
            }

            using (doc)
            {
                var market = doc.RootElement;
                var id = GammaDownloader.IdOf(market) ?? string.Empty;
                var (row, reason) = FromMarket(market, options);
                if (row is null)
                {
                    dropped.Add(new DroppedMarket(id, where, reason!));
                    continue;
                }

                if (row.ConditionId.Length > 0 && seen.TryGetValue(row.ConditionId, out var first))
                {
                    dropped.Add(new DroppedMarket(id, where, $"duplicate conditionId: {row.ConditionId} already kept from market {first}"));
                    continue;
                }

                if (row.ConditionId.Length > 0)
                {
                    seen[row.ConditionId] = row.Id;
                }

                rows.Add(row);
            }
        }

        return new GammaBuildResult(rows, dropped, n);
    }

    /// <summary>One Gamma market object to a row, or null and the failed rule ("rule: detail").</summary>
    public static (MarketRow? Row, string? Reason) FromMarket(JsonElement m, GammaBuildOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (m.ValueKind != JsonValueKind.Object)
        {
            return (null, "not an object");
        }

        var id = GammaDownloader.IdOf(m);
        if (id is null)
        {
            return (null, "no id");
        }

        var question = Str(m, "question");
        if (string.IsNullOrWhiteSpace(question))
        {
            return (null, "no question");
        }

        var conditionId = Str(m, "conditionId")?.Trim().ToLowerInvariant() ?? string.Empty;
        if (conditionId.Length == 0)
        {
            return (null, "no conditionId");
        }

        var outcomes = StringList(m, "outcomes");
        if (outcomes is null)
        {
            return (null, "no outcomes: outcomes missing or not a JSON list");
        }

        if (outcomes.Count != 2)
        {
            return (null, $"not binary: {outcomes.Count.ToString(CultureInfo.InvariantCulture)} outcomes");
        }

        var yes = outcomes.FindIndex(o => string.Equals(o.Trim(), "Yes", StringComparison.OrdinalIgnoreCase));
        var no = outcomes.FindIndex(o => string.Equals(o.Trim(), "No", StringComparison.OrdinalIgnoreCase));
        if (yes < 0 || no < 0 || yes == no)
        {
            if (!options.AllowNonYesNo)
            {
                return (null, $"not yes/no: outcomes [{string.Join(", ", outcomes)}]");
            }

            (yes, no) = (0, 1);
        }

        var closed = Bool(m, "closed");
        if (closed != true && !options.AllowOpen)
        {
            return (null, "not closed");
        }

        var uma = Str(m, "umaResolutionStatus");
        if (!string.IsNullOrEmpty(uma) && !string.Equals(uma, "resolved", StringComparison.OrdinalIgnoreCase) && !options.AllowOpen)
        {
            return (null, $"not resolved: umaResolutionStatus {uma}");
        }

        var priceTexts = StringList(m, "outcomePrices");
        if (priceTexts is null || priceTexts.Count != 2)
        {
            return (null, "no prices: outcomePrices missing or not two values");
        }

        var prices = new double[2];
        for (var i = 0; i < 2; i++)
        {
            if (!double.TryParse(priceTexts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out prices[i]) || !double.IsFinite(prices[i]))
            {
                return (null, $"no prices: outcomePrices [{string.Join(", ", priceTexts)}]");
            }
        }

        var priceList = $"[{priceTexts[0]}, {priceTexts[1]}]";
        if (Math.Max(prices[0], prices[1]) < 0.99 || Math.Min(prices[0], prices[1]) > 0.01)
        {
            return (null, $"prices not extreme: outcomePrices {priceList} (unresolved, or a 50-50 / [0, 0] settlement)");
        }

        if (Math.Abs(prices[0] + prices[1] - 1) > 0.01 + 1e-9)
        {
            return (null, $"prices do not sum to 1: outcomePrices {priceList}");
        }

        var winner = prices[0] >= prices[1] ? 0 : 1;
        var y = winner == yes ? 1 : 0;

        var tokens = StringList(m, "clobTokenIds");
        if (tokens is null || tokens.Count != 2 || tokens.Any(string.IsNullOrWhiteSpace))
        {
            return (null, "no CLOB token ids: clobTokenIds missing or not two ids");
        }

        var createdAt = Date(m, "createdAt") ?? Date(m, "startDate");
        if (createdAt is null)
        {
            return (null, "no createdAt: neither createdAt nor startDate parses");
        }

        if (options.CreatedAfter is { } after && createdAt < after)
        {
            return (null, $"created too early: createdAt {createdAt.Value.UtcDateTime:O} before {after.UtcDateTime:O}");
        }

        var volume = Number(m, "volumeNum") ?? Number(m, "volume");
        if (options.MinVolume > 0 && (volume ?? 0) < options.MinVolume)
        {
            return (null, $"volume too small: {(volume ?? 0).ToString(CultureInfo.InvariantCulture)} < {options.MinVolume.ToString(CultureInfo.InvariantCulture)}");
        }

        var lastTrade = Number(m, "lastTradePrice");
        var row = new MarketRow(
            id,
            conditionId,
            question.Trim(),
            Str(m, "description"),
            Str(m, "slug"),
            Category(m),
            y,
            tokens[yes].Trim(),
            tokens[no].Trim(),
            createdAt,
            Date(m, "endDate") ?? Date(m, "endDateIso"),
            Date(m, "closedTime"),
            null,
            volume,
            lastTrade,
            null,
            SourceName);
        return (row, null);
    }

    /// <summary>category, else the first tag label of the market, then of its first event, then the event's series title.</summary>
    internal static string? Category(JsonElement m)
    {
        if (Str(m, "category") is { Length: > 0 } c)
        {
            return c;
        }

        if (FirstTag(m) is { } t)
        {
            return t;
        }

        if (m.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in events.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                if (Str(e, "category") is { Length: > 0 } ec)
                {
                    return ec;
                }

                if (FirstTag(e) is { } et)
                {
                    return et;
                }

                if (e.TryGetProperty("series", out var series) && series.ValueKind == JsonValueKind.Array)
                {
                    foreach (var s in series.EnumerateArray())
                    {
                        if (s.ValueKind == JsonValueKind.Object && Str(s, "title") is { Length: > 0 } st)
                        {
                            return st;
                        }
                    }
                }
            }
        }

        return null;
    }

    private static string? FirstTag(JsonElement o)
    {
        if (!o.TryGetProperty("tags", out var tags) || tags.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var t in tags.EnumerateArray())
        {
            if (t.ValueKind == JsonValueKind.Object && (Str(t, "label") ?? Str(t, "slug")) is { Length: > 0 } label)
            {
                return label;
            }

            if (t.ValueKind == JsonValueKind.String && t.GetString() is { Length: > 0 } s)
            {
                return s;
            }
        }

        return null;
    }

    /// <summary>A list field that may be a real JSON array or a string holding one (§2 pitfall 1); items as strings.</summary>
    internal static List<string>? StringList(JsonElement m, string name)
    {
        if (!m.TryGetProperty(name, out var v))
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.String)
        {
            var text = v.GetString();
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            try
            {
                using var inner = JsonDocument.Parse(text);
                return inner.RootElement.ValueKind == JsonValueKind.Array ? Items(inner.RootElement) : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return v.ValueKind == JsonValueKind.Array ? Items(v) : null;
    }

    private static List<string>? Items(JsonElement array)
    {
        var list = new List<string>();
        foreach (var item in array.EnumerateArray())
        {
            switch (item.ValueKind)
            {
                case JsonValueKind.String:
                    list.Add(item.GetString()!);
                    break;
                case JsonValueKind.Number:
                    list.Add(item.GetRawText());
                    break;
                default:
                    return null;
            }
        }

        return list;
    }

    private static string? Str(JsonElement m, string name) =>
        m.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? Bool(JsonElement m, string name) =>
        m.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(v.GetString(), out var b) => b,
            _ => null,
        } : null;

    /// <summary>A number given as a JSON number or as a string (§2 pitfall 4).</summary>
    internal static double? Number(JsonElement m, string name)
    {
        if (!m.TryGetProperty(name, out var v))
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            return v.GetDouble();
        }

        return v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null;
    }

    private static DateTimeOffset? Date(JsonElement m, string name) => ParseDate(Str(m, name));

    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd HH:mm:sszz",
        "yyyy-MM-dd HH:mm:ss.FFFFFFzz",
        "yyyy-MM-dd HH:mm:sszzz",
        "yyyy-MM-dd HH:mm:ss.FFFFFFzzz",
        "yyyy-MM-dd",
    ];

    /// <summary>ISO-8601 with Z (up to microseconds), Postgres style <c>2024-12-26 02:34:04+00</c>, or a bare date; all to UTC (§2 pitfall 3).</summary>
    public static DateTimeOffset? ParseDate(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (DateTimeOffset.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var exact))
        {
            return exact.ToUniversalTime();
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t.ToUniversalTime()
            : null;
    }
}
