namespace MarketSim.Simulation.MarketMaker;

/// <summary>
/// Hanson's logarithmic market scoring rule for a binary market (docs/marketmaker.md).
/// The state is the pair of outstanding share quantities (qYes, qNo) and the liquidity b &gt; 0:
/// C(q) = b·ln(e^{qYes/b} + e^{qNo/b}), prices p = softmax(q/b), the cost of a trade is
/// C(q') − C(q). Every function is pure and evaluated stably (log-sum-exp, softplus), so huge
/// quantities neither overflow nor lose the price to 0/0.
/// </summary>
public static class Lmsr
{
    /// <summary>The cost function C(q) = b·ln(e^{qYes/b} + e^{qNo/b}), computed as max(q) + b·softplus(−|qYes − qNo|/b).</summary>
    public static double Cost(double qYes, double qNo, double b)
    {
        CheckB(b);
        double hi = Math.Max(qYes, qNo);
        double gap = Math.Abs(qYes - qNo) / b;
        return hi + b * Log1P(Math.Exp(-gap));
    }

    /// <summary>Price of YES, e^{qYes/b} / (e^{qYes/b} + e^{qNo/b}) = σ((qYes − qNo)/b). In [0, 1]; strictly inside for |qYes − qNo|/b below about 36.</summary>
    public static double PriceYes(double qYes, double qNo, double b)
    {
        CheckB(b);
        return Sigmoid((qYes - qNo) / b);
    }

    /// <summary>Price of NO, σ((qNo − qYes)/b).</summary>
    public static double PriceNo(double qYes, double qNo, double b)
    {
        CheckB(b);
        return Sigmoid((qNo - qYes) / b);
    }

    /// <summary>
    /// Cost C(qYes + dYes, qNo + dNo) − C(qYes, qNo) of a trade (negative: the trader is paid).
    /// Computed as b·ln(p_yes·e^{dYes/b} + p_no·e^{dNo/b}) with log-prices, which stays accurate when
    /// the quantities are huge compared with the trade.
    /// </summary>
    public static double TradeCost(double qYes, double qNo, double b, double dYes, double dNo)
    {
        CheckB(b);
        double x = (qYes - qNo) / b;
        double a = LogSigmoid(x) + dYes / b;   // ln p_yes + dYes/b
        double c = LogSigmoid(-x) + dNo / b;   // ln p_no + dNo/b
        return b * LogSumExp(a, c);
    }

    /// <summary>
    /// YES shares to add to qYes so that the YES price becomes <paramref name="targetYesPrice"/>:
    /// b·logit(target) − (qYes − qNo). Negative: sell YES (equivalently, buy that many NO, which moves
    /// the price the same way). The target must lie strictly inside (0, 1).
    /// </summary>
    public static double SharesToReachPrice(double qYes, double qNo, double b, double targetYesPrice)
    {
        CheckB(b);
        CheckOpenProbability(targetYesPrice, nameof(targetYesPrice));
        return b * Logit(targetYesPrice) - (qYes - qNo);
    }

    /// <summary>
    /// YES shares that <paramref name="spend"/> (≥ 0) buys at state q: the Δ with TradeCost(q, Δ, 0) = spend,
    /// Δ = b·ln(1 + (e^{spend/b} − 1)/p_yes).
    /// </summary>
    public static double YesSharesForSpend(double qYes, double qNo, double b, double spend)
    {
        CheckB(b);
        if (!(spend >= 0) || double.IsInfinity(spend))
        {
            throw new ArgumentOutOfRangeException(nameof(spend), spend, "spend must be finite and ≥ 0");
        }

        // ln(1 + (e^{s} − 1)/p) with s = spend/b, ln p = LogSigmoid(x); written as logaddexp(0, ln(expm1 s) − ln p).
        double s = spend / b;
        if (s == 0)
        {
            return 0;
        }

        double logExpm1 = s > 30 ? s + Math.Log(-ExpM1(-s)) : Math.Log(ExpM1(s));
        double lnP = LogSigmoid((qYes - qNo) / b);
        return b * LogSumExp(0, logExpm1 - lnP);
    }

    /// <summary>NO shares that <paramref name="spend"/> buys: <see cref="YesSharesForSpend"/> with the outcomes swapped.</summary>
    public static double NoSharesForSpend(double qYes, double qNo, double b, double spend) => YesSharesForSpend(qNo, qYes, b, spend);

    /// <summary>The quantities (qYes, qNo) = (b·logit(p), 0) at which the YES price is <paramref name="yesPrice"/> ∈ (0, 1).</summary>
    public static (double QYes, double QNo) QuantitiesForPrice(double yesPrice, double b)
    {
        CheckB(b);
        CheckOpenProbability(yesPrice, nameof(yesPrice));
        return (b * Logit(yesPrice), 0);
    }

    /// <summary>The market maker's worst-case loss for a binary market opened at YES price 1/2: b·ln 2.</summary>
    public static double WorstCaseLoss(double b)
    {
        CheckB(b);
        return b * Math.Log(2);
    }

    /// <summary>
    /// The worst-case loss for a binary market opened at YES price p0: b·ln(1/min(p0, 1 − p0))
    /// (the winner is the outcome that started cheapest). Equals b·ln 2 at p0 = 1/2.
    /// </summary>
    public static double WorstCaseLoss(double b, double initialYesPrice)
    {
        CheckB(b);
        CheckOpenProbability(initialYesPrice, nameof(initialYesPrice));
        return -b * Math.Log(Math.Min(initialYesPrice, 1 - initialYesPrice));
    }

    /// <summary>ln(p/(1 − p)).</summary>
    public static double Logit(double p) => Math.Log(p) - Log1P(-p);

    /// <summary>1/(1 + e^{−x}), evaluated without overflow for any x.</summary>
    public static double Sigmoid(double x) => x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x));

    /// <summary>ln σ(x) = −softplus(−x), stable for any x.</summary>
    internal static double LogSigmoid(double x) => x >= 0 ? -Log1P(Math.Exp(-x)) : x - Log1P(Math.Exp(x));

    /// <summary>ln(e^a + e^c) without overflow.</summary>
    internal static double LogSumExp(double a, double c)
    {
        double hi = Math.Max(a, c);
        if (double.IsNegativeInfinity(hi))
        {
            return hi;
        }

        return hi + Log1P(Math.Exp(Math.Min(a, c) - hi));
    }

    /// <summary>ln(1 + x), accurate for small x (Kahan's trick; .NET's double.LogP1 is ln(x + 1) evaluated directly).</summary>
    internal static double Log1P(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0)
        {
            return x;
        }

        if (double.IsPositiveInfinity(u))
        {
            return Math.Log(x);
        }

        return Math.Log(u) * x / (u - 1.0);
    }

    /// <summary>e^x − 1, accurate for small x (Kahan's trick).</summary>
    internal static double ExpM1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1.0)
        {
            return x;
        }

        double um1 = u - 1.0;
        if (um1 == -1.0)
        {
            return -1.0;
        }

        if (double.IsPositiveInfinity(u))
        {
            return u;
        }

        return um1 * x / Math.Log(u);
    }

    private static void CheckB(double b)
    {
        if (!(b > 0) || double.IsInfinity(b))
        {
            throw new ArgumentOutOfRangeException(nameof(b), b, "the liquidity b must be finite and > 0");
        }
    }

    internal static void CheckOpenProbability(double p, string name)
    {
        if (!(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(name, p, "a price must lie strictly inside (0, 1)");
        }
    }
}
