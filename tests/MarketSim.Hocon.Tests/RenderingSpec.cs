using FsCheck;
using FsCheck.Fluent;
using MarketSim.Hocon;

namespace MarketSim.Hocon.Tests;

public class RenderingSpec
{
    private const string Complex = """"
        app {
          name = "market sim"
          "dotted.key" = 1
          "" = empty-key
          include-me = "include"
          "with space" = "tab\there \"quoted\" \\ back"
          nested { list = [1, 2.5, -3e2, true, null, "x"], objs = [{ a = 1 }, { b = [] }], empty = {} }
          ref = ${app.name}" v2"
          multi = """line1
        line2"""
        }
        """";

    [Fact]
    public void Indented_json_uses_two_spaces()
    {
        Assert.Equal("{\n  \"a\": 1,\n  \"b\": [\n    1,\n    \"x\"\n  ],\n  \"c\": {},\n  \"d\": []\n}", H.Parse("a = 1\nb = [1, x]\nc {}\nd = []").ToJson());
    }

    [Fact]
    public void Compact_json_has_no_whitespace()
    {
        Assert.Equal("""{"a":{"b":[1,{"c":"d"}]}}""", H.Parse("a.b = [1, { c = d }]").ToJson(indented: false));
    }

    [Fact]
    public void Json_numbers_are_normalised_when_hocon_allows_more()
    {
        Assert.Equal("""{"a":7,"b":10}""", H.Json("a = 007\nb = 10"));
    }

    [Fact]
    public void To_hocon_renders_resolved_values_and_reparses_to_the_same_tree()
    {
        var c = H.Parse(Complex);
        var hocon = c.ToHocon();
        Assert.DoesNotContain("${", hocon);
        Assert.Contains("\"dotted.key\" = 1", hocon);
        Assert.Equal(c.ToJson(), ConfigFactory.ParseString(hocon).ToJson());
    }

    [Fact]
    public void To_hocon_output_is_readable()
    {
        Assert.Equal("a = 1\nb {\n  c = \"x\"\n  d = [1, 2]\n}\n", H.Parse("a = 1\nb { c = x, d = [1, 2] }").ToHocon());
    }

    [Fact]
    public void Empty_config_renders_empty()
    {
        Assert.Equal("{}", Config.Empty.ToJson());
        Assert.Equal(string.Empty, Config.Empty.ToHocon());
        Assert.True(ConfigFactory.ParseString(Config.Empty.ToHocon()).IsEmpty);
    }

    [Fact]
    public void Arbitrary_strings_as_keys_and_values_round_trip()
    {
        Prop.ForAll<NonNull<string>, NonNull<string>>((key, value) =>
        {
            var obj = new HoconObject(ConfigOrigin.None);
            obj.SetForTest(key.Get, HoconScalar.FromString(value.Get));
            var config = ConfigFactory.FromValue(obj);
            var reparsed = ConfigFactory.ParseString(config.ToHocon());
            return reparsed.ToJson(false) == config.ToJson(false);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Random_trees_render_to_hocon_and_reparse_to_identical_json()
    {
        Prop.ForAll<int>(seed =>
        {
            var rng = new Random(seed);
            var config = ConfigFactory.FromValue(RandomObject(rng, 0));
            var hocon = config.ToHocon();
            var json = config.ToJson();
            return ConfigFactory.ParseString(hocon).ToJson() == json
                && ConfigFactory.ParseString(json).ToJson() == json;
        }).QuickCheckThrowOnFailure();
    }

    private static readonly string[] KeyPool = ["a", "b", "key", "with.dot", "with space", "", "include", "true", "0", "12", "-x", "ünï", "q\"uote", "back\\slash", "$dollar", "#hash", "//slashes"];

    private static readonly string[] StringPool = ["", "plain", "with space", "line\nbreak", "tab\t", "\"quoted\"", "${not.a.subst}", "# not comment", "// not comment", "true", "null", "42", "1.5", "unicode é ✓", "\u0001ctl", "a,b", "x = y", "{}", "[]"];

    private static HoconObject RandomObject(Random rng, int depth)
    {
        var o = new HoconObject(ConfigOrigin.None);
        var n = rng.Next(0, depth == 0 ? 6 : 4);
        for (var i = 0; i < n; i++)
        {
            o.SetForTest(KeyPool[rng.Next(KeyPool.Length)], RandomValue(rng, depth + 1));
        }

        return o;
    }

    private static HoconValue RandomValue(Random rng, int depth)
    {
        var kind = rng.Next(depth > 3 ? 5 : 7);
        switch (kind)
        {
            case 0:
                return HoconScalar.FromString(StringPool[rng.Next(StringPool.Length)]);
            case 1:
                return new HoconScalar(HoconScalarKind.Number, rng.Next(-100000, 100000).ToString(System.Globalization.CultureInfo.InvariantCulture), ConfigOrigin.None);
            case 2:
                return new HoconScalar(HoconScalarKind.Number, (rng.NextDouble() * 1000).ToString("R", System.Globalization.CultureInfo.InvariantCulture), ConfigOrigin.None);
            case 3:
                return new HoconScalar(HoconScalarKind.Boolean, rng.Next(2) == 0 ? "true" : "false", ConfigOrigin.None);
            case 4:
                return new HoconScalar(HoconScalarKind.Null, "null", ConfigOrigin.None);
            case 5:
                {
                    var a = new HoconArray(ConfigOrigin.None);
                    var n = rng.Next(0, 4);
                    for (var i = 0; i < n; i++)
                    {
                        a.AddForTest(RandomValue(rng, depth + 1));
                    }

                    return a;
                }

            default:
                return RandomObject(rng, depth);
        }
    }
}
