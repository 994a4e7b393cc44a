using MarketSim.Hocon;

namespace MarketSim.Llm;

/// <summary>Reads <see cref="LlmSettings"/> from HOCON (the keys of reference.conf's <c>marketsim.llm</c>).</summary>
public static class LlmSettingsConfig
{
    /// <summary>The path of the defaults in the merged reference configuration.</summary>
    public const string ReferencePath = "marketsim.llm";

    /// <summary>
    /// Settings from <paramref name="block"/> (e.g. a miner group's <c>llm { }</c>), each missing key
    /// taken from <see cref="LlmSettings"/>'s defaults (which reference.conf mirrors). Validated.
    /// </summary>
    public static LlmSettings FromConfig(Config block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var d = new LlmSettings();
        var s = new LlmSettings
        {
            BaseUrl = block.GetString("base-url", d.BaseUrl)!,
            Model = block.GetString("model", d.Model)!,
            ApiKeyEnv = block.GetString("api-key-env", d.ApiKeyEnv)!,
            Temperature = block.HasPath("temperature") ? block.GetDouble("temperature") : d.Temperature,
            TopP = block.HasPath("top-p") ? block.GetDouble("top-p") : null,
            MaxTokens = block.HasPath("max-tokens") ? block.GetInt("max-tokens") : d.MaxTokens,
            MaxTokensField = block.GetString("max-tokens-field", d.MaxTokensField)!,
            Seed = block.GetValue("seed") is null ? d.Seed : block.HasPath("seed") ? block.GetLong("seed") : null,
            Concurrency = block.HasPath("concurrency") ? block.GetInt("concurrency") : d.Concurrency,
            Timeout = block.HasPath("timeout") ? block.GetTimeSpan("timeout", allowInfinite: false) : d.Timeout,
            Retries = block.HasPath("retries") ? block.GetInt("retries") : d.Retries,
            BackoffBase = block.HasPath("backoff-base") ? block.GetTimeSpan("backoff-base", allowInfinite: false) : d.BackoffBase,
            BackoffMax = block.HasPath("backoff-max") ? block.GetTimeSpan("backoff-max", allowInfinite: false) : d.BackoffMax,
            CacheMode = block.HasPath("cache") ? LlmCacheModes.Parse(block.GetString("cache")!) : d.CacheMode,
            CacheDir = block.GetString("cache-dir", d.CacheDir)!,
            IncludeMarketPrice = block.HasPath("include-market-price") ? block.GetBoolean("include-market-price") : d.IncludeMarketPrice,
        };
        s.Validate();
        return s;
    }

    /// <summary>The defaults as reference.conf states them (<c>marketsim.llm</c>).</summary>
    public static LlmSettings Reference() =>
        FromConfig(ConfigFactory.FromResource(typeof(LlmSettingsConfig).Assembly, "MarketSim.Llm.reference.conf").GetConfig(ReferencePath));
}
