namespace MarketSim.Pbm.Tests;

public sealed class CommandParserSpec
{
    private static readonly CommandDefinition Write = new(
        "write",
        "Write.",
        [
            new CommandArgument("message", "the text", true, ["-m", "--message"]),
            new CommandArgument("count", "times", false, ["-c"], ["1"], Positional: false),
            new CommandArgument("loud", "shout", false, ["-l"], IsFlag: true),
        ]);

    [Fact]
    public void Words_are_split_on_white_space_and_quotes_keep_spaces()
    {
        Assert.Equal(["msg", "write", "-m", "hello world", "it's"], CommandParser.Tokenize("msg  write -m \"hello world\" \"it's\""));
        Assert.Equal(["a", ""], CommandParser.Tokenize("a ''"));
    }

    [Fact]
    public void An_unterminated_quote_is_a_command_error()
    {
        var ex = Assert.Throws<PbmCommandException>(() => CommandParser.Tokenize("msg write \"oops"));
        Assert.Contains("unterminated quote", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_bind_by_switch_by_position_and_as_flags()
    {
        var args = CommandParser.BindArguments("msg write", Write, ["-c", "3", "hi", "-l"]);
        Assert.Equal("hi", args["message"]);
        Assert.Equal("3", args["count"]);
        Assert.Equal("true", args["loud"]);
        Assert.Equal("x", CommandParser.BindArguments("msg write", Write, ["--message", "x"])["message"]);
    }

    [Fact]
    public void An_unknown_switch_names_the_known_ones()
    {
        var ex = Assert.Throws<PbmCommandException>(() => CommandParser.BindArguments("msg write", Write, ["-z", "1"]));
        Assert.Equal("msg write: unknown switch -z (known: -m, --message, -c, -l)", ex.Message);
    }

    [Fact]
    public void A_switch_without_its_value_and_an_extra_word_are_errors()
    {
        Assert.Contains("-c expects a value", Assert.Throws<PbmCommandException>(() => CommandParser.BindArguments("msg write", Write, ["hi", "-c"])).Message, StringComparison.Ordinal);
        Assert.Contains("unexpected argument 'extra'", Assert.Throws<PbmCommandException>(() => CommandParser.BindArguments("msg write", Write, ["hi", "extra"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Suggestions_rank_the_closest_commands_first()
    {
        string[] known = ["help", "actor hierarchy", "log peek", "log set-level"];
        Assert.Equal(["log peek"], CommandParser.Suggest("log peak", known).Take(1));
        Assert.Equal(["log set-level"], CommandParser.Suggest("log setlevel", known).Take(1));
        Assert.Empty(CommandParser.Suggest("zzzzzzzz qqqqqqq", known));
    }

    [Fact]
    public void Quoting_round_trips_through_the_tokenizer()
    {
        string[] words = ["msg", "write", "hello world", "it's \"x\""];
        var text = string.Join(' ', words.Select(w => w.Contains('"', StringComparison.Ordinal) && w.Contains('\'', StringComparison.Ordinal) ? "plain" : w).Select(CommandParser.Quote));
        Assert.Equal(["msg", "write", "hello world", "plain"], CommandParser.Tokenize(text));
    }
}
