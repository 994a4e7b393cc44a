using MarketSim.Llm;

namespace MarketSim.Llm.Tests;

public class PromptAndSettingsSpec
{
    internal static ForecastQuestion Question(string id = "q1", string text = "Will the Fed cut rates at its June 2025 meeting?", double? price = 0.42) =>
        new(id, text, "Resolves YES if the FOMC statement of 18 June 2025 lowers the target range.",
            new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 6, 18, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2025, 3, 15, 12, 0, 0, TimeSpan.Zero), price);

    [Fact]
    public void The_prompt_carries_the_question_rules_dates_and_market_price_and_asks_for_reasoning_and_a_final_probability()
    {
        var turns = ForecastPrompt.Build(Question());
        Assert.Equal(["system", "user"], turns.Select(t => t.Role));
        var user = turns[1].Content;
        Assert.Contains("Question: Will the Fed cut rates at its June 2025 meeting?", user);
        Assert.Contains("Resolution criteria: Resolves YES if the FOMC statement", user);
        Assert.Contains("Question open date: 2025-01-02", user);
        Assert.Contains("Question close date: 2025-06-18", user);
        Assert.Contains("Today's date: 2025-03-15", user);
        Assert.Contains("Current market probability (the crowd's price for YES): 0.42", user);
        Assert.Contains("reasons why the answer might be no", user);
        Assert.Contains("\"Probability: 0.XX\"", user);
        Assert.DoesNotContain("q1", user);
    }

    [Fact]
    public void The_market_price_is_left_out_when_absent_or_disabled()
    {
        Assert.DoesNotContain("market probability", ForecastPrompt.Build(Question(price: null))[1].Content);
        Assert.DoesNotContain("market probability", ForecastPrompt.Build(Question(), includeMarketPrice: false)[1].Content);
    }

    [Fact]
    public void The_prompt_does_not_depend_on_the_current_culture()
    {
        var before = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            var a = ForecastPrompt.Build(Question(price: 0.125))[1].Content;
            var comma = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            comma.DateTimeFormat.DateSeparator = ".";
            System.Globalization.CultureInfo.CurrentCulture = comma;
            var b = ForecastPrompt.Build(Question(price: 0.125))[1].Content;
            Assert.Equal(a, b);
            Assert.Contains("0.125", b);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = before;
        }
    }

    [Theory]
    [InlineData("off", LlmCacheMode.Off)]
    [InlineData("read", LlmCacheMode.Read)]
    [InlineData("readwrite", LlmCacheMode.ReadWrite)]
    [InlineData("READ-WRITE", LlmCacheMode.ReadWrite)]
    public void Cache_modes_parse_as_the_command_line_spells_them(string text, LlmCacheMode mode)
    {
        Assert.Equal(mode, LlmCacheModes.Parse(text));
        Assert.Equal(mode, LlmCacheModes.Parse(LlmCacheModes.Format(mode)));
    }

    [Fact]
    public void An_unknown_cache_mode_is_a_format_error_naming_the_option() =>
        Assert.Contains("--llm-cache", Assert.Throws<FormatException>(() => LlmCacheModes.Parse("sometimes")).Message);

    [Fact]
    public void Bad_settings_are_rejected_with_the_setting_named()
    {
        Assert.Contains("llm.base-url", Assert.Throws<ArgumentException>(() => new LlmSettings { BaseUrl = "ftp://x" }.Validate()).Message);
        Assert.Contains("llm.concurrency", Assert.Throws<ArgumentException>(() => new LlmSettings { Concurrency = 0 }.Validate()).Message);
        Assert.Contains("llm.temperature", Assert.Throws<ArgumentException>(() => new LlmSettings { Temperature = 3 }.Validate()).Message);
        Assert.Contains("llm.retries", Assert.Throws<ArgumentException>(() => new LlmSettings { Retries = -1 }.Validate()).Message);
        new LlmSettings().Validate();
    }

    [Fact]
    public void The_cache_key_covers_model_prompt_and_sampling_but_not_endpoint_key_or_question_id()
    {
        var baseSettings = new LlmSettings { Model = "m", CacheMode = LlmCacheMode.Off };
        string Key(LlmSettings s, ForecastQuestion q)
        {
            using var f = new LlmForecaster(s);
            return f.CacheKeyOf(q);
        }

        var k = Key(baseSettings, Question());
        Assert.Matches("^[0-9a-f]{64}$", k);
        Assert.Equal(k, Key(baseSettings, Question()));
        Assert.Equal(k, Key(baseSettings, Question(id: "other-id")));
        Assert.Equal(k, Key(baseSettings with { BaseUrl = "http://elsewhere:1/v1", ApiKeyEnv = "OTHER", MaxTokensField = "max_completion_tokens" }, Question()));
        Assert.NotEqual(k, Key(baseSettings with { Model = "m2" }, Question()));
        Assert.NotEqual(k, Key(baseSettings with { Temperature = 0.7 }, Question()));
        Assert.NotEqual(k, Key(baseSettings with { TopP = 0.9 }, Question()));
        Assert.NotEqual(k, Key(baseSettings with { MaxTokens = 10 }, Question()));
        Assert.NotEqual(k, Key(baseSettings with { Seed = 7 }, Question()));
        Assert.NotEqual(k, Key(baseSettings with { Seed = null }, Question()));
        Assert.NotEqual(k, Key(baseSettings, Question(price: 0.43)));
        Assert.NotEqual(k, Key(baseSettings, Question(text: "Will it rain?")));
    }
}

