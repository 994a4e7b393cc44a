using MarketSim.Polymarket.Criteria;
using MarketSim.Polymarket.Dataset;
using MarketSim.Polymarket.Download;

namespace MarketSim.Polymarket.Tests.Download;

public sealed class ClobHistoryDownloaderSpec : IDisposable
{
    private static readonly HttpPolicy Fast = new(RequestsPerSecond: 0, MaxRetries: 3, BaseDelay: TimeSpan.FromMilliseconds(1), MaxDelay: TimeSpan.FromMilliseconds(20), Seed: 3);
    private static readonly DateTimeOffset Created = new(2024, 12, 1, 0, 30, 0, TimeSpan.Zero);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "marketsim-pm-clob", Guid.NewGuid().ToString("N"));

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

    private static MarketRow Row(int k, double days = 20) =>
        new(k.ToString(System.Globalization.CultureInfo.InvariantCulture), "0x" + k.ToString("x64", System.Globalization.CultureInfo.InvariantCulture), "Q" + k, null, null, null, k % 2,
            FakeGamma.YesLikeToken(k, 0), FakeGamma.YesLikeToken(k, 1), Created, null, Created.AddDays(days), null, 1e5, null, null, "gamma");

    private static ClobDownloadOptions Options(LoopbackServer server) => new(server.BaseUrl, Http: Fast);

    private static List<PricePoint> Expected(MarketRow row) =>
        FakeClob.Series(row.YesTokenId!, row.CreatedAt!.Value.ToUnixTimeSeconds(), row.ClosedTime!.Value.ToUnixTimeSeconds(), 60);

    [Fact]
    public async Task Each_yes_token_is_fetched_in_seven_day_windows_and_merged_into_one_sorted_file()
    {
        var clob = new FakeClob();
        using var server = new LoopbackServer(clob.Handle);
        var rows = Enumerable.Range(0, 4).Select(k => Row(k)).ToList();

        var result = await ClobHistoryDownloader.RunAsync(rows, _dir, Options(server));

        Assert.Equal(4, result.Downloaded);
        Assert.Equal(12, server.Requests.Count);
        foreach (var row in rows)
        {
            Assert.Equal(Expected(row), PriceHistoryFiles.Read(PriceHistoryFiles.PathOf(_dir, row.YesTokenId!)));
        }

        var asks = server.Requests.Where(r => r["market"] == rows[0].YesTokenId).ToList();
        Assert.All(asks, r => Assert.Equal("60", r["fidelity"]));
        Assert.All(asks, r => Assert.True(r.Long("endTs") - r.Long("startTs") <= 7 * 86400));
        Assert.Equal(Created.ToUnixTimeSeconds(), asks[0].Long("startTs"));
        Assert.Equal(Created.AddDays(20).ToUnixTimeSeconds(), asks[^1].Long("endTs"));
        Assert.Equal(result.Points, rows.Sum(r => Expected(r).Count));
    }

    [Fact]
    public async Task Interval_is_too_long_halves_the_window_until_the_server_accepts_it()
    {
        var clob = new FakeClob { MaxRangeSeconds = 2 * 86400 };
        using var server = new LoopbackServer(clob.Handle);
        var row = Row(5);

        var result = await ClobHistoryDownloader.RunAsync([row], _dir, Options(server));

        Assert.Equal(1, result.Downloaded);
        Assert.Equal(Expected(row), PriceHistoryFiles.Read(PriceHistoryFiles.PathOf(_dir, row.YesTokenId!)));
        Assert.Equal(2, server.Requests.Count(r => r.Long("endTs") - r.Long("startTs") > 2 * 86400));
    }

    [Fact]
    public async Task Empty_histories_are_indexed_reported_and_not_asked_again_and_existing_files_are_skipped()
    {
        var rows = Enumerable.Range(0, 5).Select(k => Row(k, days: 5)).ToList();
        var clob = new FakeClob();
        clob.EmptyTokens.Add(rows[1].YesTokenId!);
        clob.EmptyTokens.Add(rows[3].YesTokenId!);
        using var server = new LoopbackServer(clob.Handle);

        var first = await ClobHistoryDownloader.RunAsync(rows, _dir, Options(server));
        var requests = server.Requests.Count;
        var second = await ClobHistoryDownloader.RunAsync(rows, _dir, Options(server));

        Assert.Equal((3, 2), (first.Downloaded, first.Empty));
        Assert.False(PriceHistoryFiles.Exists(_dir, rows[1].YesTokenId!));
        Assert.Equal([rows[1].YesTokenId!, rows[3].YesTokenId!], File.ReadAllLines(Path.Combine(_dir, ClobHistoryDownloader.EmptyIndexFile)));
        Assert.Equal((0, 3, 2, 0), (second.Downloaded, second.Existing, second.KnownEmpty, second.Requests));
        Assert.Equal(requests, server.Requests.Count);
    }

    [Fact]
    public async Task A_download_cancelled_after_two_tokens_resumes_with_the_others_only()
    {
        var rows = Enumerable.Range(0, 5).Select(k => Row(k, days: 3)).ToList();
        var clob = new FakeClob();
        using var server = new LoopbackServer(clob.Handle);
        using var cts = new CancellationTokenSource();
        var killed = Options(server) with { Progress = p => { if (p.Done == 2) { cts.Cancel(); } } };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ClobHistoryDownloader.RunAsync(rows, _dir, killed, cts.Token));
        var before = server.Requests.Count;
        var result = await ClobHistoryDownloader.RunAsync(rows, _dir, Options(server));

        Assert.Equal((3, 2), (result.Downloaded, result.Existing));
        Assert.Equal(rows.Skip(2).Select(r => r.YesTokenId), server.Requests.Skip(before).Select(r => r["market"]));
        Assert.All(rows, r => Assert.Equal(Expected(r), PriceHistoryFiles.Read(PriceHistoryFiles.PathOf(_dir, r.YesTokenId!))));
    }

    [Fact]
    public async Task The_real_capture_is_written_as_one_point_in_seconds()
    {
        var row = Row(9);
        var clob = new FakeClob { RealCaptureToken = row.YesTokenId };
        using var server = new LoopbackServer(clob.Handle);

        await ClobHistoryDownloader.RunAsync([row], _dir, Options(server) with { Window = TimeSpan.FromDays(30) });

        Assert.Equal([new PricePoint(1735706763, 0.9985)], PriceHistoryFiles.Read(PriceHistoryFiles.PathOf(_dir, row.YesTokenId!)));
    }

    [Fact]
    public async Task An_unknown_token_is_reported_and_not_indexed_while_429s_are_retried_and_the_rest_is_done()
    {
        var rows = Enumerable.Range(0, 3).Select(k => Row(k, days: 2)).ToList();
        var clob = new FakeClob { Fault = n => n == 1 ? new ServedResponse(429, "{\"error\":\"slow down\"}", RetryAfter: "0") : null };
        clob.UnknownTokens.Add(rows[1].YesTokenId!);
        using var server = new LoopbackServer(clob.Handle);
        var noToken = Row(7) with { YesTokenId = null };

        var result = await ClobHistoryDownloader.RunAsync([.. rows, noToken], _dir, Options(server));

        var failed = Assert.Single(result.Failed);
        Assert.Equal(rows[1].YesTokenId, failed.TokenId);
        Assert.Contains("HTTP 404", failed.Reason, StringComparison.Ordinal);
        Assert.Contains(server.BaseUrl + "/prices-history?market=" + rows[1].YesTokenId, failed.Reason, StringComparison.Ordinal);
        Assert.Equal(2, result.Downloaded);
        Assert.Equal(1, result.RowsWithoutToken);
        Assert.False(File.Exists(Path.Combine(_dir, ClobHistoryDownloader.EmptyIndexFile)));
    }

    [Fact]
    public async Task A_market_without_an_end_time_is_skipped_with_its_reason_and_not_asked_for()
    {
        var clob = new FakeClob();
        using var server = new LoopbackServer(clob.Handle);
        var row = Row(4) with { ClosedTime = null, EndDate = null };

        var result = await ClobHistoryDownloader.RunAsync([row], _dir, Options(server));

        var skipped = Assert.Single(result.Skipped);
        Assert.Equal(row.YesTokenId, skipped.TokenId);
        Assert.Contains("no closedTime or endDate", skipped.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Failed);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void History_points_accept_numeric_strings_and_reject_a_missing_history()
    {
        var (points, _) = ClobHistoryDownloader.ParseHistory("{\"history\":[{\"t\":10,\"p\":\"0.25\"},{\"t\":\"20\",\"p\":1}]}");
        var (none, error) = ClobHistoryDownloader.ParseHistory("{\"error\":\"x\"}");

        Assert.Equal([new PricePoint(10, 0.25), new PricePoint(20, 1)], points);
        Assert.Null(none);
        Assert.Contains("no history array", error, StringComparison.Ordinal);
    }
}
