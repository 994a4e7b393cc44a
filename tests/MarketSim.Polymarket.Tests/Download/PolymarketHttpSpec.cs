using System.Diagnostics;
using MarketSim.Polymarket.Download;

namespace MarketSim.Polymarket.Tests.Download;

public sealed class PolymarketHttpSpec
{
    [Fact]
    public void Backoff_doubles_with_seeded_jitter_and_is_capped()
    {
        var policy = new HttpPolicy(BaseDelay: TimeSpan.FromMilliseconds(100), MaxDelay: TimeSpan.FromSeconds(1), Seed: 42);
        using var a = new PolymarketHttp(policy);
        using var b = new PolymarketHttp(policy);

        var delays = Enumerable.Range(0, 8).Select(k => a.Backoff(k, null)).ToList();

        Assert.Equal(delays, Enumerable.Range(0, 8).Select(k => b.Backoff(k, null)));
        for (var k = 0; k < 3; k++)
        {
            Assert.InRange(delays[k].TotalMilliseconds, 50 * Math.Pow(2, k), 150 * Math.Pow(2, k));
        }

        Assert.Equal(TimeSpan.FromSeconds(1), delays[7]);
    }

    [Fact]
    public void Retry_After_is_honoured_up_to_the_cap()
    {
        using var http = new PolymarketHttp(new HttpPolicy(MaxDelay: TimeSpan.FromSeconds(10)));

        Assert.Equal(TimeSpan.FromSeconds(3), http.Backoff(0, TimeSpan.FromSeconds(3)));
        Assert.Equal(TimeSpan.FromSeconds(10), http.Backoff(0, TimeSpan.FromSeconds(120)));
        Assert.Equal(TimeSpan.Zero, http.Backoff(5, TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public async Task Requests_are_spaced_by_the_rate_limit()
    {
        using var server = new LoopbackServer(_ => ServedResponse.Json("[]"));
        using var http = new PolymarketHttp(new HttpPolicy(RequestsPerSecond: 40));
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < 5; i++)
        {
            await http.GetAsync(server.BaseUrl + "/markets", CancellationToken.None);
        }

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(95), $"5 requests at 40/s took {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_server_that_does_not_answer_in_time_is_retried_then_reported_with_its_URL()
    {
        using var server = new LoopbackServer(_ => new ServedResponse(200, "[]", Delay: TimeSpan.FromSeconds(5)));
        using var http = new PolymarketHttp(new HttpPolicy(RequestsPerSecond: 0, MaxRetries: 1, BaseDelay: TimeSpan.FromMilliseconds(1), Timeout: TimeSpan.FromMilliseconds(100)));
        var url = server.BaseUrl + "/prices-history?market=1";

        var e = await Assert.ThrowsAsync<PolymarketHttpException>(() => http.GetAsync(url, CancellationToken.None));

        Assert.Equal(0, e.Status);
        Assert.Contains(url, e.Message, StringComparison.Ordinal);
        Assert.Contains("no answer within 0.1 s", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, http.Requests);
    }

    [Fact]
    public async Task Client_errors_other_than_429_are_returned_without_retrying()
    {
        using var server = new LoopbackServer(_ => new ServedResponse(400, "{\"error\":\"bad\"}"));
        using var http = new PolymarketHttp(new HttpPolicy(RequestsPerSecond: 0));

        var answer = await http.GetAsync(server.BaseUrl + "/x", CancellationToken.None);

        Assert.Equal(new HttpAnswer(400, "{\"error\":\"bad\"}"), answer);
        Assert.Equal(0, http.Retries);
    }
}
