using System.Globalization;
using System.Text;
using System.Text.Json;
using MarketSim.Polymarket.Criteria;
using MarketSim.Polymarket.Dataset;

namespace MarketSim.Polymarket.Download;

/// <summary>What <c>pm download-clob-history</c> asks CLOB <c>/prices-history</c> for (docs/polymarket.md).</summary>
/// <param name="BaseUrl">CLOB base URL, e.g. <c>https://clob.polymarket.com</c>.</param>
/// <param name="FidelityMinutes">Bar spacing in minutes (60 hourly, 1440 daily).</param>
/// <param name="Window">Length of one request's [startTs, endTs] (the API refuses long ranges with 400 "interval is too long").</param>
/// <param name="MinWindow">A window is halved after "interval is too long" down to this; below it the token fails.</param>
/// <param name="StartTsMin">Ask nothing before this unix time (e.g. 1704096000); null: from the market's createdAt.</param>
/// <param name="IncludeNoTokens">Also fetch the NO token's series.</param>
/// <param name="Http">Rate limit and retries.</param>
public sealed record ClobDownloadOptions(
    string BaseUrl,
    int FidelityMinutes = 60,
    TimeSpan? Window = null,
    TimeSpan? MinWindow = null,
    long? StartTsMin = null,
    bool IncludeNoTokens = false,
    HttpPolicy? Http = null)
{
    internal TimeSpan RequestWindow => Window ?? TimeSpan.FromDays(7);

    internal TimeSpan SmallestWindow => MinWindow ?? TimeSpan.FromHours(1);

    /// <summary>Called after each token (downloaded, skipped, empty or failed).</summary>
    public Action<ClobProgress>? Progress { get; init; }

    /// <summary>Called with a line before each retry.</summary>
    public Action<string>? OnRetry { get; init; }
}

/// <summary>Where a CLOB history download stands: tokens done (any way) of the total.</summary>
public sealed record ClobProgress(int Done, int Total, string TokenId, string Outcome);

/// <summary>A token whose history could not be fetched, and why (it is tried again on the next run).</summary>
public sealed record FailedToken(string TokenId, string MarketId, string Reason);

/// <summary>The end of a CLOB history download.</summary>
/// <param name="Tokens">Distinct tokens in the dataset.</param>
/// <param name="Downloaded">Histories written in this run.</param>
/// <param name="Points">Points written in this run.</param>
/// <param name="Existing">Tokens skipped because their file exists.</param>
/// <param name="KnownEmpty">Tokens skipped because the empty index lists them.</param>
/// <param name="Empty">Tokens found empty in this run (now in the index).</param>
/// <param name="Requests">HTTP requests, retries included.</param>
/// <param name="Failed">Tokens that failed (not written, not indexed).</param>
/// <param name="RowsWithoutToken">Dataset rows without a yes_token_id.</param>
/// <param name="Skipped">Tokens not asked for because their market has no usable time range (no end time, end before start).</param>
public sealed record ClobDownloadResult(int Tokens, int Downloaded, long Points, int Existing, int KnownEmpty, int Empty, int Requests, IReadOnlyList<FailedToken> Failed, int RowsWithoutToken, IReadOnlyList<FailedToken> Skipped);

/// <summary>
/// <c>pm download-clob-history</c>: for each token of a dataset, GETs <c>/prices-history</c> in windows from the
/// market's createdAt to its closedTime (or endDate), merges the points and writes <c>&lt;token&gt;.csv</c>
/// (<see cref="PriceHistoryFiles"/>) atomically once the token is complete. Resumable: tokens whose file exists
/// are skipped, and tokens with an empty history are listed in <c>empty-histories.txt</c> so they are not asked again.
/// </summary>
public static class ClobHistoryDownloader
{
    /// <summary>File in the history folder listing tokens whose history came back empty.</summary>
    public const string EmptyIndexFile = "empty-histories.txt";

