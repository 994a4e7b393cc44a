namespace MarketSim.Polymarket.Baselines;

/// <summary>Training options of <see cref="TextBaseline"/>; the defaults are the documented baseline.</summary>
/// <param name="HashBits">log2 of the number of feature buckets (18: 262,144).</param>
/// <param name="Bigrams">Whether word 2-grams are features besides 1-grams.</param>
/// <param name="Epochs">Passes over the training data (each in a fresh seeded order).</param>
/// <param name="LearningRate">SGD step η0; epoch e uses η0/√(1 + e).</param>
/// <param name="L2">L2 penalty λ on the weights (not on the intercept), per example.</param>
/// <param name="Seed">Seed of the shuffling (SplitMix64).</param>
/// <param name="PriorCount">Laplace prior count of the intercept's starting value, the base rate.</param>
public sealed record TextBaselineOptions(
    int HashBits = 18,
    bool Bigrams = true,
    int Epochs = 10,
    double LearningRate = 0.5,
    double L2 = 1e-5,
    ulong Seed = 20261122UL,
    double PriorCount = 1);

/// <summary>
/// A logistic regression on hashed word n-grams of a market's question (and optional description), trained by
/// plain SGD with L2 (weights kept as scale × vector so the decay costs O(1) a step). Deterministic: the same
/// examples in the same order with the same options give bit-identical weights and predictions.
/// </summary>
public static class TextBaseline
{
    /// <summary>Logits are clipped to ±MaxLogit so that predictions stay strictly inside (0, 1).</summary>
    public const double MaxLogit = 30;

    /// <summary>The text a market is featurised from: the question, then the description when there is one.</summary>
    public static string Compose(string question, string? description) =>
        string.IsNullOrWhiteSpace(description) ? question : question + "\n" + description;

    /// <summary>
    /// Trains on (text, y ∈ {0, 1}) examples (the train split: the caller holds out its test markets). The
    /// intercept starts at logit(<see cref="BaseRate.Compute"/>) and all weights at 0.
    /// </summary>
    public static TextBaselineModel Train(IEnumerable<(string Text, int Y)> examples, TextBaselineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var o = options ?? new TextBaselineOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(o.Epochs);
        if (!(o.LearningRate > 0) || !(o.L2 >= 0) || double.IsInfinity(o.LearningRate) || double.IsInfinity(o.L2))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "LearningRate must be finite and > 0, L2 finite and ≥ 0");
        }

        var data = new List<(TextFeatures.Sparse X, int Y)>();
        foreach (var (text, y) in examples)
        {
            if (y is not (0 or 1))
            {
                throw new ArgumentException($"a label must be 0 or 1, not {y}", nameof(examples));
            }

            data.Add((TextFeatures.Featurize(text, o.HashBits, o.Bigrams), y));
        }

        double baseRate = BaseRate.Compute(data.Select(d => d.Y), o.PriorCount);
        double bias = Math.Log(baseRate) - Math.Log(1 - baseRate);
        var v = new double[1 << o.HashBits];
        double scale = 1; // w = scale · v
        var order = Enumerable.Range(0, data.Count).ToArray();
        var rng = new SplitMix64(o.Seed);
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            // Fisher–Yates with the seeded generator.
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = (int)(rng.Next() % (ulong)(i + 1));
                (order[i], order[j]) = (order[j], order[i]);
            }

            double eta = o.LearningRate / Math.Sqrt(1 + epoch);
            foreach (int k in order)
            {
                var (x, y) = data[k];
                double z = bias;
                for (int i = 0; i < x.Indices.Length; i++)
                {
                    z += scale * v[x.Indices[i]] * x.Values[i];
                }

                double g = Sigmoid(z) - y; // d loss / d z
                bias -= eta * g;
                scale *= 1 - eta * o.L2;
                for (int i = 0; i < x.Indices.Length; i++)
                {
                    v[x.Indices[i]] -= eta * g * x.Values[i] / scale;
                }

                if (scale < 1e-9)
                {
                    for (int i = 0; i < v.Length; i++)
                    {
                        v[i] *= scale;
                    }

                    scale = 1;
                }
            }
        }

        var w = new double[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            w[i] = scale * v[i];
        }

        return new TextBaselineModel(o, bias, w, baseRate, data.Count);
    }

    internal static double Sigmoid(double x) => x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x));

    private struct SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}

/// <summary>A trained <see cref="TextBaseline"/>: immutable, thread-safe.</summary>
public sealed class TextBaselineModel
{
    private readonly double[] _weights;

    internal TextBaselineModel(TextBaselineOptions options, double intercept, double[] weights, double baseRate, int trainCount)
    {
        Options = options;
        Intercept = intercept;
        _weights = weights;
        BaseRate = baseRate;
        TrainCount = trainCount;
    }

    /// <summary>The options it was trained with.</summary>
    public TextBaselineOptions Options { get; }

    /// <summary>The bias term: the logit of an empty text.</summary>
    public double Intercept { get; }

    /// <summary>The Laplace-smoothed base rate of the training labels (the intercept's starting point).</summary>
    public double BaseRate { get; }

    /// <summary>The number of training examples.</summary>
    public int TrainCount { get; }

    /// <summary>The weight of a hash bucket.</summary>
    public double Weight(int bucket) => _weights[bucket];

    /// <summary>The logit of a text (question, or <see cref="TextBaseline.Compose"/>d question and description), clipped to ±<see cref="TextBaseline.MaxLogit"/>.</summary>
    public double Logit(string? text)
    {
        var x = TextFeatures.Featurize(text, Options.HashBits, Options.Bigrams);
        double z = Intercept;
        for (int i = 0; i < x.Indices.Length; i++)
        {
            z += _weights[x.Indices[i]] * x.Values[i];
        }

        return Math.Clamp(z, -TextBaseline.MaxLogit, TextBaseline.MaxLogit);
    }

    /// <summary>The probability of YES for a text, strictly inside (0, 1). An empty text gives σ(<see cref="Intercept"/>).</summary>
    public double Predict(string? text) => TextBaseline.Sigmoid(Logit(text));

    /// <summary>The probability of YES for a question and optional description (<see cref="TextBaseline.Compose"/>).</summary>
    public double Predict(string question, string? description) => Predict(TextBaseline.Compose(question, description));
}

/// <summary>The base-rate forecaster.</summary>
public static class BaseRate
{
    /// <summary>(Σy + α)/(n + 2α), the mean label with a Laplace prior of α (default 1: (k + 1)/(n + 2)); 1/2 for no data.</summary>
    public static double Compute(IEnumerable<int> labels, double priorCount = 1)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!(priorCount > 0) || double.IsInfinity(priorCount))
        {
            throw new ArgumentOutOfRangeException(nameof(priorCount), priorCount, "the prior count must be finite and > 0");
        }

        long n = 0, k = 0;
        foreach (int y in labels)
        {
            if (y is not (0 or 1))
            {
                throw new ArgumentException($"a label must be 0 or 1, not {y}", nameof(labels));
            }

            n++;
            k += y;
        }

        return (k + priorCount) / (n + 2 * priorCount);
    }
}
