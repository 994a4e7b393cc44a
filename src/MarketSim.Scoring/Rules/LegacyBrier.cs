namespace MarketSim.Scoring.Rules;

/// <summary>
/// Legacy time-weighted Brier presets (scoring.md §5, §6.1, §6.2). S(p, o) = 1 − (p − o)², clip [0, 1].
/// </summary>
public static class LegacyBrier
{
    /// <summary>Exported prediction of a miner with no answer at all (and of every miner when n ≤ 0).</summary>
    public const double NoPrediction = -999;

    /// <summary>Below this Σw the event score is 0 (§6.1).</summary>
    public const double MinWeightSum = 0.01;

    /// <summary>S(p, o) = 1 − (p − o)².</summary>
    public static double Quadratic(double p, bool outcome)
    {
        double d = p - (outcome ? 1.0 : 0.0);
        return 1.0 - (d * d);
    }

    /// <summary>
    /// Time-weighted S per miner (v2 rules of §5; v1 reaches the same values). Per interval k: r_m &gt; end of
    /// interval k → 0.5; else no answer → 1 − o; else the mean clipped to [0, 1]. A miner with r_m &lt; A and no answer
    /// at all scores 0 with prediction −999; n ≤ 0 or Σw &lt; 0.01 → every miner 0.
    /// </summary>
    public static void ScoreEvent(in EventMatrix e, bool outcome, IntervalWeighting weighting, Span<double> eventScore, Span<double> prediction) =>
        ScoreEvent(e, outcome, weighting, eventScore, prediction, default);

    /// <summary>As above; <paramref name="cellScores"/>, when not empty, receives every cell's S (interval-major, M·n).</summary>
    public static void ScoreEvent(in EventMatrix e, bool outcome, IntervalWeighting weighting, Span<double> eventScore, Span<double> prediction, Span<double> cellScores) =>
        ScoreEvent(e, outcome, weighting, eventScore, prediction, cellScores, default, default);

    /// <summary>
    /// As above, handing back on request what the rule computes anyway (nothing extra for an empty span):
    /// <paramref name="cellScores"/> every cell's S_{m,k}, <paramref name="cellPredictions"/> the p_{m,k} it used (0.5 before
    /// registration, 1 − o for no answer, else the mean clipped to [0, 1]), both interval-major (<c>[k·M + m]</c>), and
    /// <paramref name="intervalWeights"/> the n weights w_k. Except for the zero cases above (no answer at all, Σ w &lt; 0.01,
    /// n ≤ 0), <c>eventScore[m] = (Σ_k w_k · S_{m,k}) / Σ_k w_k</c> and <c>prediction[m] = (Σ_k w_k · p_{m,k}) / Σ_k w_k</c>,
    /// summed in k order, bit for bit.
    /// </summary>
    public static void ScoreEvent(in EventMatrix e, bool outcome, IntervalWeighting weighting, Span<double> eventScore, Span<double> prediction, Span<double> cellScores, Span<double> cellPredictions, Span<double> intervalWeights)
    {
        int miners = e.Miners;
        int n = e.Intervals;
        if (eventScore.Length != miners || prediction.Length != miners)
        {
            throw new ArgumentException($"eventScore and prediction need {miners} entries");
        }

        if (n <= 0)
        {
            eventScore.Clear();
            prediction.Fill(NoPrediction);
            return;
        }

        if (!cellScores.IsEmpty && cellScores.Length != miners * n)
        {
            throw new ArgumentException($"cellScores needs miners·intervals = {miners * n} entries", nameof(cellScores));
        }

        if (!cellPredictions.IsEmpty && cellPredictions.Length != miners * n)
        {
            throw new ArgumentException($"cellPredictions needs miners·intervals = {miners * n} entries", nameof(cellPredictions));
        }

        if (!intervalWeights.IsEmpty && intervalWeights.Length != n)
        {
            throw new ArgumentException($"intervalWeights needs {n} entries", nameof(intervalWeights));
        }

        Span<double> w = n <= 512 ? stackalloc double[n] : new double[n];
        double wSum = IntervalWeights.Fill(weighting, w);
        if (!intervalWeights.IsEmpty)
        {
            w.CopyTo(intervalWeights);
        }

        double o = outcome ? 1.0 : 0.0;
        double missing = 1.0 - o;
        for (int m = 0; m < miners; m++)
        {
            long r = e.RegisteredMinute[m];
            double s = 0, pr = 0;
            bool answered = false;
            for (int k = 0; k < n; k++)
            {
                double v = e.Means[(k * miners) + m];
                long end = e.AlignedStartMinute + ((long)e.IntervalMinutes * (k + 1));
                double p;
                if (r > end)
                {
                    p = 0.5;
                }
                else if (double.IsNaN(v))
                {
                    p = missing;
                }
                else
                {
                    p = Math.Clamp(v, 0.0, 1.0);
                }

                if (!double.IsNaN(v))
                {
                    answered = true;
                }

                double d = p - o;
                double sk = 1.0 - (d * d);
                if (!cellScores.IsEmpty)
                {
                    cellScores[(k * miners) + m] = sk;
                }

                if (!cellPredictions.IsEmpty)
                {
                    cellPredictions[(k * miners) + m] = p;
                }

                s += w[k] * sk;
                pr += w[k] * p;
            }

            if (!answered && r < e.EventRegisteredMinute)
            {
                eventScore[m] = 0;
                prediction[m] = NoPrediction;
            }
            else if (wSum < MinWeightSum)
            {
                eventScore[m] = 0;
                prediction[m] = pr / wSum;
            }
            else
            {
                eventScore[m] = s / wSum;
                prediction[m] = pr / wSum;
            }
        }
    }

