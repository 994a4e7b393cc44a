using MarketSim.Hocon;

namespace MarketSim.Hocon.Tests;

public class GetterSpec
{
    private static readonly Config C = H.Parse("""
        s = hello
        n = 42
        big = 10000000000
        d = 2.5
        b = true
        q = "a b"
        nul = null
        obj { x = 1, y = [1, 2] }
        list = [a, 1, true]
        ints = [1, 2, 3]
        dbls = [1, 2.5]
        cfgs = [{ name = a }, { name = b }]
        indexed { "1" = b, "0" = a, "10" = c, x = ignored }
        """);

    [Fact]
    public void Missing_paths_return_the_default()
    {
        Assert.Null(C.GetString("nope"));
        Assert.Equal("d", C.GetString("nope.deeper", "d"));
        Assert.Equal(7, C.GetInt("nope", 7));
        Assert.Equal(7L, C.GetLong("nope", 7));
        Assert.Equal(1.5, C.GetDouble("nope", 1.5));
        Assert.True(C.GetBoolean("nope", true));
        Assert.Equal(TimeSpan.FromSeconds(3), C.GetTimeSpan("nope", TimeSpan.FromSeconds(3)));
        Assert.Equal(5L, C.GetByteSize("nope", 5));
        Assert.Null(C.GetByteSize("nope"));
        Assert.Empty(C.GetStringList("nope"));
        Assert.Equal(["z"], C.GetStringList("nope", ["z"]));
        Assert.Empty(C.GetIntList("nope"));
        Assert.Empty(C.GetConfigList("nope"));
        Assert.Same(Config.Empty, C.GetConfig("nope"));
    }

    [Fact]
    public void Null_values_read_as_missing()
    {
        Assert.False(C.HasPath("nul"));
        Assert.Equal("dflt", C.GetString("nul", "dflt"));
        Assert.True(C.HasPath("s"));
        Assert.True(C.HasPath("obj.x"));
        Assert.False(C.HasPath("s.x"));
    }

    [Fact]
    public void Scalars_convert_to_strings()
    {
        Assert.Equal("hello", C.GetString("s"));
        Assert.Equal("42", C.GetString("n"));
        Assert.Equal("true", C.GetString("b"));
        Assert.Equal("a b", C.GetString("q"));
    }

    [Fact]
    public void Numbers_read_as_int_long_and_double()
    {
        Assert.Equal(42, C.GetInt("n"));
        Assert.Equal(10000000000L, C.GetLong("big"));
        Assert.Equal(2.5, C.GetDouble("d"));
        Assert.Equal(42.0, C.GetDouble("n"));
        Assert.Equal(5, H.Parse("a = \"5\"").GetInt("a"));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("yes", true)]
    [InlineData("Yes", true)]
    [InlineData("on", true)]
    [InlineData("false", false)]
    [InlineData("no", false)]
    [InlineData("OFF", false)]
    public void Boolean_words_are_accepted(string word, bool expected)
    {
        Assert.Equal(expected, H.Parse($"a = {word}").GetBoolean("a"));
    }

    [Fact]
    public void Wrong_types_throw_naming_path_origin_and_expectation()
    {
        var e = Assert.Throws<ConfigException>(() => C.GetInt("s"));
        Assert.Contains("'s'", e.Message);
        Assert.Contains("<string>:1:5", e.Message);
        Assert.Contains("expected int", e.Message);
        Assert.Contains("expected int (32-bit range)", Assert.Throws<ConfigException>(() => C.GetInt("big")).Message);
        Assert.Contains("expected boolean", Assert.Throws<ConfigException>(() => C.GetBoolean("s")).Message);
        Assert.Contains("expected string but found object", Assert.Throws<ConfigException>(() => C.GetString("obj")).Message);
        Assert.Contains("expected list", Assert.Throws<ConfigException>(() => C.GetStringList("s")).Message);
        Assert.Contains("expected object", Assert.Throws<ConfigException>(() => C.GetConfig("s")).Message);
        Assert.Contains("expected number", Assert.Throws<ConfigException>(() => C.GetDouble("s")).Message);
        Assert.Contains("list[0]", Assert.Throws<ConfigException>(() => C.GetIntList("list")).Message);
        Assert.Contains("expected duration", Assert.Throws<ConfigException>(() => C.GetTimeSpan("s")).Message);
        Assert.Contains("expected size", Assert.Throws<ConfigException>(() => C.GetByteSize("s")).Message);
        Assert.Contains("expected int", Assert.Throws<ConfigException>(() => C.GetInt("d")).Message);
    }

