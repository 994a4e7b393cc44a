using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MarketSim.Polymarket.Tests.Download;

/// <summary>The real API captures in shared/data (never copied into the repository).</summary>
internal static class RealCaptures
{
    public static string Folder => Path.Combine(RepoRoot, "..", "shared", "data", "polymarket", "dhruv575-safechoices");

    public static string GammaPath => Path.Combine(Folder, "exampleGammaQueryResponse.json");

    public static string ClobPath => Path.Combine(Folder, "exampleClobQueryResponse.json");

    /// <summary>The 11 real Gamma market objects.</summary>
    public static JsonArray GammaMarkets() => JsonNode.Parse(File.ReadAllText(GammaPath))!.AsArray();

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "MarketSim.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("MarketSim.sln not found above " + AppContext.BaseDirectory);
        }
    }
}

/// <summary>
/// Gamma <c>/markets</c> and <c>/markets/keyset</c> over markets synthesised from the real capture: each is a
/// real market object (double-encoded outcomes, prices and token ids kept) with a new id, condition id, token
/// ids and endDate. Caps the page size, refuses deep offsets with 422 and injects scripted faults.
/// </summary>
internal sealed class FakeGamma
{
    public static readonly DateTimeOffset FirstEnd = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private int _requests;

    public FakeGamma(int count)
    {
        var real = RealCaptures.GammaMarkets();
        for (var k = 0; k < count; k++)
        {
            var m = real[k % real.Count]!.DeepClone().AsObject();
            m["id"] = (600000 + k).ToString(CultureInfo.InvariantCulture);
            m["conditionId"] = "0x" + k.ToString("x64", CultureInfo.InvariantCulture);
            m["slug"] = m["slug"]!.GetValue<string>() + "-" + k.ToString(CultureInfo.InvariantCulture);
            m["endDate"] = EndOf(k).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            m["clobTokenIds"] = JsonSerializer.Serialize(new[] { YesLikeToken(k, 0), YesLikeToken(k, 1) });
            Markets.Add(m);
        }
    }

    public List<JsonObject> Markets { get; } = [];

    public IEnumerable<string> Ids => Markets.Select(m => m["id"]!.GetValue<string>());

    /// <summary>The server serves at most this many markets per page, whatever limit is asked.</summary>
    public int MaxLimit { get; set; } = 500;

    /// <summary>Offsets at or beyond this are refused with 422 (Gamma's deep-offset failure).</summary>
    public int? DeepOffset { get; set; }

    /// <summary>A scripted answer for the n-th request (1-based), or null to serve normally.</summary>
    public Func<int, ServedResponse?>? Fault { get; set; }

    public int RequestCount => _requests;

    /// <summary>Market k ends 6 h after market k − 1, from 2025-01-01.</summary>
    public static DateTimeOffset EndOf(int k) => FirstEnd.AddHours(6 * k);

    /// <summary>Token id of outcome index <paramref name="index"/> of market k (decimal string).</summary>
    public static string YesLikeToken(int k, int index) => "7" + (1000000 + (2 * k) + index).ToString(CultureInfo.InvariantCulture);

    public ServedResponse Handle(ServedRequest r)
    {
        var n = Interlocked.Increment(ref _requests);
        if (Fault?.Invoke(n) is { } fault)
        {
            return fault;
        }

        if (r["closed"] != "true")
        {
            return new ServedResponse(400, "{\"error\":\"test server: closed=true expected\"}");
        }

        var selected = Markets.Where(m => InWindow(m, r)).ToList();
        if (r.Path == "/markets")
        {
            var limit = Math.Min((int)r.Long("limit"), MaxLimit);
            var offset = (int)r.Long("offset");
            if (DeepOffset is { } deep && offset >= deep)
            {
                return new ServedResponse(422, "{\"type\":\"validation error\",\"error\":\"offset must be less than " + deep.ToString(CultureInfo.InvariantCulture) + "\"}");
            }

            return ServedResponse.Json(new JsonArray(selected.Skip(offset).Take(limit).Select(m => (JsonNode)m.DeepClone()).ToArray()).ToJsonString());
        }

        if (r.Path == "/markets/keyset")
        {
            if (r["offset"] is not null)
            {
                return new ServedResponse(400, "{\"error\":\"offset is not supported\"}");
            }

            var limit = Math.Min((int)r.Long("limit"), 100);
            var start = r["after_cursor"] is { } c ? int.Parse(Encoding.ASCII.GetString(Convert.FromBase64String(c)), CultureInfo.InvariantCulture) : 0;
            var page = selected.Skip(start).Take(limit).Select(m => (JsonNode)m.DeepClone()).ToArray();
            var body = new JsonObject { ["markets"] = new JsonArray(page) };
            if (start + page.Length < selected.Count)
            {
                body["next_cursor"] = Convert.ToBase64String(Encoding.ASCII.GetBytes((start + page.Length).ToString(CultureInfo.InvariantCulture)));
            }

            return ServedResponse.Json(body.ToJsonString());
        }

        return new ServedResponse(404, "{\"error\":\"not found\"}");
    }

