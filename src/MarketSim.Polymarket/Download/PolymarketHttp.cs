using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace MarketSim.Polymarket.Download;

/// <summary>How the downloaders talk to Gamma and CLOB: rate limit, retries, backoff (docs/polymarket.md, "Downloading from Polymarket").</summary>
/// <param name="RequestsPerSecond">At most this many requests start per second (≤ 0: unlimited).</param>
/// <param name="MaxRetries">Retries of one request on 429, 5xx, timeouts and connection errors before giving up.</param>
/// <param name="BaseDelay">First backoff; attempt k waits BaseDelay·2^k with ±50 % jitter, capped at <paramref name="MaxDelay"/>.</param>
/// <param name="MaxDelay">Cap of one backoff, also of a server's Retry-After.</param>
/// <param name="Timeout">Timeout of one request.</param>
/// <param name="Seed">Seed of the jitter RNG (fixed so that runs are reproducible).</param>
public sealed record HttpPolicy(
    double RequestsPerSecond = 5,
    int MaxRetries = 6,
    TimeSpan? BaseDelay = null,
    TimeSpan? MaxDelay = null,
    TimeSpan? Timeout = null,
    int Seed = 1)
{
    internal TimeSpan FirstDelay => BaseDelay ?? TimeSpan.FromSeconds(1);

    internal TimeSpan DelayCap => MaxDelay ?? TimeSpan.FromSeconds(60);

    internal TimeSpan RequestTimeout => Timeout ?? TimeSpan.FromSeconds(30);
}

/// <summary>An HTTP answer the downloader could not use: the URL, the status (0 when none came) and why.</summary>
public sealed class PolymarketHttpException(string url, int status, string message, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The URL that was asked.</summary>
    public string Url { get; } = url;

    /// <summary>The HTTP status, or 0 when no answer came.</summary>
    public int Status { get; } = status;
}

/// <summary>One HTTP answer: status and body.</summary>
public readonly record struct HttpAnswer(int Status, string Body);

/// <summary>
/// GET with a rate limit and retries: 429, 5xx, timeouts and connection failures are retried with
/// exponential backoff and seeded jitter, honouring Retry-After; other statuses are returned to the caller.
/// </summary>
internal sealed class PolymarketHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly bool _ownsClient;
    private readonly HttpPolicy _policy;
    private readonly Random _rng;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _nextSlot = TimeSpan.Zero;

    public PolymarketHttp(HttpPolicy policy, HttpClient? client = null)
    {
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _ownsClient = client is null;
        _client = client ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        if (_ownsClient)
        {
            _client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
            _client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        }
        _rng = new Random(policy.Seed);
    }

    /// <summary>The User-Agent sent (some front ends refuse requests without one).</summary>
    public const string UserAgent = "MarketSim/0.1";

    /// <summary>Requests sent, retries included.</summary>
    public int Requests { get; private set; }

    /// <summary>Retries made (after 429, 5xx, timeouts, connection errors).</summary>
    public int Retries { get; private set; }

    /// <summary>Called with a line before each retry (URL, status, delay).</summary>
    public Action<string>? OnRetry { get; set; }

    /// <summary>
    /// GETs <paramref name="url"/>; returns any non-retryable answer (2xx or 4xx other than 429). Throws
    /// <see cref="PolymarketHttpException"/> once the retries are spent.
    /// </summary>
    public async Task<HttpAnswer> GetAsync(string url, CancellationToken cancellation)
    {
        for (var attempt = 0; ; attempt++)
        {
            cancellation.ThrowIfCancellationRequested();
            await WaitForSlotAsync(cancellation).ConfigureAwait(false);
            Requests++;
            int status;
            string body;
            TimeSpan? retryAfter = null;
            Exception? failure = null;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
            {
                timeout.CancelAfter(_policy.RequestTimeout);
                try
                {
                    using var response = await _client.GetAsync(url, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
                    status = (int)response.StatusCode;
                    body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                    retryAfter = RetryAfter(response);
                }
                catch (OperationCanceledException e) when (!cancellation.IsCancellationRequested)
                {
                    status = 0;
                    body = string.Empty;
                    failure = new TimeoutException($"no answer within {_policy.RequestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", e);
                }
                catch (HttpRequestException e)
                {
                    status = 0;
                    body = string.Empty;
                    failure = e;
                }
            }

            var retryable = failure is not null || status == 429 || status >= 500;
            if (!retryable)
            {
                return new HttpAnswer(status, body);
            }

            var what = failure is null ? $"HTTP {status}{Snippet(body)}" : failure.Message;
            if (attempt >= _policy.MaxRetries)
            {
                throw new PolymarketHttpException(url, status, $"GET {url} failed after {attempt + 1} attempts: {what}", failure);
            }

            var delay = Backoff(attempt, retryAfter);
            Retries++;
            OnRetry?.Invoke($"GET {url}: {what}; retry {attempt + 1}/{_policy.MaxRetries} in {delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s");
            await Task.Delay(delay, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>The wait before retry <paramref name="attempt"/> (0-based): Retry-After if given, else exponential with jitter; both capped.</summary>
    internal TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } ra)
        {
            return ra < TimeSpan.Zero ? TimeSpan.Zero : ra > _policy.DelayCap ? _policy.DelayCap : ra;
        }

        var exp = _policy.FirstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        var jittered = exp * (0.5 + _rng.NextDouble());
        return TimeSpan.FromMilliseconds(Math.Min(jittered, _policy.DelayCap.TotalMilliseconds));
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    private async Task WaitForSlotAsync(CancellationToken cancellation)
    {
        if (_policy.RequestsPerSecond <= 0)
        {
            return;
        }

        var gap = TimeSpan.FromSeconds(1 / _policy.RequestsPerSecond);
        var now = _clock.Elapsed;
        if (_nextSlot > now)
        {
            await Task.Delay(_nextSlot - now, cancellation).ConfigureAwait(false);
            now = _nextSlot;
        }

        _nextSlot = now + gap;
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            return date - DateTimeOffset.UtcNow;
        }

        return null;
    }

    internal static string Snippet(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return string.Empty;
        }

        var text = body.ReplaceLineEndings(" ").Trim();
        return ": " + (text.Length > 200 ? text[..200] + "…" : text);
    }
}
