using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MarketSim.Polymarket.Dataset;

namespace MarketSim.Polymarket.Import;

/// <summary>Options of <c>pm import</c>.</summary>
/// <param name="AllowNonYesNo">Keep binary markets with named outcomes; YES then means outcome index 0.</param>
/// <param name="MinVolume">Drop merged rows whose volume is known and below this (USD); rows without a volume are kept.</param>
public sealed record ImportOptions(bool AllowNonYesNo = false, double MinVolume = 0);

/// <summary>
/// Turns the three sources of shared/data/polymarket/ into the yes/no dataset (docs/polymarket.md "pm import"):
/// outcomes.csv and the event chunks give rows on their own; the safechoices CSV only joins onto them
/// (by token id, then slug), because its favourite-side prices and "did the favourite win" cannot give y alone.
/// Every row read is either kept or dropped with a reason; malformed input throws <see cref="InvalidDataException"/>
/// naming the file and row/line.
/// </summary>
public static partial class PolymarketImporter
{
    internal const string SafechoicesFile = "dhruv575-safechoices/all_filtered_markets_full_2024_2025.csv";
    internal const string OutcomesFile = "cj-robinson-polymarket-accuracy/outcomes.csv";
    internal const string EventsDir = "aapetukhov-llm-polymarket";
    internal const string EventsName = "aapetukhov-llm-polymarket/events_chunk_{0..5}.json";

    /// <summary>Criterion of the outcomes.csv YES price: the second-to-last daily bar of the YES token.</summary>
    public const string PrevDailyBar = "prev-daily-bar";

    /// <summary>Criterion prefix of the safechoices price unfolded to the YES side at its earliest day (k = 7 normally).</summary>
    public const string UnfoldedFavourite = "unfolded-favourite-";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Reads the sources under <paramref name="dataDir"/> and returns the merged yes/no rows with the report of every row read.</summary>
    public static (IReadOnlyList<MarketRow> Rows, ImportReport Report) Import(string dataDir, ImportOptions? options = null)
    {
        options ??= new ImportOptions();
        if (!Directory.Exists(dataDir))
        {
            throw new DirectoryNotFoundException($"{dataDir}: no such data folder (expected shared/data/polymarket with the three sources)");
        }

        var report = new ImportReport();
        var outcomes = ReadOutcomes(Path.Combine(dataDir, OutcomesFile), options, report);
        var events = ReadEvents(Path.Combine(dataDir, EventsDir), options, report);

        // Merge outcomes.csv and the event chunks on conditionId.
        var byCond = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var c in outcomes.Concat(events))
        {
            if (byCond.TryGetValue(c.ConditionId, out var existing))
            {
                existing.MergeFrom(c);
            }
            else
            {
                byCond[c.ConditionId] = c;
                order.Add(c.ConditionId);
            }
        }

        var merged = order.Select(k => byCond[k]).ToList();
        JoinSafechoices(Path.Combine(dataDir, SafechoicesFile), merged, report);

        var rows = new List<MarketRow>();
        foreach (var c in merged)
        {
            if (c.Conflict is { } why)
            {
                report.DropAfterMerge(why, c.ConditionId);
                continue;
            }

            if (c.VolumeNum is { } v && v < options.MinVolume)
            {
                report.DropAfterMerge($"volume below --min-volume {options.MinVolume.ToString(Inv)}", c.ConditionId);
                continue;
            }

            if (c.Sources.Count > 1)
            {
                report.Merged[c.ConditionId] = string.Join('+', c.Sources);
            }

            rows.Add(c.ToRow());
        }

