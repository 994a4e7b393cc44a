namespace MarketSim.Simulation.Parity;

/// <summary>Population values of parity.md §3, §5, §6 (derived closed forms).</summary>
public static class ParityClosedForms
{
    /// <summary>C(n, r) as a double (0 outside 0 ≤ r ≤ n).</summary>
    public static double Binomial(int n, int r)
    {
        if (r < 0 || r > n)
        {
            return 0;
        }

        r = Math.Min(r, n - r);
        var result = 1.0;
        for (var i = 1; i <= r; i++)
        {
            result = result * (n - r + i) / i;
        }

        return Math.Round(result) < 1e15 ? Math.Round(result) : result;
    }

    /// <summary>Probability that a uniform L-subset of d coordinates contains a fixed k-set: C(d−k, L−k)/C(d, L).</summary>
    public static double ExactnessProbability(int d, int k, int l) =>
        l < k ? 0 : Binomial(d - k, l - k) / Binomial(d, l);

    /// <summary>E[SCE] of K averaged randomized chains: (α²/4)·E[(1 − M/K)²], M ~ Bin(K, π); K ≤ 1 → the surrogate.</summary>
    public static double ExpectedChainSce(int d, int k, double alpha, int l, int chains)
    {
        if (chains <= 1)
        {
            return l >= k ? 0 : alpha * alpha / 4;
        }

        var pi = ExactnessProbability(d, k, l);
        var sum = 0.0;
        for (var m = 0; m <= chains; m++)
        {
            var p = Binomial(chains, m) * Math.Pow(pi, m) * Math.Pow(1 - pi, chains - m);
            var gap = 1 - ((double)m / chains);
            sum += p * gap * gap;
        }

        return alpha * alpha / 4 * sum;
    }

    /// <summary>(α/2)(1 − ρ^k): arb, population ECE and worst-group error of T_ρ f; also the groupstress theory.</summary>
    public static double DiffusionGap(double alpha, int k, double rho) => alpha / 2 * (1 - Math.Pow(rho, k));

    /// <summary>SCE of T_ρ f: (α²/4)(1 − ρ^k)².</summary>
    public static double DiffusionSce(double alpha, int k, double rho)
    {
        var g = DiffusionGap(alpha, k, rho);
        return g * g;
    }

    /// <summary>Brier of the truth: (1 − α²)/4.</summary>
    public static double TruthBrier(double alpha) => (1 - (alpha * alpha)) / 4;

    /// <summary>Smallest ρ with worst-group error ≤ ε: (1 − 2ε/α)^{1/k}.</summary>
    public static double RhoForGroupError(double alpha, int k, double epsilon) => Math.Pow(1 - (2 * epsilon / alpha), 1.0 / k);

    /// <summary>
    /// Approximate expected maximum of m independent |N(0, 1)| draws, in standard deviations:
    /// √(2 ln M − ln ln M − ln 4π) with M = 2m (≈ 4.7 for m = 3,432 × 128).
    /// </summary>
    public static double ExpectedMaxAbsNormal(double m)
    {
        if (m <= 1)
        {
            return Math.Sqrt(2 / Math.PI);
        }

        var lnM = Math.Log(2 * m);
        var v = (2 * lnM) - Math.Log(lnM) - Math.Log(4 * Math.PI);
        return v > 0 ? Math.Sqrt(v) : Math.Sqrt(2 / Math.PI);
    }
}
