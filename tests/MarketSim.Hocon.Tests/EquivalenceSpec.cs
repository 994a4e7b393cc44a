using MarketSim.Hocon;

namespace MarketSim.Hocon.Tests;

public class EquivalenceSpec
{
    private const string Expected = """{"name":"market sim","port":8080,"tags":["a","b"]}""";

    private static string Inc => "\"" + H.Fixture("equiv.conf").Replace("\\", "\\\\", StringComparison.Ordinal) + "\"";

    public static IEnumerable<object[]> Inputs()
    {
        yield return ["app { name = \"market sim\", port = 8080, tags = [a, b] }"];
        yield return ["{ \"app\": { \"name\": \"market sim\", \"port\": 8080, \"tags\": [\"a\", \"b\"] } }"];
        yield return ["{ app { name = \"market sim\"\n port = 8080\n tags = [a, b] } }"];
        yield return ["app.name = \"market sim\"\napp.port = 8080\napp.tags = [a, b]"];
        yield return ["app : {\n  name : market sim\n  port : 8080\n  tags : [\n    a\n    b\n  ]\n}"];
        yield return ["app = {\n  name = market sim,\n  port = 8080,\n  tags = [a, b,],\n}"];
        yield return ["# comment\napp { // another\n  name = \"\"\"market sim\"\"\" # trailing\n  port = 8080\n  tags = [\"a\"] [\"b\"]\n}"];
        yield return ["app { name = \"market\\u0020sim\", port = 8080, tags = [\"a\", \"\\u0062\"] }"];
        yield return ["app { name = market \"sim\", port = 8080 }\napp.tags = [a]\napp.tags += b"];
        yield return ["s = sim\np = 8080\napp { name = market ${s}, port = ${p}, tags = ${t} }\nt = [a, b]"];
        yield return ["app { name = market, port = 1, tags = [a] }\napp { name = ${app.name}\" sim\", port = 8080, tags = ${app.tags} [b] }"];
        yield return ["base { port = 8080, tags = [a, b] }\napp { name = \"market sim\" }\napp = ${app} ${base}"];
        yield return ["app { include " + Inc + "\n  port = 8080\n  tags = [a, b]\n}"];
        yield return ["app { name = placeholder }\napp { include file(" + Inc + ") }\napp.port = 8080\napp { tags = [a, b] }"];
        yield return ["app.name = x\napp.name = null\napp { name = \"market sim\", port = 8080, tags.0 = a, tags = [a, b] }"];
        yield return ["app { name = \"market sim\" } { port = 8080 } { tags = [a] [b] }"];
        yield return ["\"app\".\"name\" = \"market sim\"\n\"app\" { \"port\" = 8080 }\napp.\"tags\" = [ a\n b ]"];
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Equivalent_inputs_render_byte_identical_json(string hocon)
    {
        Assert.Equal(Expected, ConfigFactory.ParseString(hocon).GetConfig("app").ToJson(indented: false));
    }

    public static IEnumerable<object[]> KeysBeforeSeparatorsOnTheirOwnLine()
    {
        yield return ["a\n  = 1\nb\n  : 2\nc\n{\n  d = 3\n}\ne.f\n  {\n    g = 4\n  }", "a = 1, b : 2, c { d = 3 }, e.f { g = 4 }"];
        yield return ["a # note\n = 1\nb // note\n { }", "a = 1, b { }"];
        yield return ["l = [x]\nl\n  += y\nm\r\n  =\r\n  z", "l = [x], l += y, m = z"];
        yield return ["o {\n  p\n\n  // why\n  :\n  [1, 2]\n  q.r\n  {}\n}", "o { p : [1, 2], q.r {} }"];
    }

    [Theory]
    [MemberData(nameof(KeysBeforeSeparatorsOnTheirOwnLine))]
    public void A_key_and_its_separator_on_separate_lines_render_the_same_json_as_one_line(string multiLine, string oneLine)
    {
        Assert.Equal(H.Json(oneLine), H.Json(multiLine));
    }

    [Fact]
    public void Equivalent_configs_built_with_fallbacks_render_identically()
    {
        // keys keep the order in which they first appeared, deepest fallback first
        var c = H.Parse("app.tags = [a, b]\nsuffix = sim").WithFallback(H.Parse("app { port = 8080 }")).WithFallback(H.Parse("app.name = market ${suffix}"));
        Assert.Equal(Expected, c.GetConfig("app").ToJson(false));
    }
}
