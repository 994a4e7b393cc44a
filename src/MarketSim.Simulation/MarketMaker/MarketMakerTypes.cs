namespace MarketSim.Simulation.MarketMaker;

/// <summary>The two outcomes of a binary market.</summary>
public enum Outcome
{
    /// <summary>The market resolved NO.</summary>
    No = 0,

    /// <summary>The market resolved YES.</summary>
    Yes = 1,
}

/// <summary>What happened to a trade request. Only <see cref="Filled"/> changes any state.</summary>
public enum TradeStatus
{
    /// <summary>The trade was executed (shares and cash moved, a price point was recorded).</summary>
    Filled,

    /// <summary>Nothing to do: the price already equals the belief, or the amount rounds to zero shares.</summary>
    NothingToDo,

    /// <summary>Refused: the market is settled.</summary>
    MarketSettled,

    /// <summary>Refused: the trade costs more than the agent's cash (or than the per-trade cap).</summary>
    InsufficientFunds,

    /// <summary>Refused: the agent sells more shares than it holds (no short selling).</summary>
    InsufficientShares,
}

/// <summary>
/// The answer to a trade request. <see cref="YesShares"/>/<see cref="NoShares"/> are the agent's share changes
/// (positive bought, negative sold); <see cref="Cost"/> is the cash the agent paid (negative: received);
/// prices are the YES price before and after. A refused trade carries zeros, equal prices and an
/// <see cref="Error"/> message.
/// </summary>
public sealed record TradeResult(
    TradeStatus Status,
    long EventId,
    int AgentId,
    double YesShares,
    double NoShares,
    double Cost,
    double PriceBefore,
    double PriceAfter,
    string? Error)
{
    /// <summary>True when the trade was executed.</summary>
    public bool IsFilled => Status == TradeStatus.Filled;
}

/// <summary>One quote of a market's YES price, recorded at opening and after every filled trade.</summary>
public readonly record struct PricePoint(DateTimeOffset Time, double Price);

/// <summary>An agent's holding in one market (shares of YES and NO, both ≥ 0).</summary>
public readonly record struct Position(double Yes, double No);

/// <summary>A snapshot of one market: LMSR state, its money flows and settlement.</summary>
/// <param name="EventId">The event the market trades.</param>
/// <param name="Liquidity">LMSR liquidity parameter b.</param>
/// <param name="InitialPrice">YES price at opening (p0).</param>
/// <param name="QYes">Outstanding YES shares (LMSR q_yes).</param>
/// <param name="QNo">Outstanding NO shares (LMSR q_no).</param>
/// <param name="Price">Current YES price.</param>
/// <param name="IsSettled">True once the market has settled.</param>
/// <param name="Result">The outcome it settled on; null while open.</param>
/// <param name="Revenue">Net cash the market maker received from trades (Σ trade costs).</param>
/// <param name="Payout">Cash paid to winning shares at settlement (0 while open).</param>
/// <param name="WorstCaseLoss">b·ln(1/min(p0, 1 − p0)): the bound on −(Revenue − Payout).</param>
public sealed record MarketState(
    long EventId,
    double Liquidity,
    double InitialPrice,
    double QYes,
    double QNo,
    double Price,
    bool IsSettled,
    Outcome? Result,
    double Revenue,
    double Payout,
    double WorstCaseLoss);

/// <summary>The result of settling a market: what winning shares received and the market maker's P&amp;L on it.</summary>
public sealed record SettlementResult(long EventId, Outcome Outcome, double Payout, double Revenue, double MarketMakerPnl);
