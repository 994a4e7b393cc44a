using System.Diagnostics;
using MarketSim.Llm;
using Xunit.Abstractions;

namespace MarketSim.Llm.Tests;

[Collection(LlmServerCollection.Name)]
[Trait("Category", "LlmRuntime")]
public sealed class LlmForecasterSpec(LlmServerFixture server, ITestOutputHelper output) : IAsyncLifetime
{
    public Task InitializeAsync() => server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static ForecastQuestion Q(int i, double? price = null) =>
        PromptAndSettingsSpec.Question(id: $"q{i}", text: $"Will event number {i} happen before the close date?", price: price);

    [Fact]
    public async Task A_real_completion_round_trips_and_the_gibberish_answer_is_missing_with_its_raw_text_kept()
    {
        using var f = new LlmForecaster(server.Settings());
        var a = await f.ForecastAsync(Q(1));
        output.WriteLine($"raw: {a.RawText}");
        Assert.Equal("q1", a.QuestionId);
        Assert.Null(a.Probability);
        Assert.True(a.IsMissing);
        Assert.Equal(LlmFailure.Unparseable, a.Failure);
        Assert.StartsWith("unparseable", a.Error);
        Assert.False(string.IsNullOrEmpty(a.RawText));
        Assert.False(a.FromCache);
        Assert.Equal(1, a.Attempts);
        var stats = await server.StatsAsync();
        Assert.Equal(1, stats.Completions);
        Assert.True(stats.PromptTokens > 500, $"the Halawi-style prompt reached the model ({stats.PromptTokens} tokens)");
        Assert.True(f.Stats.CompletionTokens > 0);

        // same question, settings and seed: the real model says the same again
        var b = await f.ForecastAsync(Q(1));
        Assert.Equal(a.RawText, b.RawText);
    }

