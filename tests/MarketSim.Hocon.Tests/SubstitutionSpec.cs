using MarketSim.Hocon;

namespace MarketSim.Hocon.Tests;

public class SubstitutionSpec
{
    [Fact]
    public void Simple_substitutions_copy_values_of_any_type()
    {
        Assert.Equal("""{"a":{"b":1,"c":[1,2]},"x":1,"y":[1,2],"z":{"b":1,"c":[1,2]}}""",
            H.Json("a { b = 1, c = [1, 2] }\nx = ${a.b}\ny = ${a.c}\nz = ${a}"));
    }

    [Fact]
    public void Substitution_may_refer_to_a_later_field()
    {
        Assert.Equal("""{"a":"v","b":"v"}""", H.Json("a = ${b}\nb = v"));
    }

    [Fact]
    public void Quoted_path_segments_in_substitutions_keep_dots()
    {
        Assert.Equal("""{"a.b":{"c":5},"x":5}""", H.Json("\"a.b\".c = 5\nx = ${\"a.b\".c}"));
    }

    [Fact]
    public void Substitutions_concatenate_with_strings_arrays_and_objects()
    {
        Assert.Equal("""{"a":"foo","b":"foo bar","l":[1,2],"m":[1,2,3],"o":{"x":1},"p":{"x":2,"y":3}}""",
            H.Json("a = foo\nb = ${a} bar\nl = [1,2]\nm = ${l} [3]\no { x = 1 }\np = ${o} { x = 2, y = 3 }"));
    }

    [Fact]
    public void Numbers_substituted_into_strings_render_as_text()
    {
        Assert.Equal("""{"port":80,"url":"http://h:80/x"}""", H.Json("port = 80\nurl = \"http://h:\"${port}\"/x\""));
    }

    [Fact]
    public void Optional_substitution_that_is_undefined_removes_the_field()
    {
        var c = H.Parse("a = ${?nope_not_here_123}\nb = 1");
        Assert.False(c.HasPath("a"));
        Assert.Equal("""{"b":1}""", c.ToJson(false));
    }

    [Fact]
    public void Optional_substitution_that_is_undefined_drops_an_array_element_and_is_empty_in_strings()
    {
        Assert.Equal("""{"a":[1,3],"s":"x  y"}""", H.Json("a = [1, ${?nope_xyz_1}, 3]\ns = x ${?nope_xyz_1} y"));
    }

    [Fact]
    public void Optional_undefined_substitution_does_not_override_an_earlier_value()
    {
        Assert.Equal("""{"a":1}""", H.Json("a = 1\na = ${?nope_xyz_2}"));
    }

    [Fact]
    public void Required_undefined_substitution_is_an_error_naming_it_and_its_position()
    {
        var c = H.Parse("a = 1\nb = ${missing.path_qq}");
        var e = Assert.Throws<ConfigException>(() => c.GetInt("a"));
        Assert.Contains("${missing.path_qq}", e.Message);
        Assert.Contains("<string>:2:5", e.Message);
    }

    [Fact]
    public void Resolution_is_late_so_a_fallback_can_supply_a_substitution()
    {
        var app = H.Parse("greeting = hello ${who}");
        var fallback = H.Parse("who = world");
        Assert.Equal("hello world", app.WithFallback(fallback).GetString("greeting"));
    }

    [Fact]
    public void A_fallback_substitution_sees_the_overriding_value()
    {
        var app = H.Parse("port = 9000");
        var reference = H.Parse("port = 80\nurl = \"http://h:\"${port}");
        Assert.Equal("http://h:9000", app.WithFallback(reference).GetString("url"));
    }

    [Fact]
    public void With_fallback_of_itself_is_harmless()
    {
        var c = H.Parse("a = ${?a} [1]\nb = 2");
        Assert.Equal(c.ToJson(false), c.WithFallback(c).ToJson(false));
        Assert.Equal("""{"a":[1],"b":2}""", c.WithFallback(c).WithFallback(c).ToJson(false));
    }

