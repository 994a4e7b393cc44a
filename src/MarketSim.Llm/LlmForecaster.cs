using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Chat;

namespace MarketSim.Llm;

/// <summary>Counters of one forecaster (since it was created).</summary>
public sealed record LlmForecasterStats(
    long Questions,
    long CacheHits,
    long Requests,
    long Retries,
    long Failures,
    long Unparseable,
    int MaxInFlight,
    long PromptTokens,
    long CompletionTokens);

/// <summary>
/// An LLM miner's brain: puts <see cref="ForecastQuestion"/>s to an OpenAI-compatible
/// chat-completions endpoint (through the OpenAI package's <see cref="ChatClient"/>) and reads a
/// probability out of each answer. At most <see cref="LlmSettings.Concurrency"/> requests are in
/// flight (a semaphore held per attempt, not during back-off). Attempts that time out, fail to
/// connect or get 408/429/5xx are retried up to <see cref="LlmSettings.Retries"/> times with
/// exponential back-off and seeded jitter (a server's Retry-After is honoured, capped by
/// <see cref="LlmSettings.BackoffMax"/>). A failed or unparseable answer is a missing answer, never
/// an exception; only the caller's cancellation and a corrupt entry in a read-only cache throw.
/// The API key is read from the environment once, sent only in the Authorization header, and
/// scrubbed from every error text and log line.
/// </summary>
public sealed class LlmForecaster : IDisposable
{
    private const string NoKey = "sk-no-key";
    private readonly LlmSettings _settings;
    private readonly ILogger? _logger;
    private readonly HttpClient _http;
    private readonly ChatClient _chat;
    private readonly LlmResponseCache _cache;
    private readonly SemaphoreSlim _gate;
    private readonly string _secret;
    private long _questions, _cacheHits, _requests, _retries, _failures, _unparseable, _promptTokens, _completionTokens;
    private int _inFlight, _maxInFlight;

