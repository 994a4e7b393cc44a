using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MarketSim.Polymarket.Download;

/// <summary>What <c>pm download-gamma</c> asks Gamma for (docs/polymarket.md).</summary>
/// <param name="BaseUrl">Gamma base URL, e.g. <c>https://gamma-api.polymarket.com</c>.</param>
/// <param name="Limit">Page size (the keyset endpoint serves at most 100).</param>
/// <param name="Keyset">Page <c>/markets/keyset</c> with <c>after_cursor</c>/<c>next_cursor</c> instead of <c>/markets</c> with offsets.</param>
/// <param name="EndDateMin">end_date_min (also the start of the first window).</param>
/// <param name="EndDateMax">end_date_max (also the end of the last window).</param>
/// <param name="WindowDays">Split [EndDateMin, EndDateMax) into windows of this many days, each paged from offset 0 (keeps offsets shallow).</param>
/// <param name="Filters">Other query parameters, in order (tag_id, related_tags, volume_num_min, start_date_min, order, …).</param>
/// <param name="Http">Rate limit and retries.</param>
public sealed record GammaDownloadOptions(
    string BaseUrl,
    int Limit = 500,
    bool Keyset = false,
    DateTimeOffset? EndDateMin = null,
    DateTimeOffset? EndDateMax = null,
    double? WindowDays = null,
    IReadOnlyList<KeyValuePair<string, string>>? Filters = null,
    HttpPolicy? Http = null)
{
    /// <summary>Called after a page's lines are appended and fsynced, before the state file is written (a test hook for faults).</summary>
    public Action<GammaProgress>? BeforeStateWrite { get; init; }

    /// <summary>Called after each page (and its state) is saved.</summary>
    public Action<GammaProgress>? Progress { get; init; }

    /// <summary>Called with a line before each retry.</summary>
    public Action<string>? OnRetry { get; init; }
}

/// <summary>Where a Gamma download stands.</summary>
/// <param name="Window">Current window (0-based).</param>
/// <param name="Windows">Number of end-date windows (1 without --window-days).</param>
/// <param name="Pages">Pages fetched in this run.</param>
/// <param name="Offset">Next offset in the current window (offset paging).</param>
/// <param name="Written">Markets appended in this run.</param>
/// <param name="Duplicates">Markets skipped because their id was already in the file.</param>
/// <param name="Total">Markets in markets.jsonl.</param>
public sealed record GammaProgress(int Window, int Windows, int Pages, long Offset, int Written, int Duplicates, int Total);

/// <summary>The end of a Gamma download.</summary>
/// <param name="Pages">Pages fetched in this run.</param>
/// <param name="Written">Markets appended in this run.</param>
/// <param name="Duplicates">Markets skipped as already present (overlapping pages or windows, a resume after a kill).</param>
/// <param name="WithoutId">Objects without an id (skipped).</param>
/// <param name="Total">Markets in markets.jsonl.</param>
/// <param name="Resumed">A previous state was found and continued.</param>
/// <param name="AlreadyComplete">The state said the download was complete; nothing was fetched.</param>
/// <param name="RepairedBytes">Bytes of a torn last line removed from markets.jsonl (a kill mid-write).</param>
public sealed record GammaDownloadResult(int Pages, int Written, int Duplicates, int WithoutId, int Total, bool Resumed, bool AlreadyComplete, long RepairedBytes);

/// <summary>A download that cannot go on (422 deep offset, an unexpected status, a state file for another query).</summary>
public sealed class GammaDownloadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// <c>pm download-gamma</c>: pages Gamma <c>/markets</c> (closed=true) into <c>DIR/markets.jsonl</c>, one market
/// per line, append-only. After each page the lines are fsynced, then <c>DIR/state.json</c> (next window,
/// offset or cursor) is replaced atomically; a killed download resumes from the state, and ids already in the
/// file are skipped, so a kill between the append and the state write leaves no duplicates.
/// </summary>
public static class GammaDownloader
{
    /// <summary>The market lines' file in the download folder.</summary>
    public const string MarketsFile = "markets.jsonl";

    /// <summary>The resume state's file in the download folder.</summary>
    public const string StateFile = "state.json";

    private static readonly JsonWriterOptions Compact = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Downloads (or resumes downloading) closed markets into <paramref name="dir"/>; throws <see cref="GammaDownloadException"/> when it cannot go on.</summary>
    public static async Task<GammaDownloadResult> RunAsync(string dir, GammaDownloadOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(dir);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Limit <= 0)
        {
            throw new ArgumentException("limit must be positive", nameof(options));
        }

        Directory.CreateDirectory(dir);
        var windows = Windows(options);
        var fingerprint = Fingerprint(options);
        var marketsPath = Path.Combine(dir, MarketsFile);
        var statePath = Path.Combine(dir, StateFile);
        var repaired = RepairTornTail(marketsPath);
        var ids = ReadIds(marketsPath);
        var state = ReadState(statePath);
        var resumed = state is not null;
        if (state is not null && state.Query != fingerprint)
        {
            throw new GammaDownloadException(
                $"{statePath} belongs to another query ({state.Query}); this one is ({fingerprint}). Use another --out-dir, or delete the state file to add these markets to the same file.");
        }

