using MarketSim.Hocon;

namespace MarketSim.Hocon.Tests;

public class IncludeSpec
{
    private static string Q(string path) => Renderer(path);

    private static string Renderer(string path) => "\"" + path.Replace("\\", "\\\\", StringComparison.Ordinal) + "\"";

    [Fact]
    public void Include_of_a_file_merges_its_fields_at_the_root()
    {
        var c = H.Parse($"include {Q(H.Fixture("equiv.conf"))}\nother = 1");
        Assert.Equal("""{"name":"market sim","other":1}""", c.ToJson(false));
    }

    [Fact]
    public void Later_fields_override_included_ones_and_included_override_earlier()
    {
        var c = H.Parse($"name = before\ninclude file({Q(H.Fixture("equiv.conf"))})");
        Assert.Equal("market sim", c.GetString("name"));
        var c2 = H.Parse($"include file({Q(H.Fixture("equiv.conf"))})\nname = after");
        Assert.Equal("after", c2.GetString("name"));
    }

    [Fact]
    public void Include_inside_an_object_reroots_keys_and_substitutions()
    {
        // HOCON.md "Include semantics: substitution": ${x} in the included file becomes ${foo.x}
        var c = H.Parse($"foo {{ include {Q(H.Fixture("bar.conf"))} }}\nx = 999");
        Assert.Equal("""{"foo":{"x":10,"y":10},"x":999}""", c.ToJson(false));
    }

    [Fact]
    public void Rerooted_substitution_falls_back_to_the_root_when_not_found_relative()
    {
        var c = H.Parse($"top-level = hi\nsub {{ include {Q(H.Fixture("fallback-to-parent.conf"))} }}");
        Assert.Equal("hi", c.GetString("sub.greeting"));
    }

    [Fact]
    public void Relative_includes_resolve_against_the_including_file_directory_and_nest()
    {
        var c = ConfigFactory.ParseFile(H.Fixture("main.conf"));
        Assert.Equal("""{"child-loaded":true,"app":{"name":"main","port":9000,"url":"http://localhost:9000","deep":9000}}""", c.ToJson(false));
    }

    [Fact]
    public void Include_without_extension_merges_conf_over_json_over_properties()
    {
        var c = H.Parse($"include {Q(Path.Combine(AppContext.BaseDirectory, "fixtures", "both"))}");
        Assert.Equal("conf", c.GetString("shared"));
        Assert.Equal("conf", c.GetString("from-conf"));
        Assert.Equal("json", c.GetString("from-json"));
        Assert.Equal("props", c.GetString("from.properties"));
    }

    [Fact]
    public void Missing_optional_includes_are_ignored()
    {
        var c = H.Parse("include \"does-not-exist.conf\"\ninclude file(\"nope/missing\")\na = 1");
        Assert.Equal("""{"a":1}""", c.ToJson(false));
    }

    [Fact]
    public void Missing_required_includes_name_the_file_and_line()
    {
        var e = H.ParseError("a = 1\ninclude required(file(\"missing-required.conf\"))", "app.conf");
        Assert.Equal(2, e.Line);
        Assert.Contains("missing-required.conf", e.Message);
        Assert.StartsWith("app.conf:2:1:", e.Message);
        var e2 = H.ParseError("include required(\"also-missing\")");
        Assert.Contains("also-missing", e2.Message);
    }

    [Fact]
    public void Include_cycles_are_an_error()
    {
        var e = Assert.Throws<HoconParseException>(() => ConfigFactory.ParseFile(H.Fixture("cycle-a.conf")));
        Assert.Contains("include cycle", e.Message);
        Assert.Contains("cycle-a.conf -> cycle-b.conf -> cycle-a.conf", e.Message);
    }

    [Fact]
    public void File_urls_are_supported_and_other_urls_are_a_clear_error()
    {
        var uri = new Uri(H.Fixture("equiv.conf")).AbsoluteUri;
        Assert.Equal("market sim", H.Parse($"include url(\"{uri}\")").GetString("name"));
        var e = H.ParseError("include url(\"http://example.com/x.conf\")");
        Assert.Contains("file://", e.Message);
    }

    [Fact]
    public void Classpath_includes_find_embedded_resources_of_marketsim_assemblies()
    {
        var c = H.Parse("x { include classpath(\"reference.conf\") }");
        Assert.Equal("lightbend-hocon", c.GetString("x.marketsim.hocon.spec"));
        Assert.Equal("""{}""", H.Parse("include classpath(\"nothing-like-this.conf\")").ToJson(false));
    }

    [Fact]
    public void Json_files_parse_as_json()
    {
        var c = ConfigFactory.ParseFile(H.Fixture("data.json"));
        Assert.Equal(8080, c.GetInt("server.port"));
        Assert.Equal(["a", "b"], c.GetStringList("tags"));
        Assert.False(c.HasPath("nothing"));
    }

    [Fact]
    public void Include_keyword_accepts_whitespace_inside_qualifiers()
    {
        var c = H.Parse($"include required( file( {Q(H.Fixture("equiv.conf"))} ) )");
        Assert.Equal("market sim", c.GetString("name"));
    }

    [Fact]
    public void Parse_file_of_a_missing_file_is_a_config_error()
    {
        Assert.Throws<ConfigException>(() => ConfigFactory.ParseFile(H.Fixture("no-such-file.conf")));
    }
}