    /// <summary>end_date_min ≤ endDate ≤ end_date_max, both inclusive (adjacent windows overlap on their boundary).</summary>
    private static bool InWindow(JsonObject m, ServedRequest r)
    {
        var end = DateTimeOffset.Parse(m["endDate"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        if (r["end_date_min"] is { } min && end < DateTimeOffset.Parse(min, CultureInfo.InvariantCulture))
        {
            return false;
        }

        return r["end_date_max"] is not { } max || end <= DateTimeOffset.Parse(max, CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// CLOB <c>/prices-history</c>: a deterministic series per token (a point every fidelity minutes, aligned),
/// empty histories for chosen tokens, 400 "interval is too long" beyond a maximum range, 404 for unknown
/// tokens, the real capture for one token, and scripted faults.
/// </summary>
internal sealed class FakeClob
{
    private int _requests;

    public HashSet<string> EmptyTokens { get; } = [];

    public HashSet<string> UnknownTokens { get; } = [];

    /// <summary>The token answered with the real capture body, whatever the range.</summary>
    public string? RealCaptureToken { get; set; }

    public long MaxRangeSeconds { get; set; } = 8 * 86400;

    public Func<int, ServedResponse?>? Fault { get; set; }

    public int RequestCount => _requests;

    public ServedResponse Handle(ServedRequest r)
    {
        var n = Interlocked.Increment(ref _requests);
        if (Fault?.Invoke(n) is { } fault)
        {
            return fault;
        }

        if (r.Path != "/prices-history" || r["market"] is not { } token)
        {
            return new ServedResponse(404, "{\"error\":\"not found\"}");
        }

        if (token == RealCaptureToken)
        {
            return ServedResponse.Json(File.ReadAllText(RealCaptures.ClobPath));
        }

        if (UnknownTokens.Contains(token))
        {
            return new ServedResponse(404, "{\"error\":\"market not found\"}");
        }

        var start = r.Long("startTs");
        var end = r.Long("endTs");
        if (end - start > MaxRangeSeconds)
        {
            return new ServedResponse(400, "{\"error\":\"invalid filters: 'startTs' and 'endTs' interval is too long\"}");
        }

        if (EmptyTokens.Contains(token))
        {
            return ServedResponse.Json("{\"history\":[]}");
        }

        var points = Series(token, start, end, r.Long("fidelity"));
        var sb = new StringBuilder("{\"history\":[");
        sb.AppendJoin(',', points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{{\"t\":{p.T},\"p\":{p.P}}}")));
        sb.Append("]}");
        return ServedResponse.Json(sb.ToString());
    }

    /// <summary>The points the server holds for a token in [start, end] (both inclusive).</summary>
    public static List<Dataset.PricePoint> Series(string token, long start, long end, long fidelityMinutes)
    {
        var step = fidelityMinutes * 60;
        var first = (start + step - 1) / step * step;
        var seed = (int)(ulong.Parse(token, CultureInfo.InvariantCulture) % 97);
        var list = new List<Dataset.PricePoint>();
        for (var t = first; t <= end; t += step)
        {
            list.Add(new Dataset.PricePoint(t, ((t / step) + seed) % 100 / 100.0));
        }

        return list;
    }
}