    /// <summary>Downloads the missing histories of <paramref name="rows"/>' tokens into <paramref name="dir"/>; resumable, see the class summary.</summary>
    public static async Task<ClobDownloadResult> RunAsync(IReadOnlyList<MarketRow> rows, string dir, ClobDownloadOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(dir);
        ArgumentNullException.ThrowIfNull(options);
        if (options.FidelityMinutes <= 0 || options.RequestWindow <= TimeSpan.Zero)
        {
            throw new ArgumentException("fidelity and window must be positive", nameof(options));
        }

        Directory.CreateDirectory(dir);
        var indexPath = Path.Combine(dir, EmptyIndexFile);
        var empty = ReadEmptyIndex(indexPath);
        var tokens = new List<(string Token, string Outcome, MarketRow Row)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var withoutToken = 0;
        foreach (var row in rows)
        {
            if (string.IsNullOrWhiteSpace(row.YesTokenId))
            {
                withoutToken++;
            }
            else if (seen.Add(row.YesTokenId))
            {
                tokens.Add((row.YesTokenId, "yes", row));
            }

            if (options.IncludeNoTokens && !string.IsNullOrWhiteSpace(row.NoTokenId) && seen.Add(row.NoTokenId))
            {
                tokens.Add((row.NoTokenId, "no", row));
            }
        }

        using var http = new PolymarketHttp(options.Http ?? new HttpPolicy());
        http.OnRetry = options.OnRetry;
        int downloaded = 0, existing = 0, knownEmpty = 0, newEmpty = 0, done = 0;
        long points = 0;
        var failed = new List<FailedToken>();
        var skipped = new List<FailedToken>();
        foreach (var (token, outcome, row) in tokens)
        {
            cancellation.ThrowIfCancellationRequested();
            if (!IsDecimal(token))
            {
                failed.Add(new FailedToken(token, row.Id, "token id is not a decimal string"));
            }
            else if (PriceHistoryFiles.Exists(dir, token))
            {
                existing++;
            }
            else if (empty.Contains(token))
            {
                knownEmpty++;
            }
            else if (RangeOf(row, options).Reason is { } noRange)
            {
                skipped.Add(new FailedToken(token, row.Id, noRange));
            }
            else
            {
                var (history, reason) = await FetchTokenAsync(http, token, row, options, cancellation).ConfigureAwait(false);
                if (history is null)
                {
                    failed.Add(new FailedToken(token, row.Id, reason!));
                }
                else if (history.Count == 0)
                {
                    AppendEmpty(indexPath, token);
                    empty.Add(token);
                    newEmpty++;
                }
                else
                {
                    PriceHistoryFiles.Write(dir, token, history);
                    downloaded++;
                    points += PriceHistoryFiles.Normalize(history).Count;
                }
            }

            done++;
            options.Progress?.Invoke(new ClobProgress(done, tokens.Count, token, outcome));
        }

        return new ClobDownloadResult(tokens.Count, downloaded, points, existing, knownEmpty, newEmpty, http.Requests, failed, withoutToken, skipped);
    }

    /// <summary>The [start, end] range (unix s) asked for a market, or null and why.</summary>
    internal static ((long Start, long End)? Range, string? Reason) RangeOf(MarketRow row, ClobDownloadOptions options)
    {
        var end = row.ClosedTime ?? row.EndDate ?? row.ResolvedAt;
        if (end is null)
        {
            return (null, "no closedTime or endDate to end the history");
        }

        var start = row.CreatedAt ?? end.Value.AddDays(-30);
        var s = start.ToUnixTimeSeconds();
        var e = end.Value.ToUnixTimeSeconds();
        if (options.StartTsMin is { } min && s < min)
        {
            s = min;
        }

        return e <= s ? (null, $"empty range: start {s.ToString(CultureInfo.InvariantCulture)} ≥ end {e.ToString(CultureInfo.InvariantCulture)}") : ((s, e), null);
    }

