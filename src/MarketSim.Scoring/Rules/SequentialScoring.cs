namespace MarketSim.Scoring.Rules;

/// <summary>How a miner's per-submission terms are truncated at 0 (scoring.md §9.1).</summary>
public enum Truncation
{
    /// <summary>Σ_j max(S_j, 0) (default, as in the README).</summary>
    PerSubmission,

    /// <summary>max(Σ_j S_j, 0) per event.</summary>
    PerEvent,

    /// <summary>Σ_j S_j.</summary>
    None,
}

/// <summary>One accepted submission of a sequential rule: validator arrival minute, miner uid, probability.</summary>
public readonly record struct SequencedSubmission(long Minute, int Miner, double Probability);

/// <summary>
/// §9 sequential rules (never implemented upstream; MarketSim's fixes marked in the spec):
/// <c>shared-quadratic</c> S_j = S(p_j, o) − S(p_{j−1}, o) with p_0 = the prior, and <c>market-relative</c>
/// S_j = S(p_j, o) − S(price_t, o). S(p, o) = 1 − (p − o)².
/// </summary>
public static class SequentialScoring
{
    /// <summary>Default p_0.</summary>
    public const double DefaultPrior = 0.5;

    /// <summary>Sorts submissions into scoring order: arrival minute, ties by miner uid (stable otherwise).</summary>
    public static void Order(Span<SequencedSubmission> submissions)
    {
        var keyed = new (long Minute, int Miner, int Index)[submissions.Length];
        for (int i = 0; i < keyed.Length; i++)
        {
            keyed[i] = (submissions[i].Minute, submissions[i].Miner, i);
        }

        Array.Sort(keyed);
        var copy = submissions.ToArray();
        for (int i = 0; i < keyed.Length; i++)
        {
            submissions[i] = copy[keyed[i].Index];
        }
    }

    /// <summary>shared-quadratic terms for submissions already in scoring order.</summary>
    public static void SharedQuadratic(ReadOnlySpan<SequencedSubmission> ordered, bool outcome, Span<double> terms, double prior = DefaultPrior)
    {
        SameLength(ordered.Length, terms.Length);
        double previous = LegacyBrier.Quadratic(prior, outcome);
        for (int j = 0; j < ordered.Length; j++)
        {
            double s = LegacyBrier.Quadratic(ordered[j].Probability, outcome);
            terms[j] = s - previous;
            previous = s;
        }
    }

    /// <summary>
    /// market-relative terms: S(p_j, o) − S(price_j, o), price_j the market price when p_j was submitted. A NaN price
    /// (none defined at t) gives a NaN term: not scored; the return value counts them for the run report.
    /// </summary>
    public static int MarketRelative(ReadOnlySpan<SequencedSubmission> submissions, ReadOnlySpan<double> prices, bool outcome, Span<double> terms)
    {
        SameLength(submissions.Length, terms.Length);
        SameLength(submissions.Length, prices.Length);
        int unscored = 0;
        for (int j = 0; j < submissions.Length; j++)
        {
            if (double.IsNaN(prices[j]))
            {
                terms[j] = double.NaN;
                unscored++;
            }
            else
            {
                terms[j] = LegacyBrier.Quadratic(submissions[j].Probability, outcome) - LegacyBrier.Quadratic(prices[j], outcome);
            }
        }

        return unscored;
    }

    private static void SameLength(int a, int b)
    {
        if (a != b)
        {
            throw new ArgumentException($"lengths differ ({a} vs {b})");
        }
    }
}

/// <summary>
/// Tempo aggregation of the §9 rules: tempo score of m = (1/N) Σ_events (truncated Σ_j by m of S_j), N = events the
/// validator registered as settled during the tempo (including events nobody submitted to). Weights are the
/// L1-normalised tempo scores; none when all are 0. Miners are non-negative uids.
/// </summary>
public sealed class TempoAccumulator
{
    private double[] _sum = [];
    private readonly Dictionary<int, double> _event = [];

    /// <summary>An empty accumulator truncating per <paramref name="truncation"/>.</summary>
    public TempoAccumulator(Truncation truncation = Truncation.PerSubmission) => Truncation = truncation;

    /// <summary>How terms are truncated at 0.</summary>
    public Truncation Truncation { get; }

    /// <summary>N so far.</summary>
    public int SettledEvents { get; private set; }

    /// <summary>Adds one settled event's terms (NaN terms — unscored submissions — are skipped).</summary>
    public void AddEvent(ReadOnlySpan<SequencedSubmission> submissions, ReadOnlySpan<double> terms)
    {
        if (submissions.Length != terms.Length)
        {
            throw new ArgumentException("one term per submission", nameof(terms));
        }

        _event.Clear();
        for (int j = 0; j < terms.Length; j++)
        {
            double t = terms[j];
            if (double.IsNaN(t))
            {
                continue;
            }

            int m = submissions[j].Miner;
            ArgumentOutOfRangeException.ThrowIfNegative(m, nameof(submissions));
            double add = Truncation == Truncation.PerSubmission ? Math.Max(t, 0) : t;
            _event[m] = _event.GetValueOrDefault(m) + add;
        }

        foreach (var (m, s) in _event)
        {
            if (m >= _sum.Length)
            {
                Array.Resize(ref _sum, Math.Max(m + 1, _sum.Length * 2));
            }

            _sum[m] += Truncation == Truncation.PerEvent ? Math.Max(s, 0) : s;
        }

        SettledEvents++;
    }

    /// <summary>Tempo score of a miner (0 before any settled event).</summary>
    public double Score(int miner) => SettledEvents == 0 || miner < 0 || miner >= _sum.Length ? 0 : _sum[miner] / SettledEvents;

    /// <summary>L1-normalised tempo scores of the given miners; false (weights untouched) when all are ≤ 0.</summary>
    public bool TryWeights(ReadOnlySpan<int> miners, Span<double> weights)
    {
        if (weights.Length != miners.Length)
        {
            throw new ArgumentException("one weight per miner", nameof(weights));
        }

        double total = 0;
        for (int i = 0; i < miners.Length; i++)
        {
            total += Math.Max(Score(miners[i]), 0);
        }

        if (!(total > 0))
        {
            return false;
        }

        for (int i = 0; i < miners.Length; i++)
        {
            weights[i] = Math.Max(Score(miners[i]), 0) / total;
        }

        return true;
    }

    /// <summary>Starts a new tempo.</summary>
    public void Reset()
    {
        Array.Clear(_sum);
        SettledEvents = 0;
    }
}