    /// <summary>Creates a forecaster; <paramref name="logger"/> gets retries, failures and cache warnings (never the key).</summary>
    public LlmForecaster(LlmSettings settings, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _settings = settings;
        _logger = logger;
        var key = Environment.GetEnvironmentVariable(settings.ApiKeyEnv);
        _secret = string.IsNullOrEmpty(key) ? NoKey : key;
        _gate = new SemaphoreSlim(settings.Concurrency, settings.Concurrency);
        _cache = new LlmResponseCache(settings.CacheMode == LlmCacheMode.Off ? "." : settings.CacheDir, settings.CacheMode, logger);
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = settings.Concurrency,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.All,
        })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(settings.BaseUrl.TrimEnd('/')),
            Transport = new HttpClientPipelineTransport(_http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // retries are ours: counted, seeded, logged
            NetworkTimeout = settings.Timeout + settings.Timeout + TimeSpan.FromSeconds(10), // our per-attempt timeout fires first
        };
        _chat = new ChatClient(settings.Model, new ApiKeyCredential(_secret), options);
        if (string.IsNullOrEmpty(key) && settings.CacheMode != LlmCacheMode.Read)
        {
            _logger?.LogInformation("No API key in ${Env}; sending a placeholder (fine for local servers)", settings.ApiKeyEnv);
        }
    }

    /// <summary>The settings.</summary>
    public LlmSettings Settings => _settings;

    /// <summary>The response cache.</summary>
    public LlmResponseCache Cache => _cache;

    /// <summary>Counters so far.</summary>
    public LlmForecasterStats Stats => new(
        Interlocked.Read(ref _questions), Interlocked.Read(ref _cacheHits), Interlocked.Read(ref _requests),
        Interlocked.Read(ref _retries), Interlocked.Read(ref _failures), Interlocked.Read(ref _unparseable),
        Volatile.Read(ref _maxInFlight), Interlocked.Read(ref _promptTokens), Interlocked.Read(ref _completionTokens));

    /// <summary>The canonical JSON of the request for <paramref name="q"/> (what the cache key hashes).</summary>
    public string CanonicalRequest(ForecastQuestion q) => CanonicalJson(ForecastPrompt.Build(q, _settings.IncludeMarketPrice));

    /// <summary>The cache key of <paramref name="q"/> under these settings.</summary>
    public string CacheKeyOf(ForecastQuestion q) => LlmResponseCache.KeyOf(CanonicalRequest(q));

    /// <summary>Answers many questions at once (in flight up to the concurrency); answers come back in input order.</summary>
    public async Task<IReadOnlyList<LlmAnswer>> ForecastManyAsync(IReadOnlyList<ForecastQuestion> questions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(questions);
        var tasks = new Task<LlmAnswer>[questions.Count];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = ForecastAsync(questions[i], cancellationToken);
        }

        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>
    /// Answers one question: from the cache when it holds the answer, otherwise from the endpoint
    /// (with retries). Never throws for a failed or unparseable answer: that is a missing answer.
    /// </summary>
    public async Task<LlmAnswer> ForecastAsync(ForecastQuestion question, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(question);
        Interlocked.Increment(ref _questions);
        var started = Stopwatch.GetTimestamp();
        var canonical = CanonicalRequest(question);
        var key = LlmResponseCache.KeyOf(canonical);

        var cached = _cache.TryRead(key);
        if (cached is not null)
        {
            Interlocked.Increment(ref _cacheHits);
            return Answer(question, key, cached.Content, fromCache: true, Stopwatch.GetElapsedTime(started), attempts: 0);
        }

        if (_settings.CacheMode == LlmCacheMode.Read)
        {
            Interlocked.Increment(ref _failures);
            return new LlmAnswer(question.Id, null, "", $"cache miss: no entry {_cache.PathOf(key)} and the cache is read-only",
                false, Stopwatch.GetElapsedTime(started), LlmFailure.CacheMiss, 0, key);
        }

        var body = RequestBody(ForecastPrompt.Build(question, _settings.IncludeMarketPrice));
        LlmFailure failure = LlmFailure.None;
        string error = "", raw = "";
        var attempt = 0;
        for (; attempt <= _settings.Retries; attempt++)
        {
            if (attempt > 0)
            {
                Interlocked.Increment(ref _retries);
            }

            var outcome = await AttemptAsync(body, cancellationToken).ConfigureAwait(false);
            if (outcome.Content is not null)
            {
                _cache.Write(key, canonical, new LlmCacheEntry(key, outcome.Content, outcome.FinishReason));
                return Answer(question, key, outcome.Content, fromCache: false, Stopwatch.GetElapsedTime(started), attempt + 1);
            }

            (failure, error, raw) = (outcome.Failure, outcome.Error!, outcome.Raw ?? "");
            if (!outcome.Retryable || attempt == _settings.Retries)
            {
                break;
            }

            var delay = Backoff(key, attempt, outcome.RetryAfter);
            _logger?.LogWarning("LLM request for {Question} failed ({Error}); retry {Retry}/{Retries} in {Delay} ms",
                question.Id, error, attempt + 1, _settings.Retries, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }

        Interlocked.Increment(ref _failures);
        var attempts = Math.Min(attempt + 1, _settings.Retries + 1);
        _logger?.LogWarning("LLM answer for {Question} is missing after {Attempts} attempt(s): {Error}", question.Id, attempts, error);
        return new LlmAnswer(question.Id, null, raw, error, false, Stopwatch.GetElapsedTime(started), failure, attempts, key);
    }

    /// <summary>Disposes the HTTP connections.</summary>
    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }

    private LlmAnswer Answer(ForecastQuestion q, string key, string content, bool fromCache, TimeSpan latency, int attempts)
    {
        var p = ProbabilityParser.Parse(content);
        if (p is null)
        {
            Interlocked.Increment(ref _unparseable);
            _logger?.LogInformation("LLM answer for {Question} has no readable probability ({Chars} chars kept)", q.Id, content.Length);
            return new LlmAnswer(q.Id, null, content, "unparseable: no probability in [0, 1] found in the answer", fromCache, latency,
                LlmFailure.Unparseable, attempts, key);
        }

        return new LlmAnswer(q.Id, p, content, null, fromCache, latency, LlmFailure.None, attempts, key);
    }

    private sealed record Outcome(string? Content, string? FinishReason, LlmFailure Failure, string? Error, string? Raw, bool Retryable, TimeSpan? RetryAfter);

    private async Task<Outcome> AttemptAsync(byte[] body, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var now = Interlocked.Increment(ref _inFlight);
        for (var seen = Volatile.Read(ref _maxInFlight); now > seen; seen = Volatile.Read(ref _maxInFlight))
        {
            if (Interlocked.CompareExchange(ref _maxInFlight, now, seen) == seen)
            {
                break;
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.Timeout);
        try
        {
            Interlocked.Increment(ref _requests);
            var result = await _chat.CompleteChatAsync(BinaryContent.Create(BinaryData.FromBytes(body)),
                new RequestOptions { CancellationToken = timeout.Token }).ConfigureAwait(false);
            return ReadCompletion(result.GetRawResponse().Content);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Outcome(null, null, LlmFailure.Timeout,
                $"timeout: no answer within {_settings.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", null, true, null);
        }
        catch (ClientResultException e) when (e.Status != 0)
        {
            var response = e.GetRawResponse();
            var text = Redact(SafeContent(response));
            TimeSpan? retryAfter = null;
            if (response?.Headers.TryGetValue("Retry-After", out var ra) == true
                && double.TryParse(ra, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                retryAfter = TimeSpan.FromSeconds(seconds);
            }

            var retryable = e.Status is 408 or 429 || e.Status >= 500;
            return new Outcome(null, null, LlmFailure.Http, $"HTTP {e.Status}: {Shorten(ErrorMessage(text))}", text, retryable, retryAfter);
        }
        catch (Exception e) when (e is ClientResultException or HttpRequestException or IOException)
        {
            return new Outcome(null, null, LlmFailure.Transport, $"transport: {Shorten(Redact(e.Message))}", null, true, null);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _gate.Release();
        }
    }

    private Outcome ReadCompletion(BinaryData content)
    {
        try
        {
            using var doc = JsonDocument.Parse(content.ToMemory());
            var choice = doc.RootElement.GetProperty("choices")[0];
            var message = choice.GetProperty("message");
            var text = message.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
            var finish = choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            if (doc.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                if (usage.TryGetProperty("prompt_tokens", out var pt) && pt.TryGetInt64(out var ptv))
                {
                    Interlocked.Add(ref _promptTokens, ptv);
                }

                if (usage.TryGetProperty("completion_tokens", out var ct) && ct.TryGetInt64(out var ctv))
                {
                    Interlocked.Add(ref _completionTokens, ctv);
                }
            }

            return new Outcome(text, finish, LlmFailure.None, null, null, false, null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            var raw = Redact(Encoding.UTF8.GetString(content.ToMemory().Span));
            return new Outcome(null, null, LlmFailure.Transport, "transport: the response is not a chat completion", raw, false, null);
        }
    }

    private TimeSpan Backoff(string key, int attempt, TimeSpan? retryAfter)
    {
        // exponential with jitter in [0.5, 1): the jitter is a hash of (seed, request, attempt), so a
        // replay waits the same and concurrent misses do not retry in lock-step
        var expo = _settings.BackoffBase.TotalMilliseconds * Math.Pow(2, attempt);
        var capped = Math.Min(expo, _settings.BackoffMax.TotalMilliseconds);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{_settings.Seed ?? 0}/{key}/{attempt}"));
        var u = BitConverter.ToUInt64(hash, 0) / (double)ulong.MaxValue;
        var ms = capped * (0.5 + 0.5 * u);
        if (retryAfter is { } ra)
        {
            ms = Math.Max(ms, Math.Min(ra.TotalMilliseconds, _settings.BackoffMax.TotalMilliseconds));
        }

        return TimeSpan.FromMilliseconds(ms);
    }

    internal string Redact(string text) =>
        _secret.Length >= 4 && text.Contains(_secret, StringComparison.Ordinal) ? text.Replace(_secret, "[REDACTED]", StringComparison.Ordinal) : text;

    private static string SafeContent(PipelineResponse? response)
    {
        try
        {
            return response?.Content?.ToString() ?? "";
        }
        catch (InvalidOperationException)
        {
            return "";
        }
    }

    private static string ErrorMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("error", out var err))
            {
                if (err.ValueKind == JsonValueKind.String)
                {
                    return err.GetString()!;
                }

                if (err.ValueKind == JsonValueKind.Object && err.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                {
                    return m.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
        }

        return body;
    }

    private static string Shorten(string s) => s.Length <= 300 ? s : s[..300] + "…";

    private byte[] RequestBody(IReadOnlyList<ChatTurn> messages)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", _settings.Model);
            WriteMessages(w, messages);
            w.WriteNumber("temperature", _settings.Temperature);
            if (_settings.TopP is { } topP)
            {
                w.WriteNumber("top_p", topP);
            }

            w.WriteNumber(_settings.MaxTokensField, _settings.MaxTokens);
            if (_settings.Seed is { } seed)
            {
                w.WriteNumber("seed", seed);
            }

            w.WriteBoolean("stream", false);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    // what the cache key hashes: the model, the messages and the sampling parameters, in a fixed
    // order and spelling (independent of max-tokens-field, base URL and API key)
    private string CanonicalJson(IReadOnlyList<ChatTurn> messages)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", _settings.Model);
            WriteMessages(w, messages);
            w.WriteNumber("temperature", _settings.Temperature);
            if (_settings.TopP is { } topP)
            {
                w.WriteNumber("top_p", topP);
            }
            else
            {
                w.WriteNull("top_p");
            }

            w.WriteNumber("max_tokens", _settings.MaxTokens);
            if (_settings.Seed is { } seed)
            {
                w.WriteNumber("seed", seed);
            }
            else
            {
                w.WriteNull("seed");
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteMessages(Utf8JsonWriter w, IReadOnlyList<ChatTurn> messages)
    {
        w.WriteStartArray("messages");
        foreach (var m in messages)
        {
            w.WriteStartObject();
            w.WriteString("role", m.Role);
            w.WriteString("content", m.Content);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