    /// <summary>v2: n_i = exp(K·s_i) / Σ_j exp(K·s_j) over every miner (zeros included).</summary>
    public static void NormaliseSoftmax(ReadOnlySpan<double> scores, double k, Span<double> normalised)
    {
        SameLength(scores, normalised);
        if (scores.Length == 0)
        {
            return;
        }

        double max = double.NegativeInfinity;
        foreach (double s in scores)
        {
            max = Math.Max(max, k * s);
        }

        double sum = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            normalised[i] = Math.Exp((k * scores[i]) - max);
            sum += normalised[i];
        }

        for (int i = 0; i < scores.Length; i++)
        {
            normalised[i] /= sum;
        }
    }

    /// <summary>
    /// v1: s' = max(s − offset, 0) (offset 0 by default); s' &gt; 0 → exp(K·s'), 0 stays 0; then L1 over all miners
    /// (all zero stays all zero).
    /// </summary>
    public static void NormaliseExpL1(ReadOnlySpan<double> scores, double k, double offset, Span<double> normalised)
    {
        SameLength(scores, normalised);
        double max = double.NegativeInfinity;
        foreach (double s in scores)
        {
            double t = Math.Max(s - offset, 0);
            if (t > 0)
            {
                max = Math.Max(max, k * t);
            }
        }

        if (double.IsNegativeInfinity(max))
        {
            normalised.Clear();
            return;
        }

        // exp(K·s')/Σ exp(K·s') computed with the common factor exp(−max) to stay finite.
        double sum = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            double t = Math.Max(scores[i] - offset, 0);
            normalised[i] = t > 0 ? Math.Exp((k * t) - max) : 0;
            sum += normalised[i];
        }

        for (int i = 0; i < scores.Length; i++)
        {
            normalised[i] /= sum;
        }
    }

    private static void SameLength(ReadOnlySpan<double> scores, Span<double> normalised)
    {
        if (scores.Length != normalised.Length)
        {
            throw new ArgumentException("normalised must have one entry per score", nameof(normalised));
        }
    }
}
