using MarketSim.Hocon;

namespace MarketSim.Hocon.Tests;

public class SyntaxSpec
{
    [Fact]
    public void Plain_json_is_valid_hocon()
    {
        Assert.Equal("""{"a":1,"b":[true,false,null],"c":{"d":"x\ny"},"e":-1.5e3}""",
            H.Json("""{ "a": 1, "b": [true, false, null], "c": { "d": "x\ny" }, "e": -1.5e3 }"""));
    }

    [Fact]
    public void Root_braces_are_optional()
    {
        Assert.Equal(H.Json("{ a = 1 }"), H.Json("a = 1"));
    }

    [Fact]
    public void Empty_input_and_only_comments_give_an_empty_config()
    {
        Assert.True(H.Parse("").IsEmpty);
        Assert.True(H.Parse("# nothing\n// here\n").IsEmpty);
        Assert.Equal("{}", H.Json("{}"));
    }

    [Fact]
    public void Both_comment_styles_are_ignored_even_after_values()
    {
        Assert.Equal("""{"a":1,"b":"x","c":"foo"}""", H.Json("a = 1 # one\nb = x // ex\nc = foo//bar"));
    }

    [Fact]
    public void Comment_markers_inside_quoted_strings_are_text()
    {
        Assert.Equal("""{"a":"x # y // z"}""", H.Json("a = \"x # y // z\""));
    }

    [Fact]
    public void Separator_may_be_equals_or_colon_and_is_omitted_before_a_brace()
    {
        Assert.Equal("""{"a":1,"b":2,"c":{"d":3}}""", H.Json("a = 1\nb : 2\nc { d = 3 }"));
    }

    [Fact]
    public void A_newline_may_come_between_a_key_and_its_separator_or_opening_brace()
    {
        const string hocon = "a\n  = 1\nb\n  : 2\nc\n{\n  d = 3\n}\ne.f\n  {\n    g = 4\n  }";
        Assert.Equal("""{"a":1,"b":2,"c":{"d":3},"e":{"f":{"g":4}}}""", H.Json(hocon));
    }

    [Fact]
    public void Comments_and_blank_lines_may_come_between_a_key_and_its_separator()
    {
        Assert.Equal("""{"a":1}""", H.Json("a # note\n = 1"));
        Assert.Equal("""{"a":{}}""", H.Json("a // note\n { }"));
        Assert.Equal("""{"x":{"b":"two"}}""", H.Json("x {\n  b // one\n\n  # two\n\n  : two\n}"));
    }

    [Fact]
    public void Plus_equals_may_come_on_the_line_after_its_key()
    {
        Assert.Equal("""{"a":[1,2,3]}""", H.Json("a = [1]\na\n  += 2\na # more\n += 3"));
    }

    [Fact]
    public void A_newline_after_a_value_still_ends_the_field()
    {
        Assert.Equal("""{"a":1,"b":2}""", H.Json("a = 1\nb = 2"));
        Assert.Equal("""{"a":{"x":1},"b":{"y":2}}""", H.Json("a { x = 1 }\nb { y = 2 }"));
        Assert.Equal("""{"a":[1,"x",2]}""", H.Json("a = [\n  1\n  x\n  2\n]"));
        H.ParseError("a = 1\n= 2");
    }

    [Fact]
    public void Fields_may_be_separated_by_commas_or_newlines_with_one_trailing_comma()
    {
        Assert.Equal("""{"a":1,"b":2,"c":3}""", H.Json("a = 1, b = 2\nc = 3,"));
        Assert.Equal("""{"x":[1,2,3]}""", H.Json("x = [1, 2\n3,]"));
    }

    [Fact]
    public void Two_trailing_commas_are_an_error()
    {
        H.ParseError("a = [1, 2,,]");
        H.ParseError("a = 1,,\nb = 2");
        H.ParseError("x { a = 1,, }");
    }

    [Fact]
    public void Quoted_strings_support_json_escapes()
    {
        var c = H.Parse("""s = "tab\t quote\" slash\/ back\\ uni\u00e9 \n" """);
        Assert.Equal("tab\t quote\" slash/ back\\ uni\u00e9 \n", c.GetString("s"));
    }

    [Fact]
    public void Unquoted_strings_end_at_forbidden_characters_and_whitespace_inside_is_kept()
    {
        Assert.Equal("""{"a":"hello   world","b":"foo.bar-baz_1"}""", H.Json("a = hello   world\nb = foo.bar-baz_1"));
    }

    [Theory]
    [InlineData("a = x$y")]
    [InlineData("a = x^y")]
    [InlineData("a = x?")]
    [InlineData("a = x!")]
    [InlineData("a = x@y")]
    [InlineData("a = x*y")]
    [InlineData("a = x&y")]
    [InlineData("a = x\\y")]
    [InlineData("a = x`y")]
    [InlineData("a = x+y")]
    public void Forbidden_characters_in_unquoted_strings_are_errors(string hocon)
    {
        H.ParseError(hocon);
    }

    [Fact]
    public void Triple_quoted_strings_are_raw_and_multi_line()
    {
        var c = H.Parse("a = \"\"\"line1\n  \\n \"quoted\" line2\"\"\"");
        Assert.Equal("line1\n  \\n \"quoted\" line2", c.GetString("a"));
    }

    [Fact]
    public void Extra_quotes_before_the_closing_triple_quote_belong_to_the_string()
    {
        Assert.Equal("x\"\"", H.Parse("a = \"\"\"x\"\"\"\"\"").GetString("a"));
        Assert.Equal("\"", H.Parse("a = \"\"\"\"\"\"\"").GetString("a"));
    }

