using FsCheck;
using FsCheck.Fluent;
using MarketSim.Llm;
using Microsoft.FSharp.Core;

namespace MarketSim.Llm.Tests;

public class ProbabilityParserSpec
{
    [Theory]
    [InlineData("{\"probability\": 0.63}", 0.63)]
    [InlineData("```json\n{\"reasoning\": \"base rate is low\", \"probability\": 0.12}\n```", 0.12)]
    [InlineData("{\"probability\": \"0.4\"}", 0.4)]
    [InlineData("{\"Probability\":1}", 1.0)]
    [InlineData("Probability: 0.63", 0.63)]
    [InlineData("probability: .7", 0.7)]
    [InlineData("Probability: 0", 0.0)]
    [InlineData("Probability: 1.0", 1.0)]
    [InlineData("**Probability:** 0.85", 0.85)]
    [InlineData("**Probability**: 0.85.", 0.85)]
    [InlineData("Final answer: 63%", 0.63)]
    [InlineData("Final probability = 42 %", 0.42)]
    [InlineData("The probability is 0.3", 0.3)]
    [InlineData("Forecast: 3/4", 0.75)]
    [InlineData("P(yes) = 0.2", 0.2)]
    [InlineData("Prediction: 63/100", 0.63)]
    [InlineData("<answer>0.27</answer>", 0.27)]
    [InlineData("After weighing everything I land on *0.35*", 0.35)]
    [InlineData("63%", 0.63)]
    [InlineData("I would say 0.63", 0.63)]
    [InlineData("So my estimate is 0.63.\n", 0.63)]
    [InlineData("so 63/100", 0.63)]
    [InlineData("There is roughly a 70% chance that it happens, given the polls.", 0.7)]
    [InlineData("Initial probability: 0.55\nAfter checking calibration I am less sure.\nProbability: 0.48", 0.48)]
    [InlineData("1. Restated: will X happen?\n2. Reasons for no: weak (20%), strong (50%)\n3. Reasons for yes ...\n7. Probability: 0.31", 0.31)]
    [InlineData("The base rate is 10%. Answer: 0.15", 0.15)]
    public void Reads_the_probability_from_real_looking_answers(string text, double expected)
    {
        var p = ProbabilityParser.Parse(text);
        Assert.NotNull(p);
        Assert.Equal(expected, p!.Value, 12);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("I cannot predict the future.")]
    [InlineData("Probability: 63")]
    [InlineData("Probability: 1.5")]
    [InlineData("Probability: -0.2")]
    [InlineData("{\"probability\": 2}")]
    [InlineData("Probability: 130%")]
    [InlineData("Forecast: 3/0")]
    [InlineData("Forecast: 5/4")]
    [InlineData("The answer will be known in 2025")]
    [InlineData("It ends with a stray digit 1")]
    [InlineData("It ends with a stray 0")]
    [InlineData("0@ question\u0313 4\ufffd,\ufffdP\ufffdoF\r\ufffd\ufffd\u0013k\ufffd\ufffdh\ufffd0\ufffdM\ufffd7")]
    [InlineData("probability probability probability :::: ")]
    [InlineData("%%%% //// **** <answer></answer>")]
    [InlineData("NaN")]
    [InlineData("Probability: NaN")]
    [InlineData("Probability: Infinity")]
    public void Returns_nothing_for_garbage_or_out_of_range_answers(string text)
    {
        Assert.Null(ProbabilityParser.Parse(text));
        Assert.False(ProbabilityParser.TryParse(text, out _));
    }

    [Fact]
    public void A_null_text_has_no_probability() => Assert.Null(ProbabilityParser.Parse(null));

    [Fact]
    public void The_last_explicit_answer_wins_and_an_out_of_range_last_answer_is_not_replaced_by_an_earlier_one()
    {
        Assert.Equal(0.9, ProbabilityParser.Parse("Probability: 0.1 ... on reflection, Probability: 0.9"));
        Assert.Null(ProbabilityParser.Parse("Probability: 0.4 ... Probability: 40"));
    }

    [Fact]
    public void Any_text_never_throws_and_gives_nothing_or_a_value_in_zero_one()
    {
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(2000)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(20261122UL, 7UL), FSharpOption<int>.None)));
        string[] pieces = ["Probability", ":", " ", "0", ".", "63", "%", "/", "100", "*", "<answer>", "</answer>", "{\"probability\":", "}",
            "-", "1", "\n", "chance", "is", "=", "\u2581", "\ufffd", "9999999999999999999999", "e5"];
        var texts = Gen.OneOf(
            ArbMap.Default.GeneratorFor<string>().Select(s => s ?? string.Empty),
            Gen.ArrayOf(Gen.Elements(pieces), 12).Select(w => string.Concat(w)));
        Prop.ForAll(Arb.From(texts), text =>
        {
            var p = ProbabilityParser.Parse(text);
            Assert.True(p is null || (p >= 0 && p <= 1), $"{p} for '{text}'");
        }).Check(config);
    }

    [Fact]
    public void Every_probability_written_as_the_prompt_asks_reads_back()
    {
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(500)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(20261122UL, 11UL), FSharpOption<int>.None)));
        Prop.ForAll(Arb.From(Gen.Choose(0, 1000)), k =>
        {
            var p = k / 1000.0;
            var text = $"Reasoning ... Probability: {p.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}";
            Assert.Equal(p, ProbabilityParser.Parse(text)!.Value, 12);
        }).Check(config);
    }

    [Fact]
    public void A_huge_text_is_read_in_linear_time()
    {
        var text = string.Concat(Enumerable.Repeat("Probability: 0.5 * 12/ 99% chance ", 20_000)) + " Probability: 0.25";
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0.25, ProbabilityParser.Parse(text));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
    }
}