    [Fact]
    public async Task Requests_in_flight_never_exceed_the_configured_concurrency()
    {
        await server.FaultsAsync(new { delayMs = 300 });
        using var f = new LlmForecaster(server.Settings() with { Concurrency = 3 });
        var sw = Stopwatch.StartNew();
        var answers = await f.ForecastManyAsync(Enumerable.Range(0, 12).Select(i => Q(i)).ToList());
        sw.Stop();
        var stats = await server.StatsAsync();
        output.WriteLine($"12 questions, concurrency 3, 300 ms server delay: {sw.ElapsedMilliseconds} ms, server max in flight {stats.MaxInFlight}");
        Assert.Equal(12, answers.Count);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"q{i}"), answers.Select(a => a.QuestionId));
        Assert.All(answers, a => Assert.Equal(LlmFailure.Unparseable, a.Failure));
        Assert.Equal(3, stats.MaxInFlight);
        Assert.Equal(3, f.Stats.MaxInFlight);
        Assert.Equal(12, stats.Completions);
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(4 * 300 - 50), $"12 requests 3 at a time take 4 rounds: {sw.Elapsed}");
    }

    [Fact]
    public async Task A_slow_answer_times_out_is_retried_and_then_counts_as_missing()
    {
        await server.FaultsAsync(new { delayMs = 10_000 });
        using var f = new LlmForecaster(server.Settings() with { Timeout = TimeSpan.FromMilliseconds(400), Retries = 1 });
        var sw = Stopwatch.StartNew();
        var a = await f.ForecastAsync(Q(2));
        sw.Stop();
        Assert.Equal(LlmFailure.Timeout, a.Failure);
        Assert.Null(a.Probability);
        Assert.StartsWith("timeout", a.Error);
        Assert.Equal(2, a.Attempts);
        Assert.Equal(1, f.Stats.Retries);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"gave up in time: {sw.Elapsed}");
        Assert.Equal(2, (await server.StatsAsync()).Requests);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(429)]
    public async Task Injected_server_errors_are_retried_with_backoff_until_the_real_answer_comes(int status)
    {
        await server.FaultsAsync(new { failNext = 2, failStatus = status });
        var log = new CapturingLogger();
        using var f = new LlmForecaster(server.Settings() with { Retries = 3 }, log);
        var a = await f.ForecastAsync(Q(3));
        Assert.Equal(LlmFailure.Unparseable, a.Failure); // a real (gibberish) answer in the end
        Assert.Equal(3, a.Attempts);
        Assert.Equal(2, f.Stats.Retries);
        var stats = await server.StatsAsync();
        Assert.Equal(2, stats.InjectedFailures);
        Assert.Equal(1, stats.Completions);
        Assert.Contains($"HTTP {status}", log.All);
    }

    [Fact]
    public async Task A_retry_after_header_is_honoured()
    {
        await server.FaultsAsync(new { failNext = 1, failStatus = 429, retryAfter = 1 });
        using var f = new LlmForecaster(server.Settings() with { Retries = 1 });
        var sw = Stopwatch.StartNew();
        var a = await f.ForecastAsync(Q(4));
        Assert.Equal(2, a.Attempts);
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(950), $"waited {sw.Elapsed}");
    }

    [Fact]
    public async Task Failures_beyond_the_retry_budget_give_a_missing_answer_with_the_http_error()
    {
        await server.FaultsAsync(new { failNext = 10, failStatus = 503 });
        using var f = new LlmForecaster(server.Settings() with { Retries = 2 });
        var a = await f.ForecastAsync(Q(5));
        Assert.Equal(LlmFailure.Http, a.Failure);
        Assert.StartsWith("HTTP 503: injected failure", a.Error);
        Assert.Contains("injected failure", a.RawText);
        Assert.Equal(3, a.Attempts);
        Assert.Equal(3, (await server.StatsAsync()).InjectedFailures);
    }

    [Fact]
    public async Task A_client_error_is_not_retried()
    {
        using var f = new LlmForecaster(server.Settings() with { MaxTokens = 100_000, Retries = 3 });
        var a = await f.ForecastAsync(Q(6));
        Assert.Equal(LlmFailure.Http, a.Failure);
        Assert.StartsWith("HTTP 400", a.Error);
        Assert.Contains("exceeds the context", a.Error);
        Assert.Equal(1, a.Attempts);
        Assert.Equal(1, (await server.StatsAsync()).Requests);
    }

    [Fact]
    public async Task The_second_run_is_answered_from_the_cache_with_zero_requests_and_the_same_answers()
    {
        var dir = server.NewCacheDir();
        var questions = Enumerable.Range(10, 5).Select(i => Q(i, price: 0.5)).ToList();
        IReadOnlyList<LlmAnswer> first;
        using (var f = new LlmForecaster(server.Settings(dir)))
        {
            first = await f.ForecastManyAsync(questions);
        }

        Assert.All(first, a => Assert.False(a.FromCache));
        Assert.Equal(5, (await server.StatsAsync()).Requests);
        Assert.Equal(5, Directory.GetFiles(dir, "*.json", SearchOption.AllDirectories).Length);
        await server.ResetAsync();

        foreach (var mode in new[] { LlmCacheMode.ReadWrite, LlmCacheMode.Read })
        {
            using var f = new LlmForecaster(server.Settings(dir) with { CacheMode = mode });
            var again = await f.ForecastManyAsync(questions);
            Assert.All(again, a => Assert.True(a.FromCache));
            Assert.Equal(first.Select(a => (a.Probability, a.RawText, a.Error, a.Failure, a.CacheKey)),
                again.Select(a => (a.Probability, a.RawText, a.Error, a.Failure, a.CacheKey)));
            Assert.Equal(5, f.Stats.CacheHits);
        }

        Assert.Equal(0, (await server.StatsAsync()).Requests);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_read_only_cache_miss_sends_nothing_and_is_missing()
    {
        using var f = new LlmForecaster(server.Settings(server.NewCacheDir()) with { CacheMode = LlmCacheMode.Read });
        var a = await f.ForecastAsync(Q(20));
        Assert.Equal(LlmFailure.CacheMiss, a.Failure);
        Assert.Contains("cache miss", a.Error);
        Assert.Equal(0, (await server.StatsAsync()).Requests);
    }

    [Fact]
    public async Task A_corrupt_entry_is_a_warning_and_a_miss_in_readwrite_and_an_error_naming_the_file_in_read()
    {
        var dir = server.NewCacheDir();
        var log = new CapturingLogger();
        using var f = new LlmForecaster(server.Settings(dir), log);
        var path = f.Cache.PathOf(f.CacheKeyOf(Q(21)));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{ this is not json");

        using (var reader = new LlmForecaster(server.Settings(dir) with { CacheMode = LlmCacheMode.Read }))
        {
            var e = await Assert.ThrowsAsync<LlmCacheCorruptException>(() => reader.ForecastAsync(Q(21)));
            Assert.Contains(path, e.Message);
        }

        var a = await f.ForecastAsync(Q(21));
        Assert.False(a.FromCache);
        Assert.Contains("Corrupt LLM cache entry", log.All);
        Assert.Contains(path, log.All);
        Assert.Equal(1, (await server.StatsAsync()).Completions);

        // the new answer replaced the corrupt entry
        var b = await f.ForecastAsync(Q(21));
        Assert.True(b.FromCache);
        Assert.Equal(a.RawText, b.RawText);

        // an entry whose request does not hash to its name is corrupt too
        File.WriteAllText(path, File.ReadAllText(path).Replace("Will event number 21", "Will event number 22", StringComparison.Ordinal));
        using var reader2 = new LlmForecaster(server.Settings(dir) with { CacheMode = LlmCacheMode.Read });
        Assert.Contains("does not hash", (await Assert.ThrowsAsync<LlmCacheCorruptException>(() => reader2.ForecastAsync(Q(21)))).Message);
    }

    [Fact]
    public async Task The_api_key_never_appears_in_answers_errors_logs_or_the_cache()
    {
        const string env = "MARKETSIM_LLM_TEST_WRONG_KEY";
        var wrong = "sk-wrong-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(env, wrong);
        var dir = server.NewCacheDir();
        var log = new CapturingLogger();
        using var f = new LlmForecaster(server.Settings(dir) with { ApiKeyEnv = env, Retries = 1 }, log);
        var a = await f.ForecastAsync(Q(30));
        Assert.Equal(LlmFailure.Http, a.Failure);
        Assert.StartsWith("HTTP 401", a.Error);
        Assert.Equal(1, (await server.StatsAsync()).Unauthorized); // the server echoed the key back: we scrubbed it
        Assert.DoesNotContain(wrong, a.Error);
        Assert.DoesNotContain(wrong, a.RawText);
        Assert.DoesNotContain(wrong, a.ToString());
        Assert.Contains("[REDACTED]", a.RawText);
        Assert.DoesNotContain(wrong, log.All);
        Assert.DoesNotContain(wrong, f.Settings.ToString());

        // with the right key everything works, and the key reaches neither the cache nor the logs
        using var ok = new LlmForecaster(server.Settings(dir), log);
        var b = await ok.ForecastAsync(Q(30));
        Assert.Equal(LlmFailure.Unparseable, b.Failure);
        foreach (var file in Directory.GetFiles(dir, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(server.ApiKey, File.ReadAllText(file));
        }

        Assert.DoesNotContain(server.ApiKey, log.All);
    }

    [Fact]
    public async Task The_callers_cancellation_throws_instead_of_giving_a_missing_answer()
    {
        await server.FaultsAsync(new { delayMs = 10_000 });
        using var f = new LlmForecaster(server.Settings());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => f.ForecastAsync(Q(40), cts.Token));
    }

    [Fact]
    public async Task Throughput_and_requests_in_flight_against_the_local_server_follow_the_concurrency()
    {
        foreach (var concurrency in new[] { 1, 2, 4 })
        {
            await server.ResetAsync();
            using var f = new LlmForecaster(server.Settings() with { Concurrency = concurrency, MaxTokens = 32 });
            var questions = Enumerable.Range(100, 16).Select(i => Q(i)).ToList();
            var sw = Stopwatch.StartNew();
            var answers = await f.ForecastManyAsync(questions);
            sw.Stop();
            var stats = await server.StatsAsync();
            Assert.All(answers, a => Assert.Equal(LlmFailure.Unparseable, a.Failure));
            Assert.True(stats.MaxInFlight <= concurrency);
            Assert.True(f.Stats.MaxInFlight <= concurrency);
            output.WriteLine(
                $"concurrency {concurrency}: 16 requests in {sw.ElapsedMilliseconds} ms = {16 / sw.Elapsed.TotalSeconds:F1} req/s, "
                + $"max in flight server {stats.MaxInFlight} client {f.Stats.MaxInFlight}, "
                + $"prompt {stats.PromptTokens / 16} tok/req, completion {stats.CompletionTokens} tok, "
                + $"{(stats.PromptTokens + stats.CompletionTokens) / sw.Elapsed.TotalSeconds:F0} tok/s");
        }

        output.WriteLine($"server startup {server.StartupTime.TotalMilliseconds:F0} ms, model {server.ModelBytes} bytes");
    }

    [Fact]
    public async Task Against_a_slow_endpoint_throughput_grows_with_the_requests_in_flight()
    {
        // a remote GPU server is latency-bound: 250 ms per answer, whatever the load (here: a delay
        // before the real generation); 16 questions then take about 16 / concurrency * 250 ms
        var rates = new Dictionary<int, double>();
        foreach (var concurrency in new[] { 1, 4, 16 })
        {
            await server.ResetAsync();
            await server.FaultsAsync(new { delayMs = 250 });
            using var f = new LlmForecaster(server.Settings() with { Concurrency = concurrency, MaxTokens = 8 });
            var questions = Enumerable.Range(200, 16).Select(i => Q(i)).ToList();
            var sw = Stopwatch.StartNew();
            var answers = await f.ForecastManyAsync(questions);
            sw.Stop();
            var stats = await server.StatsAsync();
            Assert.Equal(16, stats.Completions);
            Assert.Equal(concurrency, stats.MaxInFlight);
            rates[concurrency] = 16 / sw.Elapsed.TotalSeconds;
            output.WriteLine($"250 ms endpoint, concurrency {concurrency}: 16 requests in {sw.ElapsedMilliseconds} ms = {rates[concurrency]:F1} req/s, max in flight {stats.MaxInFlight}");
        }

        Assert.True(rates[4] > 1.8 * rates[1], $"4 in flight: {rates[4]:F1} vs {rates[1]:F1} req/s");
        Assert.True(rates[16] > rates[4], $"16 in flight: {rates[16]:F1} vs {rates[4]:F1} req/s");
    }
}

public sealed class LlmForecasterOfflineSpec
{
    [Fact]
    public async Task A_closed_port_is_a_transport_failure_after_the_retries()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var f = new LlmForecaster(new LlmSettings
        {
            BaseUrl = $"http://127.0.0.1:{port}/v1",
            Model = "none",
            CacheMode = LlmCacheMode.Off,
            Retries = 2,
            BackoffBase = TimeSpan.FromMilliseconds(10),
            Timeout = TimeSpan.FromSeconds(5),
        });
        var a = await f.ForecastAsync(PromptAndSettingsSpec.Question());
        Assert.Equal(LlmFailure.Transport, a.Failure);
        Assert.StartsWith("transport", a.Error);
        Assert.Equal(3, a.Attempts);
    }
}
