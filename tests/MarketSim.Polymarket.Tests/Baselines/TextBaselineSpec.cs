using FsCheck;
using FsCheck.Fluent;
using MarketSim.Polymarket.Baselines;
using Microsoft.FSharp.Core;

namespace MarketSim.Polymarket.Tests.Baselines;

/// <summary>The hashed n-gram logistic-regression text baseline and the base rate.</summary>
public sealed class TextBaselineSpec
{
    private static readonly string[] Filler =
        ["will", "the", "price", "of", "bitcoin", "election", "win", "team", "by", "march", "reach", "above", "senate", "rain", "goal", "before", "june", "ceo", "resign", "merger"];

    /// <summary>Seeded synthetic markets: random filler words; y = 1 exactly when the text contains "yes-word".</summary>
    private static List<(string Text, int Y)> Synthetic(int n, int seed)
    {
        var rng = new Random(seed);
        var rows = new List<(string, int)>(n);
        for (int i = 0; i < n; i++)
        {
            var words = Enumerable.Range(0, rng.Next(4, 12)).Select(_ => Filler[rng.Next(Filler.Length)]).ToList();
            int y = rng.Next(2);
            if (y == 1)
            {
                words.Insert(rng.Next(words.Count + 1), "yes-word");
            }

            rows.Add((string.Join(' ', words) + "?", y));
        }

        return rows;
    }

    [Fact]
    public void It_learns_an_obvious_text_signal_to_high_accuracy_on_held_out_texts()
    {
        var model = TextBaseline.Train(Synthetic(400, 1), new TextBaselineOptions(Epochs: 5));
        var test = Synthetic(200, 2);
        int right = test.Count(r => (model.Predict(r.Text) > 0.5 ? 1 : 0) == r.Y);
        Assert.True(right >= 196, $"{right}/200 right");
        Assert.True(model.Predict("Will yes-word happen?") > 0.8);
        Assert.True(model.Predict("Will the senate win?") < 0.2);
    }

    [Fact]
    public void The_same_data_and_options_give_bit_identical_predictions()
    {
        var train = Synthetic(300, 3);
        var a = TextBaseline.Train(train);
        var b = TextBaseline.Train(train);
        var c = TextBaseline.Train(train, new TextBaselineOptions(Seed: 99));
        bool anyDiffers = false;
        foreach (var (text, _) in Synthetic(100, 4))
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(a.Predict(text)), BitConverter.DoubleToInt64Bits(b.Predict(text)));
            anyDiffers |= a.Predict(text) != c.Predict(text);
        }

        Assert.True(anyDiffers, "another seed shuffles differently");
        Assert.Equal(BitConverter.DoubleToInt64Bits(a.Intercept), BitConverter.DoubleToInt64Bits(b.Intercept));
    }

    [Fact]
    public void Predictions_always_lie_strictly_inside_zero_and_one()
    {
        // Even a model pushed hard (huge learning rate, no penalty, a separable signal).
        var model = TextBaseline.Train(Synthetic(200, 5), new TextBaselineOptions(LearningRate: 1e6, L2: 0, Epochs: 20));
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(300)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(20261122UL, 1UL), FSharpOption<int>.None)));
        var texts = Gen.OneOf(
            ArbMap.Default.GeneratorFor<string>().Select(s => s ?? string.Empty),
            Gen.ArrayOf(Gen.Elements([.. Filler, "yes-word", "YES-WORD"]), 30).Select(w => string.Join(' ', w)));
        Prop.ForAll(Arb.From(texts), text =>
        {
            double p = model.Predict(text);
            Assert.True(p > 0 && p < 1, $"{p} for '{text}'");
        }).Check(config);
    }

    [Fact]
    public void An_empty_text_predicts_the_intercept()
    {
        var model = TextBaseline.Train(Synthetic(100, 6));
        double expected = 1 / (1 + Math.Exp(-model.Intercept));
        Assert.Equal(expected, model.Predict(string.Empty), 1e-15);
        Assert.Equal(expected, model.Predict(" ?! "), 1e-15);
        Assert.Equal(expected, model.Predict(null), 1e-15);
    }

    [Fact]
    public void Without_training_passes_the_model_is_the_base_rate()
    {
        var rows = new[] { ("a", 1), ("b", 1), ("c", 1), ("d", 0) };
        var model = TextBaseline.Train(rows, new TextBaselineOptions(Epochs: 0));
        Assert.Equal(4.0 / 6, model.Predict("anything at all"), 1e-12);
        Assert.Equal(4.0 / 6, model.BaseRate, 1e-15);
        Assert.Equal(4, model.TrainCount);
    }

    [Fact]
    public void The_base_rate_is_the_mean_label_with_a_Laplace_prior()
    {
        Assert.Equal(0.5, BaseRate.Compute([]));
        Assert.Equal(4.0 / 6, BaseRate.Compute([1, 1, 1, 0]), 1e-15);
        Assert.Equal(3.5 / 5, BaseRate.Compute([1, 1, 1, 0], 0.5), 1e-15);
        Assert.Throws<ArgumentException>(() => BaseRate.Compute([2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BaseRate.Compute([1], 0));
    }

    [Fact]
    public void Words_are_lower_cased_runs_of_letters_and_digits()
    {
        Assert.Equal(["will", "btc", "hit", "100k", "by", "2025", "yes", "word", "ünïcode"], TextFeatures.Words("Will BTC hit $100k by 2025? yes-word ÜNÏCODE"));
    }

    [Fact]
    public void Hashing_is_FNV_1a_and_independent_of_the_process()
    {
        Assert.Equal(2166136261u, TextFeatures.Fnv1a(string.Empty));
        Assert.Equal(0xE40C292Cu, TextFeatures.Fnv1a("a"));
        Assert.Equal(0xBF9CF968u, TextFeatures.Fnv1a("foobar"));
        var x = TextFeatures.Featurize("Will it rain in Paris?");
        Assert.Equal(5 + 4, x.Indices.Length); // 5 words and 4 bigrams, no collision among them
        Assert.All(x.Indices, i => Assert.InRange(i, 0, (1 << 18) - 1));
        Assert.Equal(x.Indices.Order(), x.Indices);
        Assert.Equal(1, x.Values.Sum(v => v * v), 1e-12);
        Assert.Equal(TextFeatures.Featurize("will IT rain, in paris").Indices, x.Indices);
    }

    [Fact]
    public void A_question_and_description_are_joined_for_prediction()
    {
        Assert.Equal("Q?", TextBaseline.Compose("Q?", null));
        Assert.Equal("Q?\nrules", TextBaseline.Compose("Q?", "rules"));
        var model = TextBaseline.Train(Synthetic(200, 7));
        Assert.Equal(model.Predict("Will it? yes-word here"), model.Predict("Will it?", "yes-word here"));
        Assert.True(model.Predict("Will it?", "yes-word here") > 0.8);
    }

    [Fact]
    public void Invalid_labels_and_options_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => TextBaseline.Train([("x", 3)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => TextBaseline.Train([("x", 1)], new TextBaselineOptions(LearningRate: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => TextBaseline.Train([("x", 1)], new TextBaselineOptions(HashBits: 31)));
    }
}