    [Fact]
    public void Numbers_booleans_and_null_keep_their_types()
    {
        Assert.Equal("""{"i":42,"n":-7,"d":3.25,"e":1e+5,"t":true,"f":false,"z":null}""", H.Json("i = 42\nn = -7\nd = 3.25\ne = 1e+5\nt = true\nf = false\nz = null"));
    }

    [Fact]
    public void Words_that_only_start_like_numbers_or_keywords_are_strings()
    {
        Assert.Equal("""{"a":"10s","b":"truex","c":"1.2.3","d":"true foo"}""", H.Json("a = 10s\nb = truex\nc = 1.2.3\nd = true foo"));
    }

    [Fact]
    public void String_concatenation_keeps_whitespace_between_simple_values()
    {
        Assert.Equal("""{"a":"foo bar  baz","b":"1 2 true","c":"quoted and unquoted"}""",
            H.Json("a = foo \"bar\"  baz\nb = 1 2 true\nc = \"quoted\" and unquoted"));
    }

    [Fact]
    public void Array_and_object_concatenation()
    {
        Assert.Equal("""{"a":[1,2,3,4],"o":{"x":1,"y":2,"z":3}}""", H.Json("a = [1, 2] [3] [4]\no = { x = 1 } { y = 2 } { z = 3 }"));
        Assert.Equal("""{"o":{"x":{"p":1,"q":2}}}""", H.Json("o = { x { p = 1 } } { x { q = 2 } }"));
    }

    [Fact]
    public void Mixing_incompatible_types_in_a_concatenation_is_an_error_with_position()
    {
        var e = H.ParseError("a = [1] foo");
        Assert.Equal(1, e.Line);
        Assert.Equal(9, e.Column);
        var e2 = H.ParseError("\nb = { x = 1 } [2]");
        Assert.Equal(2, e2.Line);
        Assert.Contains("concatenation", e2.Message);
    }

    [Fact]
    public void Arrays_hold_mixed_values_and_nest()
    {
        Assert.Equal("""{"a":[1,"two",[3],{"four":4},null]}""", H.Json("a = [1, two, [3], { four = 4 }, null]"));
        Assert.Equal("""{"a":[1,2]}""", H.Json("a = [\n  1\n  2\n]"));
    }

    [Fact]
    public void Path_keys_are_equivalent_to_nested_objects()
    {
        Assert.Equal(H.Json("a { b { c = 1 } }"), H.Json("a.b.c = 1"));
        Assert.Equal("""{"a":{"b":{"c":1,"d":2}}}""", H.Json("a.b.c = 1\na.b.d = 2"));
    }

    [Fact]
    public void Quoted_key_segments_keep_their_dots()
    {
        var c = H.Parse("\"a.b\".c = 1\nx.\"y.z\" = 2");
        Assert.Equal("""{"a.b":{"c":1},"x":{"y.z":2}}""", c.ToJson(false));
        Assert.Equal(1, c.GetInt("\"a.b\".c"));
        Assert.Equal(2, c.GetInt("x.\"y.z\""));
    }

    [Fact]
    public void Whitespace_inside_an_unquoted_key_is_part_of_the_key()
    {
        Assert.Equal("""{"foo bar":1,"a":{"b c":2}}""", H.Json("foo bar = 1\na.b c = 2"));
    }

    [Fact]
    public void Numeric_looking_keys_split_on_dots()
    {
        Assert.Equal("""{"10":{"0foo":1}}""", H.Json("10.0foo = 1"));
    }

    [Fact]
    public void Duplicate_object_keys_must_deep_merge()
    {
        Assert.Equal("""{"foo":{"a":42,"b":43}}""", H.Json("foo : { a : 42 }, foo : { b : 43 }"));
        Assert.Equal("""{"foo":{"a":{"x":1,"y":2}}}""", H.Json("foo { a { x = 1 } }\nfoo { a { y = 2 } }"));
    }

    [Fact]
    public void Later_non_object_values_replace_earlier_ones()
    {
        Assert.Equal("""{"foo":2}""", H.Json("foo = { a = 1 }\nfoo = 2"));
        Assert.Equal("""{"foo":{"b":1}}""", H.Json("foo = 2\nfoo = { b = 1 }"));
    }

    [Fact]
    public void A_null_in_between_blocks_merging_with_earlier_objects()
    {
        Assert.Equal("""{"foo":{"b":43}}""", H.Json("foo : { a : 42 }, foo : null, foo : { b : 43 }"));
    }

    [Fact]
    public void Include_word_is_a_normal_key_when_not_followed_by_a_file()
    {
        Assert.Equal("""{"include":5}""", H.Json("include = 5"));
    }

    [Fact]
    public void Json_root_array_is_rejected()
    {
        var e = H.ParseError("[1, 2]");
        Assert.Contains("expected an object", e.Message);
    }

    [Fact]
    public void Windows_line_endings_and_byte_order_mark_are_whitespace()
    {
        Assert.Equal("""{"a":"x","b":[1,2]}""", H.Json("\uFEFFa = x\r\nb = [\r\n  1\r\n  2\r\n]\r\n"));
    }

    [Fact]
    public void Substitutions_inside_quoted_strings_are_literal_text()
    {
        Assert.Equal("""{"a":"${b}"}""", H.Json("a = \"${b}\""));
    }
}