    [Fact]
    public void Environment_variables_are_a_fallback_for_missing_paths()
    {
        var name = "MARKETSIM_HOCON_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "from-env");
        try
        {
            Assert.Equal("from-env", H.Parse($"a = ${{{name}}}").GetString("a"));
            Assert.Equal("from-env", H.Parse($"a = ${{?{name}}}").GetString("a"));
            Assert.Equal("config", H.Parse($"{name} = config\na = ${{{name}}}").GetString("a"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void Self_referential_substitution_looks_at_the_previous_value()
    {
        Assert.Equal("""{"path":"a:b:c"}""", H.Json("path = a\npath = ${path}\":b\"\npath = ${path}\":c\""));
        Assert.Equal("""{"foo":{"a":1,"b":2}}""", H.Json("foo { a = 1 }, foo = ${foo} { b = 2 }"));
    }

    [Fact]
    public void Self_referential_optional_list_append()
    {
        Assert.Equal("""{"a":["x"]}""", H.Json("a = ${?a} [x]"));
        Assert.Equal("""{"a":[1,"x"]}""", H.Json("a = [1]\na = ${?a} [x]"));
    }

    [Fact]
    public void Self_reference_sees_a_value_from_a_fallback()
    {
        var app = H.Parse("path = ${path}\":/app\"");
        var reference = H.Parse("path = /usr");
        Assert.Equal("/usr:/app", app.WithFallback(reference).GetString("path"));
        var list = H.Parse("list += c").WithFallback(H.Parse("list = [a, b]"));
        Assert.Equal(["a", "b", "c"], list.GetStringList("list"));
    }

    [Fact]
    public void Self_reference_without_a_previous_value_is_an_error()
    {
        var e = Assert.Throws<ConfigException>(() => H.Parse("foo_self_q : ${foo_self_q}").ToJson());
        Assert.Contains("foo_self_q", e.Message);
    }

    [Fact]
    public void Plus_equals_appends_to_an_array()
    {
        Assert.Equal("""{"a":[1,2,3]}""", H.Json("a = [1]\na += 2\na += 3"));
        Assert.Equal("""{"a":[{"x":1}]}""", H.Json("a += { x = 1 }"));
        Assert.Equal("""{"o":{"l":["x","y"]}}""", H.Json("o { l += x }\no.l += y"));
    }

    [Fact]
    public void Cycles_are_detected_and_named()
    {
        var e = Assert.Throws<ConfigException>(() => H.Parse("a = ${b}\nb = ${a}").ToJson());
        Assert.Contains("a -> b -> a", e.Message);
        var e2 = Assert.Throws<ConfigException>(() => H.Parse("a = ${b}\nb = ${c}\nc = ${a}").GetString("a"));
        Assert.Contains("a -> b -> c -> a", e2.Message);
    }

    [Fact]
    public void An_object_containing_a_reference_to_itself_is_a_cycle()
    {
        var e = Assert.Throws<ConfigException>(() => H.Parse("a { b = ${a} }").ToJson());
        Assert.Contains("cycle", e.Message);
    }

    [Fact]
    public void Substitution_into_path_of_a_substituted_object()
    {
        Assert.Equal("""{"base":{"x":1},"copy":{"x":1},"y":1}""", H.Json("base { x = 1 }\ncopy = ${base}\ny = ${copy.x}"));
    }

    [Fact]
    public void Object_merged_over_a_substitution_keeps_both()
    {
        Assert.Equal("""{"defaults":{"a":1,"b":2},"svc":{"a":1,"b":3,"c":4}}""",
            H.Json("defaults { a = 1, b = 2 }\nsvc = ${defaults}\nsvc.b = 3\nsvc { c = 4 }"));
    }

    [Fact]
    public void Resolution_happens_once_and_is_cached()
    {
        var c = H.Parse("a = ${b}\nb = 1");
        Assert.Same(c.Root, c.Root);
        Assert.Equal(1, c.GetInt("a"));
    }

    [Fact]
    public void Concurrent_first_access_resolves_consistently()
    {
        var c = H.Parse(string.Join('\n', Enumerable.Range(0, 200).Select(i => $"k{i} = ${{base}}-{i}")) + "\nbase = b");
        var results = new string[8];
        Parallel.For(0, 8, i => results[i] = c.ToJson(false));
        Assert.All(results, r => Assert.Equal(results[0], r));
    }

    [Fact]
    public void Siblings_inside_an_inherited_object_may_refer_to_each_other()
    {
        var c = H.Parse("""
            defaults { host = localhost, tags = [core] }
            svc = ${defaults} { port = 80, url = "http://"${svc.host}":"${svc.port} }
            svc.tags += extra
            """);
        Assert.Equal("http://localhost:80", c.GetString("svc.url"));
        Assert.Equal(["core", "extra"], c.GetStringList("svc.tags"));
    }

    [Fact]
    public void A_substitution_into_a_string_valued_field_cannot_see_children()
    {
        var c = H.Parse("a = text\nb = ${?a.child}");
        Assert.False(c.HasPath("b"));
    }
}