        state ??= new DownloadState { Query = fingerprint };
        if (state.Done)
        {
            return new GammaDownloadResult(0, 0, 0, 0, ids.Count, resumed, true, repaired);
        }

        using var http = new PolymarketHttp(options.Http ?? new HttpPolicy());
        http.OnRetry = options.OnRetry;
        var limit = options.Keyset ? Math.Min(options.Limit, 100) : options.Limit;
        int pages = 0, written = 0, duplicates = 0, withoutId = 0, largestPage = 0;
        await using var stream = new FileStream(marketsPath, FileMode.Append, FileAccess.Write, FileShare.Read);
        var buffer = new MemoryStream();
        while (state.Window < windows.Count)
        {
            cancellation.ThrowIfCancellationRequested();
            var url = PageUrl(options, windows[state.Window], limit, state);
            var answer = await http.GetAsync(url, cancellation).ConfigureAwait(false);
            if (answer.Status == 422)
            {
                throw new GammaDownloadException(
                    $"Gamma refused GET {url} with HTTP 422{PolymarketHttp.Snippet(answer.Body)}: offset {state.Offset.ToString(CultureInfo.InvariantCulture)} is too deep. " +
                    "Narrow the query with --end-date-min/--end-date-max, split it with --window-days, or page with --keyset; the markets downloaded so far are kept.");
            }

            if (answer.Status is < 200 or > 299)
            {
                throw new GammaDownloadException($"Gamma answered GET {url} with HTTP {answer.Status.ToString(CultureInfo.InvariantCulture)}{PolymarketHttp.Snippet(answer.Body)}");
            }

            var (markets, nextCursor) = ParsePage(url, answer.Body);
            buffer.SetLength(0);
            using (var writer = new Utf8JsonWriter(buffer, Compact))
            {
                foreach (var market in markets)
                {
                    var id = IdOf(market);
                    if (id is null)
                    {
                        withoutId++;
                        continue;
                    }

                    if (!ids.Add(id))
                    {
                        duplicates++;
                        continue;
                    }

                    market.WriteTo(writer);
                    writer.Flush();
                    writer.Reset();
                    buffer.WriteByte((byte)'\n');
                    written++;
                }
            }

            await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), CancellationToken.None).ConfigureAwait(false);
            await stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
            pages++;
            // A server may cap the page below the limit asked for: a short page ends the window only when it is
            // shorter than the longest page seen; otherwise an empty page ends it (one request more at most).
            largestPage = Math.Max(largestPage, markets.Count);
            var lastPage = options.Keyset
                ? string.IsNullOrEmpty(nextCursor) || markets.Count == 0
                : markets.Count == 0 || markets.Count < Math.Min(limit, largestPage);
            var progress = new GammaProgress(state.Window, windows.Count, pages, state.Offset + markets.Count, written, duplicates, ids.Count);
            options.BeforeStateWrite?.Invoke(progress);
            if (lastPage)
            {
                state.Window++;
                state.Offset = 0;
                state.Cursor = null;
            }
            else
            {
                state.Offset += markets.Count;
                state.Cursor = nextCursor;
            }

            state.Pages++;
            state.Done = state.Window >= windows.Count;
            WriteState(statePath, state);
            options.Progress?.Invoke(progress with { Window = Math.Min(state.Window, windows.Count - 1), Offset = state.Offset });
        }

        return new GammaDownloadResult(pages, written, duplicates, withoutId, ids.Count, resumed, false, repaired);
    }

    /// <summary>The end-date windows: one (the user's bounds) without --window-days.</summary>
    internal static IReadOnlyList<(DateTimeOffset? Min, DateTimeOffset? Max)> Windows(GammaDownloadOptions options)
    {
        if (options.WindowDays is not { } days)
        {
            return [(options.EndDateMin, options.EndDateMax)];
        }

        if (days <= 0 || options.EndDateMin is not { } min || options.EndDateMax is not { } max || max <= min)
        {
            throw new ArgumentException("--window-days needs a positive size and --end-date-min before --end-date-max");
        }

        var list = new List<(DateTimeOffset?, DateTimeOffset?)>();
        var step = TimeSpan.FromDays(days);
        for (var a = min; a < max; a += step)
        {
            var b = a + step < max ? a + step : max;
            list.Add((a, b));
        }

        return list;
    }

    internal static string PageUrl(GammaDownloadOptions options, (DateTimeOffset? Min, DateTimeOffset? Max) window, int limit, DownloadState state)
    {
        var sb = new StringBuilder(options.BaseUrl.TrimEnd('/'));
        sb.Append(options.Keyset ? "/markets/keyset" : "/markets");
        sb.Append("?closed=true&limit=").Append(limit.ToString(CultureInfo.InvariantCulture));
        if (options.Keyset)
        {
            if (!string.IsNullOrEmpty(state.Cursor))
            {
                sb.Append("&after_cursor=").Append(Uri.EscapeDataString(state.Cursor));
            }
        }
        else
        {
            sb.Append("&offset=").Append(state.Offset.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var (key, value) in QueryParameters(options, window))
        {
            sb.Append('&').Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return sb.ToString();
    }

    private static IEnumerable<KeyValuePair<string, string>> QueryParameters(GammaDownloadOptions options, (DateTimeOffset? Min, DateTimeOffset? Max) window)
    {
        if (window.Min is { } min)
        {
            yield return new("end_date_min", Iso(min));
        }

        if (window.Max is { } max)
        {
            yield return new("end_date_max", Iso(max));
        }

        foreach (var f in options.Filters ?? [])
        {
            yield return f;
        }
    }

    private static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The query a state file belongs to (paging and base URL left out).</summary>
    internal static string Fingerprint(GammaDownloadOptions options)
    {
        var parts = new List<string> { options.Keyset ? "keyset" : "offset", "closed=true" };
        if (options.WindowDays is { } d)
        {
            parts.Add("window_days=" + d.ToString(CultureInfo.InvariantCulture));
        }

        parts.AddRange(QueryParameters(options, (options.EndDateMin, options.EndDateMax)).Select(p => p.Key + "=" + p.Value));
        return string.Join('&', parts);
    }

    private static (List<JsonElement> Markets, string? NextCursor) ParsePage(string url, string body)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(body);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new GammaDownloadException($"Gamma answered GET {url} with a body that is not JSON{PolymarketHttp.Snippet(body)}", e);
        }

        if (root.ValueKind == JsonValueKind.Array)
        {
            return (root.EnumerateArray().ToList(), null);
        }

        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("markets", out var markets) && markets.ValueKind == JsonValueKind.Array)
        {
            var next = root.TryGetProperty("next_cursor", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            return (markets.EnumerateArray().ToList(), next);
        }

        throw new GammaDownloadException($"Gamma answered GET {url} with JSON that is neither an array of markets nor {{\"markets\": […]}}{PolymarketHttp.Snippet(body)}");
    }

    internal static string? IdOf(JsonElement market)
    {
        if (market.ValueKind != JsonValueKind.Object || !market.TryGetProperty("id", out var id))
        {
            return null;
        }

        return id.ValueKind switch
        {
            JsonValueKind.String when !string.IsNullOrEmpty(id.GetString()) => id.GetString(),
            JsonValueKind.Number => id.GetRawText(),
            _ => null,
        };
    }

    /// <summary>Removes a torn last line (no final newline: the process died mid-write); returns the bytes removed.</summary>
    internal static long RepairTornTail(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var length = fs.Length;
        if (length == 0)
        {
            return 0;
        }

        var pos = length;
        var one = new byte[1];
        while (pos > 0)
        {
            fs.Position = pos - 1;
            _ = fs.Read(one, 0, 1);
            if (one[0] == (byte)'\n')
            {
                break;
            }

            pos--;
        }

        if (pos == length)
        {
            return 0;
        }

        fs.SetLength(pos);
        fs.Flush(flushToDisk: true);
        return length - pos;
    }

    /// <summary>The ids of the markets in a markets.jsonl file.</summary>
    public static HashSet<string> ReadIds(string path)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return ids;
        }

        var n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                if (IdOf(doc.RootElement) is { } id)
                {
                    ids.Add(id);
                }
            }
            catch (JsonException e)
            {
                throw new GammaDownloadException($"{path}:{n.ToString(CultureInfo.InvariantCulture)}: not a JSON line ({e.Message})", e);
            }
        }

        return ids;
    }

    private static DownloadState? ReadState(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<DownloadState>(File.ReadAllText(path))
                ?? throw new GammaDownloadException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new GammaDownloadException($"{path} does not parse ({e.Message}); delete it to start the paging again (ids already in markets.jsonl are kept and skipped)", e);
        }
    }

    private static void WriteState(string path, DownloadState state)
    {
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(fs, state, StateJson);
            fs.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
    }

    private static readonly JsonSerializerOptions StateJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

/// <summary>DIR/state.json of a Gamma download.</summary>
internal sealed class DownloadState
{
    [System.Text.Json.Serialization.JsonPropertyName("version")]
    public int Version { get; set; } = 1;

    [System.Text.Json.Serialization.JsonPropertyName("query")]
    public string Query { get; set; } = string.Empty;

    [System.Text.Json.Serialization.JsonPropertyName("window")]
    public int Window { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("offset")]
    public long Offset { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("cursor")]
    public string? Cursor { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("pages")]
    public long Pages { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("done")]
    public bool Done { get; set; }
}