    private static async Task<(List<PricePoint>? History, string? Reason)> FetchTokenAsync(PolymarketHttp http, string token, MarketRow row, ClobDownloadOptions options, CancellationToken cancellation)
    {
        var (range, why) = RangeOf(row, options);
        if (range is not { } r)
        {
            return (null, why);
        }

        var window = (long)options.RequestWindow.TotalSeconds;
        var smallest = Math.Max(1, (long)options.SmallestWindow.TotalSeconds);
        var all = new List<PricePoint>();
        var a = r.Start;
        while (a < r.End)
        {
            var b = Math.Min(a + window, r.End);
            var url = string.Create(CultureInfo.InvariantCulture, $"{options.BaseUrl.TrimEnd('/')}/prices-history?market={token}&startTs={a}&endTs={b}&fidelity={options.FidelityMinutes}");
            var answer = await http.GetAsync(url, cancellation).ConfigureAwait(false);
            if (answer.Status == 400 && answer.Body.Contains("interval is too long", StringComparison.OrdinalIgnoreCase))
            {
                if (window / 2 < smallest)
                {
                    return (null, $"GET {url}: HTTP 400 interval is too long even for a window of {window.ToString(CultureInfo.InvariantCulture)} s");
                }

                window /= 2;
                continue;
            }

            if (answer.Status is < 200 or > 299)
            {
                return (null, $"GET {url}: HTTP {answer.Status.ToString(CultureInfo.InvariantCulture)}{PolymarketHttp.Snippet(answer.Body)}");
            }

            var (page, error) = ParseHistory(answer.Body);
            if (page is null)
            {
                return (null, $"GET {url}: {error}");
            }

            all.AddRange(page);
            a = b;
        }

        return (all, null);
    }

    /// <summary>Parses <c>{"history": [{"t": int, "p": number or numeric string}, …]}</c>.</summary>
    internal static (List<PricePoint>? Points, string? Error) ParseHistory(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("history", out var history) || history.ValueKind != JsonValueKind.Array)
            {
                return (null, "the answer has no history array" + PolymarketHttp.Snippet(body));
            }

            var list = new List<PricePoint>(history.GetArrayLength());
            foreach (var pt in history.EnumerateArray())
            {
                if (pt.ValueKind != JsonValueKind.Object || !pt.TryGetProperty("t", out var t) || !pt.TryGetProperty("p", out var p))
                {
                    return (null, "a history point lacks t or p: " + pt.GetRawText());
                }

                long ts;
                if (t.ValueKind == JsonValueKind.Number && t.TryGetInt64(out var ti))
                {
                    ts = ti;
                }
                else if (t.ValueKind == JsonValueKind.Number)
                {
                    ts = (long)Math.Floor(t.GetDouble());
                }
                else if (t.ValueKind == JsonValueKind.String && long.TryParse(t.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var tp))
                {
                    ts = tp;
                }
                else
                {
                    return (null, "a history point has a bad t: " + pt.GetRawText());
                }

                double price;
                if (p.ValueKind == JsonValueKind.Number)
                {
                    price = p.GetDouble();
                }
                else if (p.ValueKind == JsonValueKind.String && double.TryParse(p.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var pp))
                {
                    price = pp;
                }
                else
                {
                    return (null, "a history point has a bad p: " + pt.GetRawText());
                }

                if (!double.IsFinite(price))
                {
                    return (null, "a history point has a bad p: " + pt.GetRawText());
                }

                list.Add(new PricePoint(ts, price));
            }

            return (list, null);
        }
        catch (JsonException e)
        {
            return (null, "the answer is not JSON (" + e.Message + ")" + PolymarketHttp.Snippet(body));
        }
    }

    /// <summary>The tokens listed in <c>empty-histories.txt</c> (a torn last line is ignored).</summary>
    public static HashSet<string> ReadEmptyIndex(string path)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return set;
        }

        var text = File.ReadAllText(path);
        var complete = text.LastIndexOf('\n');
        foreach (var line in text[..(complete + 1)].Split('\n'))
        {
            var token = line.Trim();
            if (IsDecimal(token))
            {
                set.Add(token);
            }
        }

        return set;
    }

    private static void AppendEmpty(string path, string token)
    {
        using var fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        if (fs.Length > 0)
        {
            // A torn line (a kill mid-write) must not swallow this token.
            using var check = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            check.Position = check.Length - 1;
            if (check.ReadByte() != '\n')
            {
                fs.WriteByte((byte)'\n');
            }
        }

        var bytes = Encoding.ASCII.GetBytes(token + "\n");
        fs.Write(bytes);
        fs.Flush(flushToDisk: true);
    }

    private static bool IsDecimal(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);
}
