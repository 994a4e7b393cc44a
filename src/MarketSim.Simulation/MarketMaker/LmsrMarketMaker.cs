namespace MarketSim.Simulation.MarketMaker;

/// <summary>
/// An automated LMSR market maker for many binary markets (keyed by event id) and many trading agents
/// (keyed by agent id, each with a cash budget). Pure and deterministic: no clock (every call carries the
/// simulation time), no randomness, holders are settled in agent-id order. Not thread-safe: one owner
/// (an actor) calls it.
/// <para>
/// Errors: a refused trade (settled market, beyond budget or cap, selling shares not held) returns a
/// <see cref="TradeResult"/> with that <see cref="TradeStatus"/> and changes nothing. Programming errors
/// throw: unknown market or agent (<see cref="KeyNotFoundException"/>), a duplicate id, settling twice or a
/// time earlier than the market's last quote (<see cref="InvalidOperationException"/>), NaN, infinite or
/// out-of-range arguments (<see cref="ArgumentOutOfRangeException"/>).
/// </para>
/// </summary>
public sealed class LmsrMarketMaker
{
    /// <summary>Beliefs are clipped to [BeliefClip, 1 − BeliefClip] before trading toward them.</summary>
    public const double BeliefClip = 1e-6;

    private readonly Dictionary<long, Book> _markets = new();
    private readonly Dictionary<int, Agent> _agents = new();

    /// <summary>Event ids of all markets, in opening order.</summary>
    public IReadOnlyList<long> MarketIds => _marketOrder;

    private readonly List<long> _marketOrder = new();

    /// <summary>Opens a market at YES price <paramref name="initialYesPrice"/> ∈ (0, 1) with liquidity b: q = (b·logit(p0), 0).</summary>
    public void OpenMarket(long eventId, double initialYesPrice, double liquidity, DateTimeOffset time)
    {
        if (_markets.ContainsKey(eventId))
        {
            throw new InvalidOperationException($"market {eventId} is already open");
        }

        var (qy, qn) = Lmsr.QuantitiesForPrice(initialYesPrice, liquidity);
        var m = new Book(eventId, liquidity, initialYesPrice, qy, qn);
        m.History.Add(new PricePoint(time, Lmsr.PriceYes(qy, qn, liquidity)));
        _markets.Add(eventId, m);
        _marketOrder.Add(eventId);
    }