        report.RowsWritten = rows.Count;
        report.RowsWithPrice = rows.Count(r => r.Price is not null);
        return (rows, report);
    }

    // ---------------------------------------------------------------- outcomes.csv

    private static List<Candidate> ReadOutcomes(string path, ImportOptions options, ImportReport report)
    {
        var src = new SourceReport(OutcomesFile);
        report.Sources.Add(src);
        var result = new List<Candidate>();
        foreach (var (line, f) in ReadCsv(path, "conditionId", "question", "endDate", "createdAt", "closedTime", "volume", "outcomes", "clobTokenIds", "prev_prices", "winning_token_id", "winning_outcome"))
        {
            src.Read++;
            var where = $"{path}:{line}";
            var cond = f["conditionId"].Trim().ToLowerInvariant();
            if (!ConditionIdRx().IsMatch(cond))
            {
                src.Drop("conditionId is not 0x + 64 hex digits", $"line {line}: '{f["conditionId"]}'");
                continue;
            }

            if (f["outcomes"].Trim().Length == 0 || f["clobTokenIds"].Trim().Length == 0)
            {
                src.Drop("no outcomes or token ids (market never listed on the CLOB)", cond);
                continue;
            }

            var labels = JsonStringArray(f["outcomes"], where, "outcomes");
            var tokens = PyStrings(f["clobTokenIds"], where, "clobTokenIds");
            var prev = PyList(f["prev_prices"], where, "prev_prices");
            if (labels.Count != 2 || tokens.Count != 2)
            {
                src.Drop("not binary (outcomes/clobTokenIds do not hold two entries)", cond);
                continue;
            }

            var yesIdx = YesIndex(labels);
            if (yesIdx < 0)
            {
                if (!options.AllowNonYesNo)
                {
                    src.Drop("named outcomes, not Yes/No (use --allow-non-yes-no)", cond);
                    continue;
                }

                yesIdx = 0;
            }

            var wTok = f["winning_token_id"].Trim();
            var wOut = f["winning_outcome"].Trim();
            var byTok = tokens.IndexOf(wTok);
            var byOut = labels.IndexOf(wOut);
            if (wTok.Length == 0 && wOut.Length == 0)
            {
                src.Drop("no winner (winning_token_id and winning_outcome empty)", cond);
                continue;
            }

            if ((wTok.Length > 0 && byTok < 0) || (wOut.Length > 0 && byOut < 0) || (byTok >= 0 && byOut >= 0 && byTok != byOut))
            {
                src.Drop("winner does not match the tokens/outcomes", cond);
                continue;
            }

            var winner = byTok >= 0 ? byTok : byOut;
            var closed = OptTime(f["closedTime"], where, "closedTime");
            var created = OptTime(f["createdAt"], where, "createdAt");
            var c = new Candidate(cond, Path.GetFileName(path))
            {
                Question = f["question"],
                Y = winner == yesIdx ? 1 : 0,
                YesIndex = yesIdx,
                YesTokenId = tokens[yesIdx],
                NoTokenId = tokens[1 - yesIdx],
                CreatedAt = created,
                EndDate = OptTime(f["endDate"], where, "endDate"),
                ClosedTime = closed,
                VolumeNum = OptDouble(f["volume"], where, "volume"),
                Category = "Politics",
                CategoryIsGuess = true,
            };

            if (prev.Count == 2 && prev[yesIdx] is double p)
            {
                if (!(p >= 0 && p <= 1))
                {
                    throw new InvalidDataException($"{where}: prev_prices value {p.ToString(Inv)} is not a price in [0, 1]");
                }

                // The second-to-last daily bar; its exact time is not recorded. Estimated as 00:00 UTC of the day before closedTime.
                var close = closed ?? c.EndDate;
                if (close is { } ct)
                {
                    var closeTs = ct.ToUnixTimeSeconds();
                    var target = (Math.DivRem(closeTs, 86_400).Quotient * 86_400) - 86_400;
                    var start = created?.ToUnixTimeSeconds() ?? target;
                    c.Price = new MarketPrice(PrevDailyBar, Math.Min(start, target), closeTs, target, target, closeTs, p);
                }
            }
            else if (prev.Count is not (0 or 2) || (prev.Count == 2 && prev[yesIdx] is not null))
            {
                throw new InvalidDataException($"{where}: prev_prices '{f["prev_prices"]}' is neither two prices nor empty/None");
            }

            src.Kept++;
            if (c.Price is not null)
            {
                src.KeptWithPrice++;
            }

            result.Add(c);
        }

        return result;
    }

    // ---------------------------------------------------------------- events chunks

    private static List<Candidate> ReadEvents(string dir, ImportOptions options, ImportReport report)
    {
        var src = new SourceReport(EventsName);
        report.Sources.Add(src);
        var result = new List<Candidate>();
        for (var chunk = 0; chunk < 6; chunk++)
        {
            var path = Path.Combine(dir, $"events_chunk_{chunk}.json");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{path}: no such file (the six event chunks 0..5 are expected)", path);
            }

            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(File.ReadAllBytes(path));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{(e.LineNumber ?? 0) + 1}: malformed JSON: {e.Message}", e);
            }

            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Array)
                {
                    throw new InvalidDataException($"{path}: expected a JSON array of events, found {doc.RootElement.ValueKind}");
                }

                var index = -1;
                foreach (var ev in doc.RootElement.EnumerateArray())
                {
                    index++;
                    var where = $"{path}: event [{index}]";
                    var markets = Prop(ev, "markets", where);
                    if (markets.ValueKind != JsonValueKind.Array)
                    {
                        throw new InvalidDataException($"{where}: markets is not an array");
                    }

                    foreach (var m in markets.EnumerateArray())
                    {
                        src.Read++;
                        var c = EventMarket(ev, m, $"{where} market {Str(m, "id", where)}", Path.GetFileName(path), options, src);
                        if (c is not null)
                        {
                            src.Kept++;
                            result.Add(c);
                        }
                    }
                }
            }
        }

        return result;
    }

    private static Candidate? EventMarket(JsonElement ev, JsonElement m, string where, string file, ImportOptions options, SourceReport src)
    {
        var cond = Str(m, "conditionId", where).Trim().ToLowerInvariant();
        if (!ConditionIdRx().IsMatch(cond))
        {
            src.Drop("conditionId is not 0x + 64 hex digits", $"{where}: '{cond}'");
            return null;
        }

        var closed = Bool(m, "closed", where) && (!ev.TryGetProperty("closed", out var ec) || ec.ValueKind != JsonValueKind.False);
        if (!closed)
        {
            src.Drop("not closed (still open when collected)", cond);
            return null;
        }

        var labels = Array(m, "outcomes", where).Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new InvalidDataException($"{where}: outcomes holds a non-string")).ToList();
        var prices = Array(m, "outcomePrices", where).Select(e => NumberOf(e, where, "outcomePrices")).ToList();
        if (labels.Count != 2 || prices.Count != 2)
        {
            src.Drop("not binary (outcomes/outcomePrices do not hold two entries)", cond);
            return null;
        }

        // Spec §5: decoded prices sum to 1 and are extreme (max >= 0.99, min <= 0.01).
        if (Math.Abs(prices[0] + prices[1] - 1) > 0.01 || Math.Max(prices[0], prices[1]) < 0.99 || Math.Min(prices[0], prices[1]) > 0.01)
        {
            src.Drop("closed but not cleanly resolved (final prices not 0/1)", cond);
            return null;
        }

        var yesIdx = YesIndex(labels);
        if (yesIdx < 0)
        {
            if (!options.AllowNonYesNo)
            {
                src.Drop("named outcomes, not Yes/No (use --allow-non-yes-no)", cond);
                return null;
            }

            yesIdx = 0;
        }

        var winner = prices[0] >= 0.99 ? 0 : 1;
        string? category = null;
        if (ev.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array)
        {
            category = tags.EnumerateArray().Select(t => t.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l));
        }

        return new Candidate(cond, file)
        {
            Id = Str(m, "id", where),
            Question = Str(m, "question", where),
            Description = OptStr(m, "description"),
            Slug = OptStr(m, "slug"),
            Category = category,
            Y = winner == yesIdx ? 1 : 0,
            YesIndex = yesIdx,
            CreatedAt = OptTime(OptStr(m, "startDate") ?? OptStr(ev, "startDate"), where, "startDate"),
            EndDate = OptTime(OptStr(m, "endDate") ?? OptStr(ev, "endDate"), where, "endDate"),
            VolumeNum = m.TryGetProperty("volume", out var vol) && vol.ValueKind != JsonValueKind.Null ? NumberOf(vol, where, "volume") : null,
        };
    }

    // ---------------------------------------------------------------- safechoices CSV

    private static void JoinSafechoices(string path, List<Candidate> merged, ImportReport report)
    {
        var src = new SourceReport(SafechoicesFile);
        report.Sources.Insert(0, src);
        var byToken = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        var bySlug = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        foreach (var c in merged.Where(c => c.Conflict is null))
        {
            if (c.YesTokenId is { } yt)
            {
                byToken[yt] = c;
            }

            if (c.NoTokenId is { } nt)
            {
                byToken[nt] = c;
            }

            if (c.Slug is { Length: > 0 } s)
            {
                bySlug[s] = c;
            }
        }

        var days = new[] { 7, 6, 5, 4, 3, 2, 1 };
        foreach (var (line, f) in ReadCsv(path, ["market", "slug", "clobID", "closingDate", "outcome", .. days.Select(d => $"probability{d}d"), "volume"]))
        {
            src.Read++;
            var where = $"{path}:{line}";
            var token = f["clobID"].Trim();
            var slug = f["slug"].Trim();
            var closing = OptTime(f["closingDate"], where, "closingDate");
            var outcome = f["outcome"].Trim() switch
            {
                "True" => true,
                "False" => false,
                "" => (bool?)null,
                var o => throw new InvalidDataException($"{where}: outcome '{o}' is not True, False or empty"),
            };
            var fav = days.Select(d => (Day: d, P: OptDouble(f[$"probability{d}d"], where, $"probability{d}d"))).ToList();
            var volume = OptDouble(f["volume"], where, "volume");

            Candidate? c = token.Length > 0 && byToken.TryGetValue(token, out var ct) ? ct
                : slug.Length > 0 && bySlug.TryGetValue(slug, out var cs) ? cs : null;
            if (c is null)
            {
                src.Drop("no token/slug join: y and the YES side are unrecoverable from favourite-side data", slug.Length > 0 ? slug : token);
                continue;
            }

            if (c.Sources.Contains(Path.GetFileName(path)))
            {
                src.Drop("second safechoices row joining the same market", slug);
                continue;
            }

            c.Sources.Add(Path.GetFileName(path));
            c.Slug ??= slug.Length > 0 ? slug : null;
            c.EndDate ??= closing;
            c.VolumeNum ??= volume;

            // clobID is the market's first token (outcome index 0).
            bool firstIsYes;
            if (c.YesTokenId is not null || c.NoTokenId is not null)
            {
                if (token != c.YesTokenId && token != c.NoTokenId)
                {
                    src.Drop("clobID is neither token of the slug-joined market", slug);
                    continue;
                }

                firstIsYes = token == c.YesTokenId;
            }
            else
            {
                firstIsYes = c.YesIndex == 0;
                if (firstIsYes)
                {
                    c.YesTokenId = token;
                }
                else
                {
                    c.NoTokenId = token;
                }
            }

            src.Kept++;

            // Unfold the earliest folded price: the favourite is the side >= 0.5 that day, so knowing y and
            // "did the favourite win" tells which side it was. Later days are folded day by day and stay out.
            var earliest = fav.FirstOrDefault(x => x.P is not null);
            if (c.Price is null && outcome is { } favWon && earliest.P is { } fp && closing is { } close)
            {
                var firstWon = c.Y == 1 == firstIsYes;
                var favIsFirst = favWon == firstWon;
                var pFirst = favIsFirst ? fp : 1 - fp;
                var pYes = firstIsYes ? pFirst : 1 - pFirst;
                var closeTs = close.ToUnixTimeSeconds();
                var target = (Math.DivRem(closeTs, 86_400).Quotient * 86_400) - (earliest.Day * 86_400L);
                c.Price = new MarketPrice(UnfoldedFavourite + earliest.Day.ToString(Inv) + "d", target, closeTs, target, target, closeTs, pYes);
                src.KeptWithPrice++;
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static int YesIndex(IReadOnlyList<string> labels) =>
        labels.Count == 2 && labels[0].Trim().Equals("Yes", StringComparison.OrdinalIgnoreCase) && labels[1].Trim().Equals("No", StringComparison.OrdinalIgnoreCase) ? 0
        : labels.Count == 2 && labels[1].Trim().Equals("Yes", StringComparison.OrdinalIgnoreCase) && labels[0].Trim().Equals("No", StringComparison.OrdinalIgnoreCase) ? 1
        : -1;

    /// <summary>Reads a CSV with a header holding <paramref name="columns"/>; yields (1-based line of the record's start, fields by name).</summary>
    internal static IEnumerable<(int Line, Dictionary<string, string> Fields)> ReadCsv(string path, params string[] columns)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        using var reader = new StreamReader(path);
        using var records = CsvRecords.Read(reader, path).GetEnumerator();
        if (!records.MoveNext())
        {
            throw new InvalidDataException($"{path}:1: empty file, expected a header");
        }

        var header = records.Current.Fields;
        if (header.Length > 0)
        {
            header[0] = header[0].TrimStart('\uFEFF');
        }

        var missing = columns.Where(c => !header.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"{path}:1: header lacks column(s) {string.Join(", ", missing)}");
        }

        while (records.MoveNext())
        {
            var (start, rec) = records.Current;
            if (rec.Length != header.Length)
            {
                throw new InvalidDataException($"{path}:{start}: expected {header.Length} fields, found {rec.Length}");
            }

            var d = new Dictionary<string, string>(header.Length, StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++)
            {
                d[header[i]] = rec[i];
            }

            yield return (start, d);
        }
    }

    private static List<string> JsonStringArray(string text, string where, string column)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Array
                ? [.. doc.RootElement.EnumerateArray().Select(e => e.GetString() ?? throw new InvalidDataException("null label"))]
                : throw new InvalidDataException("not an array");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException)
        {
            throw new InvalidDataException($"{where}: {column} '{text}' is not a JSON array of strings: {e.Message}", e);
        }
    }

    private static IReadOnlyList<object?> PyList(string text, string where, string column)
    {
        try
        {
            return PythonLiteral.ParseList(text);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{where}: {column}: {e.Message}", e);
        }
    }

    private static List<string> PyStrings(string text, string where, string column) =>
        [.. PyList(text, where, column).Select(o => o as string ?? throw new InvalidDataException($"{where}: {column} '{text}' holds a non-string"))];

    internal static DateTimeOffset? OptTime(string? text, string where, string column)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var s = text.Trim();
        if (PgOffsetRx().IsMatch(s))
        {
            s += ":00"; // Postgres style "+00"
        }

        return DateTimeOffset.TryParse(s, Inv, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new InvalidDataException($"{where}: {column} '{text}' is not a date/time");
    }

    private static double? OptDouble(string text, string where, string column) =>
        string.IsNullOrWhiteSpace(text) ? null
        : double.TryParse(text.Trim(), NumberStyles.Float, Inv, out var d) && double.IsFinite(d) ? d
        : throw new InvalidDataException($"{where}: {column} '{text}' is not a number");

    private static JsonElement Prop(JsonElement e, string name, string where) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : throw new InvalidDataException($"{where}: missing field '{name}'");

    private static string Str(JsonElement e, string name, string where)
    {
        var v = Prop(e, name, where);
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new InvalidDataException($"{where}: field '{name}' is not a string");
    }

    private static string? OptStr(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool Bool(JsonElement e, string name, string where) => Prop(e, name, where).ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new InvalidDataException($"{where}: field '{name}' is not a boolean"),
    };

    /// <summary>Real arrays here; a JSON string holding an array (the raw API) is accepted too (spec §2 pitfall 1).</summary>
    private static List<JsonElement> Array(JsonElement e, string name, string where)
    {
        var v = Prop(e, name, where);
        if (v.ValueKind == JsonValueKind.String)
        {
            try
            {
                using var inner = JsonDocument.Parse(v.GetString()!);
                return [.. inner.RootElement.EnumerateArray().Select(x => x.Clone())];
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                throw new InvalidDataException($"{where}: field '{name}' is a string but not a JSON array", ex);
            }
        }

        return v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray()] : throw new InvalidDataException($"{where}: field '{name}' is not an array");
    }

    private static double NumberOf(JsonElement e, string where, string column) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String when double.TryParse(e.GetString(), NumberStyles.Float, Inv, out var d) => d,
        _ => throw new InvalidDataException($"{where}: {column} value {e.GetRawText()} is not a number"),
    };

    [GeneratedRegex("^0x[0-9a-f]{64}$")]
    private static partial Regex ConditionIdRx();

    [GeneratedRegex(@"[+-]\d\d$")]
    private static partial Regex PgOffsetRx();

    /// <summary>A row being built from one or more sources.</summary>
    private sealed class Candidate(string conditionId, string source)
    {
        public string ConditionId { get; } = conditionId;

        public List<string> Sources { get; } = [source];

        public string Id { get; set; } = string.Empty;

        public string Question { get; set; } = string.Empty;

        public string? Description { get; set; }

        public string? Slug { get; set; }

        public string? Category { get; set; }

        public bool CategoryIsGuess { get; set; }

        public int Y { get; set; }

        public int YesIndex { get; set; }

        public string? YesTokenId { get; set; }

        public string? NoTokenId { get; set; }

        public DateTimeOffset? CreatedAt { get; set; }

        public DateTimeOffset? EndDate { get; set; }

        public DateTimeOffset? ClosedTime { get; set; }

        public double? VolumeNum { get; set; }

        public MarketPrice? Price { get; set; }

        public string? Conflict { get; private set; }

        /// <summary>Merges another source's row for the same condition id: fields missing here are filled; y must agree.</summary>
        public void MergeFrom(Candidate o)
        {
            foreach (var s in o.Sources.Where(s => !Sources.Contains(s)))
            {
                Sources.Add(s);
            }

            if (o.Y != Y)
            {
                Conflict = "sources disagree on y";
            }

            if (Id.Length == 0)
            {
                Id = o.Id;
            }

            if (Question.Length == 0)
            {
                Question = o.Question;
            }

            Description ??= o.Description;
            Slug ??= o.Slug;
            if (Category is null || (CategoryIsGuess && o.Category is not null))
            {
                Category = o.Category;
                CategoryIsGuess = o.CategoryIsGuess;
            }

            YesTokenId ??= o.YesTokenId;
            NoTokenId ??= o.NoTokenId;
            CreatedAt ??= o.CreatedAt;
            EndDate ??= o.EndDate;
            ClosedTime ??= o.ClosedTime;
            VolumeNum ??= o.VolumeNum;
            Price ??= o.Price;
        }

        public MarketRow ToRow() => new(Id, ConditionId, Question, Description, Slug, Category, Y, YesTokenId, NoTokenId, CreatedAt, EndDate, ClosedTime, null, VolumeNum, null, Price, string.Join('+', Sources));
    }
}