public class LlmSettingsConfigSpec
{
    [Fact]
    public void The_reference_conf_states_the_same_defaults_as_the_settings_record() =>
        Assert.Equal(new LlmSettings(), LlmSettingsConfig.Reference());

    [Fact]
    public void A_hocon_block_sets_every_key()
    {
        var block = MarketSim.Hocon.ConfigFactory.ParseString("""
            base-url = "http://gpu-box:8000/v1"
            model = "Qwen/Qwen2.5-7B-Instruct"
            api-key-env = VLLM_KEY
            temperature = 0.6
            top-p = 0.95
            max-tokens = 2048
            max-tokens-field = max_completion_tokens
            seed = null
            concurrency = 32
            timeout = 90s
            retries = 5
            backoff-base = 250ms
            backoff-max = 1m
            cache = read
            cache-dir = "runs/llm-cache"
            include-market-price = false
            """);
        var s = LlmSettingsConfig.FromConfig(block);
        Assert.Equal(new LlmSettings
        {
            BaseUrl = "http://gpu-box:8000/v1",
            Model = "Qwen/Qwen2.5-7B-Instruct",
            ApiKeyEnv = "VLLM_KEY",
            Temperature = 0.6,
            TopP = 0.95,
            MaxTokens = 2048,
            MaxTokensField = "max_completion_tokens",
            Seed = null,
            Concurrency = 32,
            Timeout = TimeSpan.FromSeconds(90),
            Retries = 5,
            BackoffBase = TimeSpan.FromMilliseconds(250),
            BackoffMax = TimeSpan.FromMinutes(1),
            CacheMode = LlmCacheMode.Read,
            CacheDir = "runs/llm-cache",
            IncludeMarketPrice = false,
        }, s);
    }

    [Fact]
    public void A_bad_value_in_hocon_names_the_key() =>
        Assert.Contains("llm.concurrency", Assert.Throws<ArgumentException>(() =>
            LlmSettingsConfig.FromConfig(MarketSim.Hocon.ConfigFactory.ParseString("concurrency = 0"))).Message);
}

public sealed class LlmResponseCacheSpec : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("marketsim-llm-cache-spec-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string NewDir() => Directory.CreateDirectory(Path.Combine(_root, Guid.NewGuid().ToString("N"))).FullName;

    // as the forecaster writes it: System.Text.Json's default (escaping) encoder
    private static string Canonical(string text) =>
        System.Text.Json.JsonSerializer.Serialize(new { model = "m", messages = new[] { new { role = "user", content = text } } });

    [Fact]
    public void An_entry_written_is_read_back_and_lives_under_its_hash()
    {
        var dir = NewDir();
        var cache = new LlmResponseCache(dir, LlmCacheMode.ReadWrite);
        var json = Canonical("héllo \u2581 \"quoted\"");
        var key = LlmResponseCache.KeyOf(json);
        Assert.Null(cache.TryRead(key));
        Assert.True(cache.Write(key, json, new LlmCacheEntry(key, "Probability: 0.3\u0000\ufffd", "stop")));
        Assert.Equal(new LlmCacheEntry(key, "Probability: 0.3\u0000\ufffd", "stop"), cache.TryRead(key));
        Assert.Equal(Path.Combine(dir, key[..2], key + ".json"), cache.PathOf(key));
        Assert.Equal([cache.PathOf(key)], Directory.GetFiles(dir, "*", SearchOption.AllDirectories));
        Assert.Equal(new LlmCacheEntry(key, "Probability: 0.3\u0000\ufffd", "stop"), new LlmResponseCache(dir, LlmCacheMode.Read).TryRead(key));
        Assert.Null(new LlmResponseCache(dir, LlmCacheMode.Off).TryRead(key));
    }

    [Fact]
    public void Read_and_off_modes_never_write()
    {
        var dir = NewDir();
        var json = Canonical("x");
        var key = LlmResponseCache.KeyOf(json);
        Assert.False(new LlmResponseCache(dir, LlmCacheMode.Read).Write(key, json, new LlmCacheEntry(key, "a", null)));
        Assert.False(new LlmResponseCache(dir, LlmCacheMode.Off).Write(key, json, new LlmCacheEntry(key, "a", null)));
        Assert.Empty(Directory.GetFiles(dir, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_cache_that_cannot_be_written_is_a_warning_not_a_failure()
    {
        var file = Path.Combine(_root, "not-a-folder"); // a file where the cache folder should be
        File.WriteAllText(file, "");
        var log = new CapturingLogger();
        var cache = new LlmResponseCache(file, LlmCacheMode.ReadWrite, log);
        var json = Canonical("y");
        var key = LlmResponseCache.KeyOf(json);
        Assert.False(cache.Write(key, json, new LlmCacheEntry(key, "a", null)));
        Assert.Contains("Cannot write LLM cache entry", log.All);
    }
}