    [Fact]
    public void Lists_of_strings_ints_doubles_and_configs()
    {
        Assert.Equal(["a", "1", "true"], C.GetStringList("list"));
        Assert.Equal([1, 2, 3], C.GetIntList("ints"));
        Assert.Equal([1.0, 2.5], C.GetDoubleList("dbls"));
        Assert.Equal(["a", "b"], C.GetConfigList("cfgs").Select(c => c.GetString("name")));
    }

    [Fact]
    public void Numerically_indexed_objects_convert_to_lists()
    {
        Assert.Equal(["a", "b", "c"], C.GetStringList("indexed"));
    }

    [Fact]
    public void Sub_configs_see_resolved_values()
    {
        var c = H.Parse("base = 5\nsvc { port = ${base} }");
        var svc = c.GetConfig("svc");
        Assert.Equal(5, svc.GetInt("port"));
        Assert.Equal("""{"port":5}""", svc.ToJson(false));
    }

    [Theory]
    [InlineData("5s", 5000)]
    [InlineData("100 ms", 100)]
    [InlineData("2 h", 7200000)]
    [InlineData("1.5 s", 1500)]
    [InlineData("250", 250)]
    [InlineData("3 minutes", 180000)]
    [InlineData("1 minute", 60000)]
    [InlineData("2m", 120000)]
    [InlineData("1d", 86400000)]
    [InlineData("2 days", 172800000)]
    [InlineData("1 day", 86400000)]
    [InlineData("1 hour", 3600000)]
    [InlineData("4 hours", 14400000)]
    [InlineData("7 seconds", 7000)]
    [InlineData("1 second", 1000)]
    [InlineData("9 millis", 9)]
    [InlineData("9 milliseconds", 9)]
    [InlineData("9 millisecond", 9)]
    [InlineData("9 milli", 9)]
    public void Durations_parse_with_every_unit_spelling(string text, long millis)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(millis), H.Parse($"t = {text}").GetTimeSpan("t"));
    }

    [Theory]
    [InlineData("3000 ns", 30)]
    [InlineData("3000 nanos", 30)]
    [InlineData("3000 nanoseconds", 30)]
    [InlineData("100 nanosecond", 1)]
    [InlineData("100 nano", 1)]
    [InlineData("5 us", 50)]
    [InlineData("5 micros", 50)]
    [InlineData("5 microseconds", 50)]
    [InlineData("5 microsecond", 50)]
    [InlineData("5 micro", 50)]
    public void Sub_millisecond_durations_are_exact_to_the_tick(string text, long ticks)
    {
        Assert.Equal(TimeSpan.FromTicks(ticks), H.Parse($"t = {text}").GetTimeSpan("t"));
    }

    [Fact]
    public void Infinite_duration_is_allowed_only_when_asked()
    {
        var c = H.Parse("t = infinite");
        Assert.Equal(Timeout.InfiniteTimeSpan, c.GetTimeSpan("t"));
        Assert.Throws<ConfigException>(() => c.GetTimeSpan("t", allowInfinite: false));
    }

    [Theory]
    [InlineData("64 KiB", 65536)]
    [InlineData("10 kB", 10000)]
    [InlineData("1024", 1024)]
    [InlineData("5 b", 5)]
    [InlineData("5B", 5)]
    [InlineData("1 byte", 1)]
    [InlineData("3 bytes", 3)]
    [InlineData("1K", 1024)]
    [InlineData("1k", 1024)]
    [InlineData("1Ki", 1024)]
    [InlineData("2 kibibytes", 2048)]
    [InlineData("1 kilobyte", 1000)]
    [InlineData("1 MB", 1000000)]
    [InlineData("1 megabytes", 1000000)]
    [InlineData("1 M", 1048576)]
    [InlineData("1 m", 1048576)]
    [InlineData("1 Mi", 1048576)]
    [InlineData("1 MiB", 1048576)]
    [InlineData("1 mebibyte", 1048576)]
    [InlineData("1 GB", 1000000000)]
    [InlineData("1 G", 1073741824)]
    [InlineData("1 GiB", 1073741824)]
    [InlineData("1 gibibytes", 1073741824)]
    [InlineData("1 TB", 1000000000000)]
    [InlineData("1 TiB", 1099511627776)]
    [InlineData("1 T", 1099511627776)]
    [InlineData("1 PB", 1000000000000000)]
    [InlineData("1 PiB", 1125899906842624)]
    [InlineData("1 EB", 1000000000000000000)]
    [InlineData("1 EiB", 1152921504606846976)]
    [InlineData("1.5 KiB", 1536)]
    public void Sizes_parse_with_every_unit_spelling(string text, long bytes)
    {
        Assert.Equal(bytes, H.Parse($"s = {text}").GetByteSize("s"));
    }

    [Fact]
    public void Getter_paths_support_quoted_segments_and_reject_malformed_paths()
    {
        var c = H.Parse("a { \"b.c\" = 1 }");
        Assert.Equal(1, c.GetInt("a.\"b.c\""));
        Assert.Throws<ConfigException>(() => c.GetInt("a..b"));
    }

    [Fact]
    public void Operators_append_fallbacks_with_the_right_priority()
    {
        var baseConfig = H.Parse("a = 1\nb = 1");
        Assert.Equal(1, (baseConfig + "a = 2\nc = 3").GetInt("a"));
        Assert.Equal(3, (baseConfig + "a = 2\nc = 3").GetInt("c"));
        Assert.Equal(2, ("a = 2" + baseConfig).GetInt("a"));
        Assert.Equal(1, ("a = 2" + baseConfig).GetInt("b"));
    }

    [Theory]
    [InlineData("\"a b\"", "\"a b\"")]
    [InlineData("[1,2]", "[1,2]")]
    [InlineData("5s", "\"5s\"")]
    [InlineData("42", "42")]
    [InlineData("{ x = 1 }", "{\"y\":2,\"x\":1}")]
    public void Cli_style_overrides_parse_and_win(string value, string expectedJson)
    {
        var file = H.Parse("app { v = 1, w = keep }\napp.v { y = 2 }");
        var merged = ConfigFactory.ParseString($"app.v = {value}").WithFallback(file);
        Assert.Equal("{\"app\":{\"v\":" + expectedJson + ",\"w\":\"keep\"}}", merged.ToJson(false));
        Assert.Equal(merged.ToJson(false), file.WithValue("app.v", value).ToJson(false));
    }

    [Fact]
    public void Reference_merges_embedded_reference_conf_and_load_uses_it_as_fallback()
    {
        var reference = ConfigFactory.Reference();
        Assert.Equal("lightbend-hocon", reference.GetString("marketsim.hocon.spec"));
        var loaded = ConfigFactory.Load(H.Parse("marketsim.hocon.spec = mine"));
        Assert.Equal("mine", loaded.GetString("marketsim.hocon.spec"));
        var fromResource = ConfigFactory.FromResource(typeof(Config).Assembly, "MarketSim.Hocon.reference.conf");
        Assert.True(fromResource.HasPath("marketsim.hocon"));
    }
}