    /// <summary>Registers a trading agent with a cash budget (finite, ≥ 0).</summary>
    public void AddAgent(int agentId, double budget)
    {
        if (!(budget >= 0) || double.IsInfinity(budget))
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget, "a budget must be finite and ≥ 0");
        }

        if (_agents.ContainsKey(agentId))
        {
            throw new InvalidOperationException($"agent {agentId} already exists");
        }

        _agents.Add(agentId, new Agent(budget));
    }

    /// <summary>True when a market with this event id was opened.</summary>
    public bool HasMarket(long eventId) => _markets.ContainsKey(eventId);

    /// <summary>True when an agent with this id was added.</summary>
    public bool HasAgent(int agentId) => _agents.ContainsKey(agentId);

    /// <summary>
    /// Buys <paramref name="shares"/> (&gt; 0) of <paramref name="outcome"/> at the LMSR cost.
    /// Refused (<see cref="TradeStatus.InsufficientFunds"/>) when the cost exceeds the agent's cash.
    /// </summary>
    public TradeResult Buy(int agentId, long eventId, Outcome outcome, double shares, DateTimeOffset time)
    {
        CheckShares(shares);
        var (m, a) = Lookup(eventId, agentId, time);
        double before = m.Price;
        if (m.Result is not null)
        {
            return Refused(TradeStatus.MarketSettled, m, agentId, $"market {eventId} is settled");
        }

        double dy = outcome == Outcome.Yes ? shares : 0;
        double dn = outcome == Outcome.No ? shares : 0;
        double cost = Lmsr.TradeCost(m.QYes, m.QNo, m.B, dy, dn);
        if (cost > a.Cash)
        {
            return Refused(TradeStatus.InsufficientFunds, m, agentId,
                $"agent {agentId} needs {cost:R} to buy {shares:R} {outcome} in market {eventId} but has {a.Cash:R}");
        }

        Apply(m, a, agentId, dy, dn, cost, time);
        return new TradeResult(TradeStatus.Filled, eventId, agentId, dy, dn, cost, before, m.Price, null);
    }

    /// <summary>
    /// Sells <paramref name="shares"/> (&gt; 0) of <paramref name="outcome"/> back to the market maker (the agent
    /// receives −cost). Refused (<see cref="TradeStatus.InsufficientShares"/>) beyond the agent's holding.
    /// </summary>
    public TradeResult Sell(int agentId, long eventId, Outcome outcome, double shares, DateTimeOffset time)
    {
        CheckShares(shares);
        var (m, a) = Lookup(eventId, agentId, time);
        if (m.Result is not null)
        {
            return Refused(TradeStatus.MarketSettled, m, agentId, $"market {eventId} is settled");
        }

        double held = a.Positions.TryGetValue(eventId, out var p) ? p[(int)outcome] : 0;
        if (shares > held)
        {
            return Refused(TradeStatus.InsufficientShares, m, agentId,
                $"agent {agentId} sells {shares:R} {outcome} in market {eventId} but holds {held:R}");
        }

        double before = m.Price;
        double dy = outcome == Outcome.Yes ? -shares : 0;
        double dn = outcome == Outcome.No ? -shares : 0;
        double cost = Lmsr.TradeCost(m.QYes, m.QNo, m.B, dy, dn);
        Apply(m, a, agentId, dy, dn, cost, time);
        return new TradeResult(TradeStatus.Filled, eventId, agentId, dy, dn, cost, before, m.Price, null);
    }

    /// <summary>
    /// Trades until the YES price reaches <paramref name="belief"/> (clipped to [<see cref="BeliefClip"/>,
    /// 1 − BeliefClip]), or until the cash this trade may spend — min(cash, <paramref name="maxSpend"/>) — is
    /// exhausted. If the belief is above the price, the agent first sells the NO shares it holds (which moves the
    /// price exactly as buying YES does, and pays cash), then buys YES; below the price, symmetrically. One
    /// call is one trade (one price point). Returns <see cref="TradeStatus.NothingToDo"/> when the price is
    /// already at the belief, <see cref="TradeStatus.InsufficientFunds"/> when it had to buy but may spend nothing.
    /// </summary>
    public TradeResult TradeTowardBelief(int agentId, long eventId, double belief, DateTimeOffset time, double maxSpend = double.PositiveInfinity)
    {
        if (!(belief >= 0 && belief <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(belief), belief, "a belief must lie in [0, 1]");
        }

        if (!(maxSpend >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxSpend), maxSpend, "maxSpend must be ≥ 0");
        }

        var (m, a) = Lookup(eventId, agentId, time);
        if (m.Result is not null)
        {
            return Refused(TradeStatus.MarketSettled, m, agentId, $"market {eventId} is settled");
        }

        double before = m.Price;
        double target = Math.Clamp(belief, BeliefClip, 1 - BeliefClip);
        double need = Lmsr.SharesToReachPrice(m.QYes, m.QNo, m.B, target); // in the YES direction
        var side = need > 0 ? Outcome.Yes : Outcome.No;
        int s = (int)side, o = 1 - s;
        double amount = Math.Abs(need);
        if (!(amount > 1e-12 * Math.Max(1.0, m.B)))
        {
            return new TradeResult(TradeStatus.NothingToDo, eventId, agentId, 0, 0, 0, before, before, null);
        }

        var pos = a.Positions.TryGetValue(eventId, out var held) ? held : new double[2];
        var d = new double[2];
        // 1. Sell the opposite shares held (cash comes in; no budget needed).
        double sell = Math.Min(amount, pos[o]);
        d[o] = -sell;
        double q0 = m.Q(s), q1 = m.Q(o) - sell;
        double saleCost = sell > 0 ? Lmsr.TradeCost(m.Q(s), m.Q(o), m.B, 0, -sell) : 0; // ≤ 0
        // 2. Buy the remainder of `side`, within the spend limit.
        double rest = amount - sell;
        double buyCost = 0;
        if (rest > 0)
        {
            double limit = Math.Min(a.Cash - saleCost, maxSpend);
            if (limit > 0)
            {
                double buy = Math.Min(rest, Lmsr.YesSharesForSpend(q0, q1, m.B, limit));
                buyCost = Lmsr.TradeCost(q0, q1, m.B, buy, 0);
                // Rounding may put the cost of the largest affordable amount a hair above the limit: shrink.
                for (int i = 0; buyCost > limit && i < 60; i++)
                {
                    buy *= 1 - 1e-12 * (1 << Math.Min(i, 30));
                    buyCost = Lmsr.TradeCost(q0, q1, m.B, buy, 0);
                }

                if (buyCost > limit || buy <= 1e-12 * m.B) // dust: not worth a quote
                {
                    buy = 0;
                    buyCost = 0;
                }

                d[s] = buy;
            }
        }

        if (d[s] == 0 && d[o] == 0)
        {
            return Refused(TradeStatus.InsufficientFunds, m, agentId,
                $"agent {agentId} may spend {Math.Min(a.Cash, maxSpend):R} on market {eventId}: nothing to buy toward {belief:R}");
        }

        // Price the combined trade in one step (path independence makes it equal to saleCost + buyCost).
        double dy = d[(int)Outcome.Yes], dn = d[(int)Outcome.No];
        double cost = Lmsr.TradeCost(m.QYes, m.QNo, m.B, dy, dn);
        if (cost > a.Cash)
        {
            cost = a.Cash; // only reachable by ≤ 1 ulp-scale rounding of the two-step price
        }

        Apply(m, a, agentId, dy, dn, cost, time);
        return new TradeResult(TradeStatus.Filled, eventId, agentId, dy, dn, cost, before, m.Price, null);
    }

    /// <summary>
    /// Settles a market: each winning share pays 1 to its holder (in agent-id order). Later trades are refused
    /// with <see cref="TradeStatus.MarketSettled"/>; settling twice throws.
    /// </summary>
    public SettlementResult Settle(long eventId, Outcome outcome, DateTimeOffset time)
    {
        var m = GetMarket(eventId);
        if (m.Result is not null)
        {
            throw new InvalidOperationException($"market {eventId} is already settled ({m.Result})");
        }

        CheckTime(m, time);
        double payout = 0;
        foreach (var (agentId, pos) in m.Holders)
        {
            double win = pos[(int)outcome];
            if (win != 0)
            {
                _agents[agentId].Cash += win;
                payout += win;
            }
        }

        m.Result = outcome;
        m.Payout = payout;
        m.SettledAt = time;
        return new SettlementResult(eventId, outcome, payout, m.Revenue, m.Revenue - payout);
    }

    /// <summary>The current YES price of a market (after settlement: the last quote before it).</summary>
    public double Price(long eventId) => GetMarket(eventId).Price;

    /// <summary>
    /// The market maker's last quote at or before <paramref name="time"/> (scoring.md §9.2's price_t), or null
    /// before the market opened. Quotes after settlement are not defined: the last quote is held.
    /// </summary>
    public double? PriceAt(long eventId, DateTimeOffset time)
    {
        var h = GetMarket(eventId).History;
        int lo = 0, hi = h.Count; // first index with Time > time
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (h[mid].Time <= time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo == 0 ? null : h[lo - 1].Price;
    }

    /// <summary>Every quote of a market in time order: the opening price, then one point per filled trade.</summary>
    public IReadOnlyList<PricePoint> PriceHistory(long eventId) => GetMarket(eventId).History;

    /// <summary>A snapshot of a market.</summary>
    public MarketState Market(long eventId)
    {
        var m = GetMarket(eventId);
        return new MarketState(m.EventId, m.B, m.InitialPrice, m.QYes, m.QNo, m.Price, m.Result is not null, m.Result,
            m.Revenue, m.Payout, Lmsr.WorstCaseLoss(m.B, m.InitialPrice));
    }

    /// <summary>An agent's shares in a market (kept after settlement, for the record; they are paid out then).</summary>
    public Position PositionOf(int agentId, long eventId)
    {
        var a = GetAgent(agentId);
        return a.Positions.TryGetValue(eventId, out var p) ? new Position(p[1], p[0]) : default;
    }

    /// <summary>An agent's cash: its budget, minus what it paid for trades, plus what it received from sales and settlements.</summary>
    public double Cash(int agentId) => GetAgent(agentId).Cash;

    /// <summary>An agent's starting budget.</summary>
    public double Budget(int agentId) => GetAgent(agentId).Budget;

    /// <summary>
    /// An agent's P&amp;L: cash − budget + the value of its shares in open markets at the current price
    /// (YES·p + NO·(1 − p)); shares in settled markets were paid out and count 0. Exact (realised) once every
    /// market it traded in is settled.
    /// </summary>
    public double AgentPnl(int agentId)
    {
        var a = GetAgent(agentId);
        double value = 0;
        foreach (var (eventId, pos) in a.Positions)
        {
            var m = _markets[eventId];
            if (m.Result is null)
            {
                double p = m.Price;
                value += pos[1] * p + pos[0] * (1 - p);
            }
        }

        return a.Cash - a.Budget + value;
    }

    /// <summary>
    /// The market maker's P&amp;L on one market: revenue − payout once settled; while open, revenue minus the
    /// agents' shares valued at the current price (so that it and <see cref="AgentPnl"/> sum to zero).
    /// Never below −<see cref="MarketState.WorstCaseLoss"/> once settled.
    /// </summary>
    public double MarketMakerPnl(long eventId)
    {
        var m = GetMarket(eventId);
        if (m.Result is not null)
        {
            return m.Revenue - m.Payout;
        }

        double p = m.Price;
        double outstandingYes = 0, outstandingNo = 0;
        foreach (var (_, pos) in m.Holders)
        {
            outstandingYes += pos[1];
            outstandingNo += pos[0];
        }

        return m.Revenue - (outstandingYes * p + outstandingNo * (1 - p));
    }

    /// <summary>The market maker's P&amp;L summed over all markets (in opening order).</summary>
    public double MarketMakerPnl()
    {
        double sum = 0;
        foreach (long id in _marketOrder)
        {
            sum += MarketMakerPnl(id);
        }

        return sum;
    }

    private void Apply(Book m, Agent a, int agentId, double dy, double dn, double cost, DateTimeOffset time)
    {
        m.QYes += dy;
        m.QNo += dn;
        m.Revenue += cost;
        a.Cash -= cost;
        if (a.Cash < 0)
        {
            a.Cash = 0; // rounding residue only: every path checks cost ≤ cash first
        }

        var pos = a.PositionIn(m.EventId);
        pos[1] = Math.Max(0, pos[1] + dy);
        pos[0] = Math.Max(0, pos[0] + dn);
        m.Holders[agentId] = pos;
        m.History.Add(new PricePoint(time, m.Price));
    }

    private (Book, Agent) Lookup(long eventId, int agentId, DateTimeOffset time)
    {
        var m = GetMarket(eventId);
        var a = GetAgent(agentId);
        CheckTime(m, time);
        return (m, a);
    }

    private static void CheckTime(Book m, DateTimeOffset time)
    {
        var last = m.History[^1].Time;
        if (time < last)
        {
            throw new InvalidOperationException($"market {m.EventId}: time {time:O} is before its last quote at {last:O}");
        }
    }

    private Book GetMarket(long eventId) =>
        _markets.TryGetValue(eventId, out var m) ? m : throw new KeyNotFoundException($"no market {eventId}");

    private Agent GetAgent(int agentId) =>
        _agents.TryGetValue(agentId, out var a) ? a : throw new KeyNotFoundException($"no agent {agentId}");

    private static TradeResult Refused(TradeStatus status, Book m, int agentId, string error) =>
        new(status, m.EventId, agentId, 0, 0, 0, m.Price, m.Price, error);

    private static void CheckShares(double shares)
    {
        if (!(shares > 0) || double.IsInfinity(shares))
        {
            throw new ArgumentOutOfRangeException(nameof(shares), shares, "shares must be finite and > 0");
        }
    }

    private sealed class Book(long eventId, double b, double initialPrice, double qYes, double qNo)
    {
        public long EventId { get; } = eventId;
        public double B { get; } = b;
        public double InitialPrice { get; } = initialPrice;
        public double QYes { get; set; } = qYes;
        public double QNo { get; set; } = qNo;
        public double Revenue { get; set; }
        public double Payout { get; set; }
        public Outcome? Result { get; set; }
        public DateTimeOffset? SettledAt { get; set; }
        public List<PricePoint> History { get; } = new();
        public SortedDictionary<int, double[]> Holders { get; } = new();
        public double Price => Lmsr.PriceYes(QYes, QNo, B);
        public double Q(int outcome) => outcome == (int)Outcome.Yes ? QYes : QNo;
    }

    private sealed class Agent(double budget)
    {
        public double Budget { get; } = budget;
        public double Cash { get; set; } = budget;

        /// <summary>Per market: [NO shares, YES shares], indexed by <see cref="Outcome"/>.</summary>
        public SortedDictionary<long, double[]> Positions { get; } = new();

        public double[] PositionIn(long eventId)
        {
            if (!Positions.TryGetValue(eventId, out var p))
            {
                p = new double[2];
                Positions.Add(eventId, p);
            }

            return p;
        }
    }
}
