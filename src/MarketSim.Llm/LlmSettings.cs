using System.Globalization;

namespace MarketSim.Llm;

/// <summary>What the response cache may do: <c>--llm-cache off|read|readwrite</c>.</summary>
public enum LlmCacheMode
{
    /// <summary>Every question goes to the endpoint; nothing is read or written.</summary>
    Off,

    /// <summary>Answers come from the cache only; a miss is a missing answer and no request is sent (offline replay).</summary>
    Read,

    /// <summary>A hit is answered from the cache; a miss goes to the endpoint and its answer is stored.</summary>
    ReadWrite,
}

/// <summary>Parses and prints <see cref="LlmCacheMode"/> the way the command line and HOCON spell it.</summary>
public static class LlmCacheModes
{
    /// <summary>"off", "read" or "readwrite" (also "read-write", "rw"), case-insensitive.</summary>
    public static LlmCacheMode Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "off" or "none" => LlmCacheMode.Off,
        "read" or "read-only" or "readonly" => LlmCacheMode.Read,
        "readwrite" or "read-write" or "rw" => LlmCacheMode.ReadWrite,
        _ => throw new FormatException($"--llm-cache: expected off, read or readwrite, got '{text}'"),
    };

    /// <summary>The canonical spelling: off, read, readwrite.</summary>
    public static string Format(LlmCacheMode mode) => mode switch
    {
        LlmCacheMode.Off => "off",
        LlmCacheMode.Read => "read",
        _ => "readwrite",
    };
}

/// <summary>
/// How an LLM miner talks to its OpenAI-compatible chat-completions endpoint. The API key is never
/// part of the settings: <see cref="ApiKeyEnv"/> names the environment variable that holds it.
/// </summary>
public sealed record LlmSettings
{
    /// <summary>The endpoint's base URL including the version path, e.g. http://gpu-host:8000/v1 (vLLM), http://host:8080/v1 (llama.cpp server), http://host:11434/v1 (Ollama).</summary>
    public string BaseUrl { get; init; } = "http://127.0.0.1:8000/v1";

    /// <summary>The model name the server knows (sent as "model").</summary>
    public string Model { get; init; } = "default";

    /// <summary>The environment variable holding the API key. When it is unset or empty a placeholder is sent (local servers ignore it).</summary>
    public string ApiKeyEnv { get; init; } = "OPENAI_API_KEY";

    /// <summary>Sampling temperature (0 = greedy).</summary>
    public double Temperature { get; init; }

    /// <summary>Nucleus sampling; null leaves it to the server.</summary>
    public double? TopP { get; init; }

    /// <summary>The most tokens an answer may have.</summary>
    public int MaxTokens { get; init; } = 1024;

    /// <summary>The JSON field that carries <see cref="MaxTokens"/>: "max_tokens" (vLLM, llama.cpp, Ollama) or "max_completion_tokens" (OpenAI's newer models).</summary>
    public string MaxTokensField { get; init; } = "max_tokens";

    /// <summary>Sampling seed sent as "seed" (null: not sent). Also seeds the retry jitter.</summary>
    public long? Seed { get; init; } = 0;

    /// <summary>Requests in flight at most, per forecaster.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Time limit of one attempt.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Retries after the first attempt, on 408, 429, 5xx, timeouts and connection failures.</summary>
    public int Retries { get; init; } = 3;

    /// <summary>The first retry waits about this long; each further one twice as long (with jitter).</summary>
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts (also caps a server's Retry-After).</summary>
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>What the response cache may do.</summary>
    public LlmCacheMode CacheMode { get; init; } = LlmCacheMode.ReadWrite;

    /// <summary>The cache folder (content-addressed files <c>ab/abcdef….json</c>).</summary>
    public string CacheDir { get; init; } = "llm-cache";

    /// <summary>Whether the prompt shows the market price when the question has one.</summary>
    public bool IncludeMarketPrice { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            throw new ArgumentException($"llm.base-url: not an http(s) URL: '{BaseUrl}'");
        }

        Check(!string.IsNullOrWhiteSpace(Model), "llm.model: empty");
        Check(!string.IsNullOrWhiteSpace(ApiKeyEnv), "llm.api-key-env: empty");
        Check(Temperature is >= 0 and <= 2, $"llm.temperature: {Temperature.ToString(CultureInfo.InvariantCulture)} is outside [0, 2]");
        Check(TopP is null or (> 0 and <= 1), "llm.top-p: outside (0, 1]");
        Check(MaxTokens > 0, "llm.max-tokens: must be positive");
        Check(MaxTokensField is "max_tokens" or "max_completion_tokens", "llm.max-tokens-field: max_tokens or max_completion_tokens");
        Check(Concurrency > 0, "llm.concurrency: must be positive");
        Check(Timeout > TimeSpan.Zero, "llm.timeout: must be positive");
        Check(Retries >= 0, "llm.retries: must be zero or more");
        Check(BackoffBase >= TimeSpan.Zero && BackoffMax >= BackoffBase, "llm.backoff: need 0 <= base <= max");
        Check(CacheMode == LlmCacheMode.Off || !string.IsNullOrWhiteSpace(CacheDir), "llm.cache-dir: empty while the cache is on");
    }

    private static void Check(bool ok, string message)
    {
        if (!ok)
        {
            throw new ArgumentException(message);
        }
    }
}
