using MarketSim.Hocon;

namespace MarketSim.Hocon.Tests;

/// <summary>Worked examples from the HOCON specification (HOCON.md).</summary>
public class SpecExamplesSpec
{
    [Fact]
    public void Objects_with_the_same_key_merge()
    {
        Assert.Equal("""{"foo":{"a":42,"b":43}}""", H.Json("foo : { a : 42 },\nfoo : { b : 43 }"));
    }

    [Fact]
    public void Null_between_objects_prevents_the_merge()
    {
        Assert.Equal("""{"foo":{"b":43}}""", H.Json("foo : { a : 42 },\nfoo : null,\nfoo : { b : 43 }"));
    }

    [Fact]
    public void Later_substitution_sees_the_merged_value()
    {
        Assert.Equal("""{"bar":{"foo":43,"baz":43}}""", H.Json("bar : { foo : 42,\n        baz : ${bar.foo}\n      }\nbar : { foo : 43 }"));
    }

    [Fact]
    public void Self_reference_to_a_child_of_the_previous_value()
    {
        var c = H.Parse("foo : { a : { c : 1 } }\nfoo : ${foo.a}\nfoo : { a : 2 }");
        Assert.Equal(1, c.GetInt("foo.c"));
        Assert.Equal(2, c.GetInt("foo.a"));
    }

    [Fact]
    public void Path_grows_by_self_reference()
    {
        Assert.Equal("a:b:c:d", H.Parse("path : \"a:b:c\"\npath : ${path}\":d\"").GetString("path"));
    }

    [Fact]
    public void Optional_self_reference_without_a_previous_value_leaves_the_field_undefined()
    {
        Assert.False(H.Parse("foo : ${?foo}").HasPath("foo"));
    }

    [Fact]
    public void Mutual_references_are_cycles()
    {
        Assert.Throws<ConfigException>(() => H.Parse("bar : ${foo}\nfoo : ${bar}").ToJson());
        Assert.Throws<ConfigException>(() => H.Parse("a : ${b}\nb : ${c}\nc : ${a}").ToJson());
    }

    [Fact]
    public void Plus_equals_is_sugar_for_optional_self_reference_and_array_concatenation()
    {
        Assert.Equal(H.Json("a = ${?a} [b]"), H.Json("a += b"));
        Assert.Equal("""{"path":["/bin","/usr/bin"]}""", H.Json("path = [ /bin ]\npath = ${path} [ /usr/bin ]"));
    }

    [Fact]
    public void Data_center_inheritance_by_object_concatenation()
    {
        var c = H.Parse("""
            data-center-generic = { cluster-size = 6 }
            data-center-east = ${data-center-generic} { name = "east" }
            data-center-west = ${data-center-generic}
            data-center-west = { name = "west", cluster-size = 8 }
            """);
        Assert.Equal("""{"cluster-size":6,"name":"east"}""", c.GetConfig("data-center-east").ToJson(false));
        Assert.Equal(8, c.GetInt("data-center-west.cluster-size"));
        Assert.Equal("west", c.GetString("data-center-west.name"));
    }

    [Fact]
    public void Arrays_without_commas_concatenate_their_elements()
    {
        Assert.Equal("""{"a":["1 2 3 4"],"b":[[1,2,3,4]],"c":[{"a":42,"b":43}]}""",
            H.Json("a = [ 1 2 3 4 ]\nb = [ [ 1, 2 ] [ 3, 4 ] ]\nc = [ { a : 42 } { b : 43 } ]"));
    }

    [Fact]
    public void Unquoted_concatenation_examples()
    {
        Assert.Equal("""{"key":"foo bar baz","k2":"true xyz 123 foo"}""", H.Json("key : \"foo\" bar \"baz\"\nk2 : true \"xyz\" 123 foo"));
    }

    [Fact]
    public void Paths_as_keys_examples()
    {
        Assert.Equal(H.Json("foo { bar : 42 }"), H.Json("foo.bar : 42"));
        Assert.Equal(H.Json("foo { bar { baz : 42 } }"), H.Json("foo.bar.baz : 42"));
        Assert.Equal("""{"3":{"14":42}}""", H.Json("3.14 : 42"));
        Assert.Equal("""{"a b c":42}""", H.Json("a b c : 42"));
        Assert.Equal("""{"true":42}""", H.Json("true : 42"));
        Assert.Equal("""{"foo.bar":42}""", H.Json("\"foo.bar\" : 42"));
        Assert.Equal("""{"foo":{"bar":{"baz":42}}}""", H.Json("foo.bar { baz : 42 }"));
    }

    [Fact]
    public void Numerically_indexed_object_converts_to_array()
    {
        var c = H.Parse("foo { \"2\" = c, \"0\" = a, \"1\" = b, bar = ignored }");
        Assert.Equal(["a", "b", "c"], c.GetStringList("foo"));
        var props = H.Parse("list.0 = x\nlist.1 = y");
        Assert.Equal(["x", "y"], props.GetStringList("list"));
    }

    [Fact]
    public void Include_reroots_substitutions_under_the_include_location()
    {
        // foo.conf: x : 10, y : ${x} ; included as `a : { include "foo.conf" }` gives a.y = ${a.x}
        var c = H.Parse($"a : {{ include \"{H.Fixture("bar.conf").Replace("\\", "\\\\", StringComparison.Ordinal)}\" }}");
        Assert.Equal(10, c.GetInt("a.y"));
    }

    [Fact]
    public void Multi_line_string_example()
    {
        var c = H.Parse("text = \"\"\"\n  Hello\n  World\"\"\"");
        Assert.Equal("\n  Hello\n  World", c.GetString("text"));
    }

    [Fact]
    public void Env_style_substitution_for_home()
    {
        var home = Environment.GetEnvironmentVariable("HOME");
        if (home is not null)
        {
            Assert.Equal(home + "/.cache", H.Parse("cache = ${HOME}\"/.cache\"").GetString("cache"));
        }
    }
}
