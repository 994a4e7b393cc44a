namespace MarketSim.Hocon.Tests;

public sealed class AssignmentSpec
{
    [Theory]
    [InlineData("8", "{\"a\":{\"b\":8}}")]
    [InlineData("5s", "{\"a\":{\"b\":\"5s\"}}")]
    [InlineData("[1, 2]", "{\"a\":{\"b\":[1,2]}}")]
    [InlineData("{ c = 1 }", "{\"a\":{\"b\":{\"c\":1}}}")]
    [InlineData("\"quoted value\"", "{\"a\":{\"b\":\"quoted value\"}}")]
    [InlineData("Host=127.0.0.1;Port=5432", "{\"a\":{\"b\":\"Host=127.0.0.1;Port=5432\"}}")]
    [InlineData("a \"b", "{\"a\":{\"b\":\"a \\\"b\"}}")]
    public void A_value_is_read_as_hocon_or_else_taken_literally(string value, string json)
    {
        var config = ConfigFactory.ParseAssignment("a.b", value, "--set");
        Assert.Equal(json, config.ToJson(indented: false));
    }

    [Fact]
    public void A_malformed_path_is_an_error_naming_the_origin()
    {
        var e = Assert.Throws<HoconParseException>(() => ConfigFactory.ParseAssignment("a..b", "1", "--set #3"));
        Assert.Contains("--set #3", e.Message);
    }

    [Fact]
    public void An_assignment_overrides_a_file_and_substitutions_see_it()
    {
        var file = ConfigFactory.ParseString("root = /var\npath = ${root}\"/runs\"");
        var merged = ConfigFactory.ParseAssignment("root", "/data", "--set").WithFallback(file);
        Assert.Equal("/data/runs", merged.GetString("path"));
    }
}
