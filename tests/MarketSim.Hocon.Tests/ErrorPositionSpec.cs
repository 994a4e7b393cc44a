using MarketSim.Hocon;

namespace MarketSim.Hocon.Tests;

public class ErrorPositionSpec
{
    [Fact]
    public void Missing_separator_names_the_key_and_what_was_found()
    {
        var e = H.ParseError("a = 1\nfoo ]", "hocon/x.conf");
        Assert.Equal("hocon/x.conf", e.File);
        Assert.Equal("hocon/x.conf", e.Origin);
        Assert.Equal(2, e.Line);
        Assert.Equal(5, e.Column);
        Assert.Equal("hocon/x.conf:2:5: expected '=' or ':' or '{' after key 'foo' but found ']'", e.Message);
    }

    [Fact]
    public void Default_origin_for_strings_is_angle_string()
    {
        var e = H.ParseError("a = ");
        Assert.StartsWith("<string>:1:5: expected a value for key 'a' but found end of input", e.Message);
    }

    [Theory]
    [InlineData("a = [1, 2", 1, 10, "expected ',' or newline or ']' in array but found end of input")]
    [InlineData("a { b = 1", 1, 10, "expected ',' or newline or '}' after value of 'b' but found end of input")]
    [InlineData("a = \"open", 1, 5, "expected '\"'")]
    [InlineData("a = 1 2 }", 1, 9, "expected ',' or newline")]
    [InlineData("a = 1\n\n   b = [1,,2]", 3, 11, "expected a value or ']'")]
    [InlineData("x = \"\\q\"", 1, 6, "expected a JSON escape")]
    [InlineData("a = ${b", 1, 8, "expected '}' to close substitution")]
    [InlineData("a..b = 1", 1, 3, "expected a key segment")]
    [InlineData("{ a = 1 } b", 1, 11, "expected end of input")]
    [InlineData("a = \"\"\"never closed", 1, 5, "expected '\"\"\"'")]
    [InlineData("\t\tkey = x + y", 1, 11, "expected '+='")]
    public void Syntax_errors_report_line_and_column(string hocon, int line, int column, string expected)
    {
        var e = H.ParseError(hocon);
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
        Assert.Contains(expected, e.Message);
        Assert.Contains(" but found ", e.Message);
    }

    [Theory]
    [InlineData("a\nb = 2", 2, 1, "<string>:2:1: expected '=' or ':' or '{' after key 'a' but found 'b'")]
    [InlineData("x = 0\na # note\n\n  \"b\" = 2", 4, 3, "<string>:4:3: expected '=' or ':' or '{' after key 'a' but found quoted string \"b\"")]
    [InlineData("o {\n  k\n}", 3, 1, "<string>:3:1: expected '=' or ':' or '{' after key 'k' but found '}'")]
    [InlineData("k\n  [1]", 2, 3, "<string>:2:3: expected '=' or ':' or '{' after key 'k' but found '['")]
    [InlineData("k\n", 2, 1, "<string>:2:1: expected '=' or ':' or '{' after key 'k' but found end of input")]
    [InlineData("a = 1\n  = 2", 2, 3, "<string>:2:3: expected a key but found '='")]
    public void A_key_followed_by_a_newline_but_no_separator_is_reported_at_the_next_token(string hocon, int line, int column, string message)
    {
        var e = H.ParseError(hocon);
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void A_key_without_a_value_names_the_file_line_and_column()
    {
        var e = H.ParseError("a = 1\nb\n\nc = 2", "conf/app.conf");
        Assert.Equal("conf/app.conf:4:1: expected '=' or ':' or '{' after key 'b' but found 'c'", e.Message);
    }

    [Fact]
    public void File_errors_name_the_file()
    {
        var e = Assert.Throws<HoconParseException>(() => ConfigFactory.ParseFile(H.Fixture("bad-syntax.conf")));
        Assert.EndsWith("bad-syntax.conf", e.File);
        Assert.Equal(4, e.Line);
        Assert.Equal(7, e.Column);
        Assert.Contains("after key 'foo' but found ']'", e.Message);
    }

    [Fact]
    public void Resolution_errors_carry_the_origin_of_the_substitution()
    {
        var c = ConfigFactory.ParseString("a {\n  b = ${nope_origin_zz}\n}", "app.conf");
        var e = Assert.Throws<ConfigException>(() => c.ToJson());
        Assert.Equal(new ConfigOrigin("app.conf", 2, 7), e.ConfigOrigin);
        Assert.StartsWith("app.conf:2:7: could not resolve substitution ${nope_origin_zz}", e.Message);
    }

    [Fact]
    public void Concatenation_type_errors_found_at_resolution_name_the_position()
    {
        var c = H.Parse("l = [1]\ns = x ${l}");
        var e = Assert.Throws<ConfigException>(() => c.ToJson());
        Assert.Contains("concatenation", e.Message);
        Assert.Contains("<string>:", e.Message);
    }

    [Fact]
    public void Getter_type_error_points_at_the_value()
    {
        var c = ConfigFactory.ParseString("\n\nport = eighty", "svc.conf");
        var e = Assert.Throws<ConfigException>(() => c.GetInt("port"));
        Assert.Equal("svc.conf:3:8: path 'port': expected int but found string 'eighty'", e.Message);
    }
}
