using System.Text.Json;
using MarketSim.Polymarket.Download;

namespace MarketSim.Polymarket.Tests.Download;

public sealed class GammaDownloaderSpec : IDisposable
{
    private static readonly HttpPolicy Fast = new(RequestsPerSecond: 0, MaxRetries: 4, BaseDelay: TimeSpan.FromMilliseconds(1), MaxDelay: TimeSpan.FromMilliseconds(20), Timeout: TimeSpan.FromSeconds(10), Seed: 7);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "marketsim-pm-download", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static GammaDownloadOptions Options(LoopbackServer server, int limit = 10) => new(server.BaseUrl, Limit: limit, Http: Fast);

    private List<string> IdsInFile() =>
        File.ReadLines(Path.Combine(_dir, GammaDownloader.MarketsFile))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!)
            .ToList();

    [Fact]
    public async Task A_download_pages_through_every_market_once_and_keeps_the_real_fields()
    {
        var gamma = new FakeGamma(57);
        using var server = new LoopbackServer(gamma.Handle);

        var result = await GammaDownloader.RunAsync(_dir, Options(server));

        Assert.Equal(gamma.Ids, IdsInFile());
        Assert.Equal(57, result.Written);
        Assert.Equal(6, result.Pages);
        Assert.All(server.Requests, r => Assert.Equal("true", r["closed"]));
        var first = JsonDocument.Parse(File.ReadLines(Path.Combine(_dir, GammaDownloader.MarketsFile)).First()).RootElement;
        Assert.Equal(JsonValueKind.String, first.GetProperty("outcomes").ValueKind);
        Assert.Equal("[\"76ers\", \"Celtics\"]", first.GetProperty("outcomes").GetString());
        Assert.Equal("2024-12-26 02:34:04+00", first.GetProperty("closedTime").GetString());
        var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, GammaDownloader.StateFile))).RootElement;
        Assert.True(state.GetProperty("done").GetBoolean());
    }

    [Fact]
    public async Task A_server_that_serves_fewer_markets_than_the_limit_is_paged_to_the_end()
    {
        var gamma = new FakeGamma(23) { MaxLimit = 5 };
        using var server = new LoopbackServer(gamma.Handle);

        var result = await GammaDownloader.RunAsync(_dir, Options(server, limit: 500));

        Assert.Equal(gamma.Ids, IdsInFile());
        Assert.Equal(new long[] { 0, 5, 10, 15, 20 }, server.Requests.Select(r => r.Long("offset")));
        Assert.Equal(23, result.Total);
    }

    [Fact]
    public async Task A_429_with_Retry_After_and_500s_are_retried_without_losing_or_repeating_markets()
    {
        var gamma = new FakeGamma(35)
        {
            Fault = n => n switch
            {
                2 => new ServedResponse(429, "{\"error\":\"Too Many Requests\"}", RetryAfter: "0"),
                3 or 4 => new ServedResponse(500, "{\"error\":\"internal\"}"),
                6 => new ServedResponse(503, string.Empty),
                _ => null,
            },
        };
        using var server = new LoopbackServer(gamma.Handle);
        var retries = new List<string>();

        var result = await GammaDownloader.RunAsync(_dir, Options(server) with { OnRetry = retries.Add });

        Assert.Equal(gamma.Ids, IdsInFile());
        Assert.Equal(4, retries.Count);
        Assert.Contains("HTTP 429", retries[0], StringComparison.Ordinal);
        Assert.Equal(0, result.Duplicates);
    }

    [Fact]
    public async Task Retries_give_up_with_an_error_naming_the_URL_and_the_status()
    {
        var gamma = new FakeGamma(30) { Fault = n => n >= 2 ? new ServedResponse(502, "{\"error\":\"bad gateway\"}") : null };
        using var server = new LoopbackServer(gamma.Handle);

        var e = await Assert.ThrowsAsync<PolymarketHttpException>(() => GammaDownloader.RunAsync(_dir, Options(server)));

        Assert.Equal(502, e.Status);
        Assert.Contains(server.BaseUrl + "/markets?closed=true&limit=10&offset=10", e.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 502", e.Message, StringComparison.Ordinal);
        Assert.Contains("5 attempts", e.Message, StringComparison.Ordinal);
        Assert.Equal(10, IdsInFile().Count);
    }

    [Fact]
    public async Task A_deep_offset_422_stops_with_a_message_to_narrow_the_window_and_keeps_what_was_downloaded()
    {
        var gamma = new FakeGamma(57) { DeepOffset = 20 };
        using var server = new LoopbackServer(gamma.Handle);

        var e = await Assert.ThrowsAsync<GammaDownloadException>(() => GammaDownloader.RunAsync(_dir, Options(server)));

        Assert.Contains("HTTP 422", e.Message, StringComparison.Ordinal);
        Assert.Contains("offset 20", e.Message, StringComparison.Ordinal);
        Assert.Contains("--end-date-min/--end-date-max", e.Message, StringComparison.Ordinal);
        Assert.Equal(gamma.Ids.Take(20), IdsInFile());
    }

    [Fact]
    public async Task End_date_windows_keep_offsets_shallow_and_overlapping_boundaries_add_no_duplicates()
    {
        var gamma = new FakeGamma(57) { DeepOffset = 20 };
        using var server = new LoopbackServer(gamma.Handle);
        var options = Options(server) with
        {
            EndDateMin = FakeGamma.FirstEnd,
            EndDateMax = FakeGamma.EndOf(57),
            WindowDays = 3,
        };

        var result = await GammaDownloader.RunAsync(_dir, options);

        Assert.Equal(gamma.Ids.Order(StringComparer.Ordinal), IdsInFile().Order(StringComparer.Ordinal));
        Assert.Equal(IdsInFile().Count, IdsInFile().Distinct().Count());
        Assert.True(result.Duplicates > 0);
        Assert.All(server.Requests, r => Assert.True(r.Long("offset") < 20));
    }

    [Fact]
    public async Task The_keyset_endpoint_is_paged_by_cursor_until_no_next_cursor()
    {
        var gamma = new FakeGamma(57);
        using var server = new LoopbackServer(gamma.Handle);

        await GammaDownloader.RunAsync(_dir, Options(server, limit: 25) with { Keyset = true });

        Assert.Equal(gamma.Ids, IdsInFile());
        Assert.All(server.Requests, r => Assert.Equal("/markets/keyset", r.Path));
        Assert.Null(server.Requests.First()["after_cursor"]);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task A_download_cancelled_after_two_pages_resumes_from_its_state_without_duplicates()
    {
        var gamma = new FakeGamma(57);
        using var server = new LoopbackServer(gamma.Handle);
        using var cts = new CancellationTokenSource();
        var killed = Options(server) with { Progress = p => { if (p.Pages == 2) { cts.Cancel(); } } };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => GammaDownloader.RunAsync(_dir, killed, cts.Token));
        Assert.Equal(20, IdsInFile().Count);
        var before = server.Requests.Count;

        var result = await GammaDownloader.RunAsync(_dir, Options(server));

        Assert.True(result.Resumed);
        Assert.Equal(20, server.Requests.Skip(before).First().Long("offset"));
        Assert.Equal(gamma.Ids, IdsInFile());
        Assert.Equal(0, result.Duplicates);
    }

    [Fact]
    public async Task A_fault_between_the_append_and_the_state_write_is_resumed_without_duplicates()
    {
        var gamma = new FakeGamma(57);
        using var server = new LoopbackServer(gamma.Handle);
        var faulty = Options(server) with { BeforeStateWrite = p => { if (p.Pages == 3) { throw new IOException("killed between append and state write"); } } };

        await Assert.ThrowsAsync<IOException>(() => GammaDownloader.RunAsync(_dir, faulty));
        Assert.Equal(30, IdsInFile().Count);

        var result = await GammaDownloader.RunAsync(_dir, Options(server));

        Assert.Equal(10, result.Duplicates);
        Assert.Equal(gamma.Ids, IdsInFile());
    }

    [Fact]
    public async Task A_torn_last_line_from_a_kill_mid_write_is_cut_and_the_market_fetched_again()
    {
        var gamma = new FakeGamma(25);
        using var server = new LoopbackServer(gamma.Handle);
        var faulty = Options(server) with { BeforeStateWrite = p => { if (p.Pages == 1) { throw new IOException("kill"); } } };
        await Assert.ThrowsAsync<IOException>(() => GammaDownloader.RunAsync(_dir, faulty));
        var path = Path.Combine(_dir, GammaDownloader.MarketsFile);
        var lines = File.ReadAllLines(path);
        File.WriteAllText(path, string.Join('\n', lines.Take(9)) + "\n" + lines[9][..40]);

        var result = await GammaDownloader.RunAsync(_dir, Options(server));

        Assert.True(result.RepairedBytes > 0);
        Assert.Equal(9, result.Duplicates);
        Assert.Equal(gamma.Ids, IdsInFile());
    }

    [Fact]
    public async Task A_complete_download_is_not_fetched_again_and_a_different_query_is_refused()
    {
        var gamma = new FakeGamma(12);
        using var server = new LoopbackServer(gamma.Handle);
        await GammaDownloader.RunAsync(_dir, Options(server));
        var requests = server.Requests.Count;

        var again = await GammaDownloader.RunAsync(_dir, Options(server));
        var other = await Assert.ThrowsAsync<GammaDownloadException>(() => GammaDownloader.RunAsync(_dir, Options(server) with { Filters = [new("tag_id", "2")] }));

        Assert.True(again.AlreadyComplete);
        Assert.Equal(requests, server.Requests.Count);
        Assert.Contains("another query", other.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filters_and_end_dates_reach_the_query_string()
    {
        var gamma = new FakeGamma(3);
        using var server = new LoopbackServer(gamma.Handle);
        var options = Options(server) with
        {
            EndDateMin = FakeGamma.FirstEnd,
            Filters = [new("tag_id", "2"), new("related_tags", "true"), new("volume_num_min", "100000"), new("start_date_min", "2024-01-16T00:00:00Z")],
        };

        await GammaDownloader.RunAsync(_dir, options);

        var r = server.Requests.First();
        Assert.Equal("2025-01-01T00:00:00Z", r["end_date_min"]);
        Assert.Equal("2", r["tag_id"]);
        Assert.Equal("true", r["related_tags"]);
        Assert.Equal("100000", r["volume_num_min"]);
        Assert.Equal("2024-01-16T00:00:00Z", r["start_date_min"]);
    }
}
