namespace MarketSim.Scoring.Rules;

/// <summary>Interval weighting schemes (scoring.md §6.1, §7.5). k = 0 is the earliest interval.</summary>
public enum IntervalWeighting
{
    /// <summary><c>rema-exp</c>: w_k = exp(1 − n/(n − k)).</summary>
    RemaExp,

    /// <summary><c>rema-first2</c>: 1 for k &lt; 2, else exp(1 − n/(n − k)).</summary>
    RemaFirst2,

    /// <summary><c>power2</c>: 1 − (k/(n − 1))², 1 when n ≤ 1.</summary>
    Power2,
}

/// <summary>Computes interval weights.</summary>
public static class IntervalWeights
{
    /// <summary>Writes w_0…w_{n−1} into <paramref name="weights"/> (length n) and returns Σw.</summary>
    public static double Fill(IntervalWeighting kind, Span<double> weights)
    {
        int n = weights.Length;
        double sum = 0;
        for (int k = 0; k < n; k++)
        {
            double w = kind switch
            {
                IntervalWeighting.RemaExp => Math.Exp(1.0 - ((double)n / (n - k))),
                IntervalWeighting.RemaFirst2 => k < 2 ? 1.0 : Math.Exp(1.0 - ((double)n / (n - k))),
                IntervalWeighting.Power2 => n <= 1 ? 1.0 : 1.0 - ((double)k / (n - 1) * ((double)k / (n - 1))),
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown interval weighting"),
            };
            weights[k] = w;
            sum += w;
        }

        return sum;
    }

    /// <summary>Allocating convenience form of <see cref="Fill"/>.</summary>
    public static double[] Compute(IntervalWeighting kind, int n)
    {
        var w = new double[Math.Max(n, 0)];
        Fill(kind, w);
        return w;
    }

    /// <summary>Scenario-file name of a scheme.</summary>
    public static string Name(IntervalWeighting kind) => kind switch
    {
        IntervalWeighting.RemaExp => "rema-exp",
        IntervalWeighting.RemaFirst2 => "rema-first2",
        IntervalWeighting.Power2 => "power2",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown interval weighting"),
    };

    /// <summary>Parses <c>rema-exp</c>, <c>rema-first2</c> or <c>power2</c>.</summary>
    public static IntervalWeighting Parse(string name) => name switch
    {
        "rema-exp" => IntervalWeighting.RemaExp,
        "rema-first2" => IntervalWeighting.RemaFirst2,
        "power2" => IntervalWeighting.Power2,
        _ => throw new ArgumentException($"unknown interval weights '{name}' (expected rema-exp, rema-first2 or power2)", nameof(name)),
    };
}
