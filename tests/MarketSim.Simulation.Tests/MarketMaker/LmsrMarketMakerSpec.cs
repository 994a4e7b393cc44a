using FsCheck;
using FsCheck.Fluent;
using MarketSim.Simulation.MarketMaker;
using Outcome = MarketSim.Simulation.MarketMaker.Outcome;

namespace MarketSim.Simulation.Tests.MarketMaker;

/// <summary>The multi-market, multi-agent LMSR market maker: trades, refusals, settlement and P&amp;L.</summary>
public sealed class LmsrMarketMakerSpec
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static LmsrMarketMaker OneMarket(double p0 = 0.5, double b = 100, params (int Id, double Budget)[] agents)
    {
        var mm = new LmsrMarketMaker();
        mm.OpenMarket(7, p0, b, T0);
        foreach (var (id, budget) in agents)
        {
            mm.AddAgent(id, budget);
        }

        return mm;
    }

    [Fact]
    public void A_market_opens_at_its_initial_price_with_one_quote()
    {
        var mm = OneMarket(0.3, 50);
        Assert.Equal(0.3, mm.Price(7), 1e-14);
        Assert.Equal([new PricePoint(T0, mm.Price(7))], mm.PriceHistory(7));
        var s = mm.Market(7);
        Assert.False(s.IsSettled);
        Assert.Equal(-50 * Math.Log(0.3), s.WorstCaseLoss, 1e-12);
        Assert.Equal([7L], mm.MarketIds);
    }

    [Fact]
    public void Buying_moves_cash_shares_and_the_price_and_records_a_quote()
    {
        var mm = OneMarket(agents: (1, 100));
        var r = mm.Buy(1, 7, Outcome.Yes, 20, T0.AddMinutes(1));

        Assert.True(r.IsFilled);
        Assert.Equal(Lmsr.TradeCost(0, 0, 100, 20, 0), r.Cost, 1e-15);
        Assert.Equal(100 - r.Cost, mm.Cash(1), 1e-12);
        Assert.Equal(new Position(20, 0), mm.PositionOf(1, 7));
        Assert.Equal(0.5, r.PriceBefore);
        Assert.True(r.PriceAfter > 0.5);
        Assert.Equal(r.PriceAfter, mm.Price(7));
        Assert.Equal(2, mm.PriceHistory(7).Count);
        Assert.Equal(r.Cost, mm.Market(7).Revenue, 1e-15);
    }

    [Fact]
    public void A_trade_beyond_the_budget_is_refused_and_changes_nothing()
    {
        var mm = OneMarket(agents: (1, 5));
        var r = mm.Buy(1, 7, Outcome.No, 20, T0);

        Assert.Equal(TradeStatus.InsufficientFunds, r.Status);
        Assert.Contains("agent 1", r.Error);
        Assert.Equal(5, mm.Cash(1));
        Assert.Equal(default, mm.PositionOf(1, 7));
        Assert.Single(mm.PriceHistory(7));
    }

    [Fact]
    public void Selling_more_than_is_held_is_refused()
    {
        var mm = OneMarket(agents: (1, 100));
        mm.Buy(1, 7, Outcome.Yes, 3, T0);
        var r = mm.Sell(1, 7, Outcome.Yes, 4, T0);
        Assert.Equal(TradeStatus.InsufficientShares, r.Status);
        Assert.Equal(TradeStatus.InsufficientShares, mm.Sell(1, 7, Outcome.No, 1, T0).Status);

        var ok = mm.Sell(1, 7, Outcome.Yes, 3, T0);
        Assert.True(ok.IsFilled);
        Assert.Equal(new Position(0, 0), mm.PositionOf(1, 7));
        Assert.Equal(100, mm.Cash(1), 1e-12); // a round trip is free
        Assert.Equal(0.5, mm.Price(7), 1e-14);
    }

    [Fact]
    public void Trades_on_a_settled_market_are_refused()
    {
        var mm = OneMarket(agents: (1, 100));
        mm.Settle(7, Outcome.Yes, T0);

        Assert.Equal(TradeStatus.MarketSettled, mm.Buy(1, 7, Outcome.Yes, 1, T0).Status);
        Assert.Equal(TradeStatus.MarketSettled, mm.Sell(1, 7, Outcome.Yes, 1, T0).Status);
        Assert.Equal(TradeStatus.MarketSettled, mm.TradeTowardBelief(1, 7, 0.9, T0).Status);
        Assert.Throws<InvalidOperationException>(() => mm.Settle(7, Outcome.No, T0));
    }

    [Fact]
    public void Programming_errors_throw()
    {
        var mm = OneMarket(agents: (1, 100));
        Assert.Throws<KeyNotFoundException>(() => mm.Buy(2, 7, Outcome.Yes, 1, T0));
        Assert.Throws<KeyNotFoundException>(() => mm.Buy(1, 8, Outcome.Yes, 1, T0));
        Assert.Throws<InvalidOperationException>(() => mm.OpenMarket(7, 0.5, 1, T0));
        Assert.Throws<InvalidOperationException>(() => mm.AddAgent(1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => mm.Buy(1, 7, Outcome.Yes, 0, T0));
        Assert.Throws<ArgumentOutOfRangeException>(() => mm.Buy(1, 7, Outcome.Yes, double.NaN, T0));
        Assert.Throws<ArgumentOutOfRangeException>(() => mm.TradeTowardBelief(1, 7, 1.5, T0));
        Assert.Throws<ArgumentOutOfRangeException>(() => mm.OpenMarket(9, 1, 1, T0));
        mm.Buy(1, 7, Outcome.Yes, 1, T0.AddHours(1));
        Assert.Throws<InvalidOperationException>(() => mm.Buy(1, 7, Outcome.Yes, 1, T0)); // earlier than the last quote
    }

    [Fact]
    public void Trading_toward_a_belief_with_enough_cash_reaches_it()
    {
        var mm = OneMarket(agents: (1, 1000));
        var up = mm.TradeTowardBelief(1, 7, 0.8, T0);
        Assert.True(up.IsFilled);
        Assert.Equal(0.8, mm.Price(7), 1e-12);
        Assert.True(up.YesShares > 0 && up.NoShares == 0);

        var down = mm.TradeTowardBelief(1, 7, 0.3, T0);
        Assert.Equal(0.3, mm.Price(7), 1e-12);
        // It sold its YES first (cash came in), then bought NO.
        Assert.Equal(-up.YesShares, down.YesShares, 1e-9);
        Assert.True(down.NoShares > 0);
        Assert.Equal(0, mm.PositionOf(1, 7).Yes);

        Assert.Equal(TradeStatus.NothingToDo, mm.TradeTowardBelief(1, 7, 0.3, T0).Status);
    }

    [Fact]
    public void Trading_toward_a_belief_stops_when_the_budget_or_the_cap_is_spent()
    {
        var mm = OneMarket(agents: [(1, 10), (2, 1000)]);
        var r = mm.TradeTowardBelief(1, 7, 0.99, T0);
        Assert.True(r.IsFilled);
        Assert.InRange(mm.Cash(1), 0, 1e-9);
        Assert.InRange(r.Cost, 10 - 1e-9, 10);
        Assert.InRange(mm.Price(7), 0.5, 0.99);

        var capped = mm.TradeTowardBelief(2, 7, 0.99, T0, maxSpend: 5);
        Assert.InRange(capped.Cost, 5 - 1e-9, 5);
        Assert.Equal(995, mm.Cash(2), 1e-9);

        Assert.Equal(TradeStatus.InsufficientFunds, mm.TradeTowardBelief(1, 7, 0.99, T0).Status);
    }

    [Fact]
    public void Beliefs_of_zero_and_one_are_clipped()
    {
        var mm = OneMarket(agents: (1, 1e6));
        mm.TradeTowardBelief(1, 7, 1, T0);
        Assert.Equal(1 - LmsrMarketMaker.BeliefClip, mm.Price(7), 1e-12);
        mm.TradeTowardBelief(1, 7, 0, T0);
        Assert.Equal(LmsrMarketMaker.BeliefClip, mm.Price(7), 1e-12);
    }

    [Fact]
    public void Settlement_pays_one_per_winning_share_and_the_books_balance()
    {
        var mm = OneMarket(agents: [(1, 100), (2, 100)]);
        var a = mm.Buy(1, 7, Outcome.Yes, 30, T0);
        var b = mm.Buy(2, 7, Outcome.No, 10, T0);
        var s = mm.Settle(7, Outcome.Yes, T0.AddDays(1));

        Assert.Equal(30, s.Payout, 1e-12);
        Assert.Equal(a.Cost + b.Cost, s.Revenue, 1e-12);
        Assert.Equal(s.Revenue - 30, s.MarketMakerPnl, 1e-12);
        Assert.Equal(30 - a.Cost, mm.AgentPnl(1), 1e-12);
        Assert.Equal(-b.Cost, mm.AgentPnl(2), 1e-12);
        Assert.Equal(0, mm.AgentPnl(1) + mm.AgentPnl(2) + mm.MarketMakerPnl(), 1e-10);
        Assert.True(mm.Market(7).IsSettled);
        Assert.Equal(Outcome.Yes, mm.Market(7).Result);
    }

    [Fact]
    public void The_price_at_a_time_is_the_last_quote_at_or_before_it()
    {
        var mm = OneMarket(agents: (1, 100));
        mm.Buy(1, 7, Outcome.Yes, 10, T0.AddHours(1));
        double p1 = mm.Price(7);
        mm.Buy(1, 7, Outcome.Yes, 10, T0.AddHours(2));
        mm.Buy(1, 7, Outcome.Yes, 10, T0.AddHours(2));
        double p2 = mm.Price(7);

        Assert.Null(mm.PriceAt(7, T0.AddSeconds(-1)));
        Assert.Equal(0.5, mm.PriceAt(7, T0));
        Assert.Equal(0.5, mm.PriceAt(7, T0.AddMinutes(59)));
        Assert.Equal(p1, mm.PriceAt(7, T0.AddHours(1)));
        Assert.Equal(p2, mm.PriceAt(7, T0.AddHours(2)));
        Assert.Equal(p2, mm.PriceAt(7, T0.AddYears(1)));
    }

    [Fact]
    public void Any_trading_then_settlement_costs_the_market_maker_at_most_its_bound_and_is_zero_sum()
    {
        // Three agents trade toward random beliefs and buy or sell at random, in two markets; then both settle.
        var action = from agent in Gen.Choose(1, 3)
                     from market in Gen.Choose(0, 1)
                     from kind in Gen.Choose(0, 3)
                     from amount in Gen.Choose(1, 10_000)
                     from cap in Gen.Choose(0, 2)
                     select (agent, market, kind, amount, cap);
        var gen = from p0 in Gen.Choose(1, 99)
                  from b in LmsrSpec.Liquidity
                  from actions in Gen.ListOf(action, 40)
                  from outcomes in Gen.ArrayOf(Gen.Elements(Outcome.No, Outcome.Yes), 2)
                  select (p0: p0 / 100.0, b, actions, outcomes);
        Prop.ForAll(Arb.From(gen), t =>
        {
            var mm = Play(t.p0, t.b, t.actions, t.outcomes);
            double agents = mm.AgentPnl(1) + mm.AgentPnl(2) + mm.AgentPnl(3);
            double scale = 1 + t.b + mm.Budget(1) + mm.Budget(2) + mm.Budget(3);
            Assert.True(Math.Abs(agents + mm.MarketMakerPnl()) <= 1e-9 * scale, $"agents {agents}, market maker {mm.MarketMakerPnl()}");
            foreach (long id in mm.MarketIds)
            {
                var s = mm.Market(id);
                Assert.True(mm.MarketMakerPnl(id) >= -s.WorstCaseLoss - 1e-9 * scale, $"market {id}: {mm.MarketMakerPnl(id)} < −{s.WorstCaseLoss}");
                if (t.p0 == 0.5)
                {
                    Assert.Equal(Lmsr.WorstCaseLoss(t.b), s.WorstCaseLoss, 1e-12);
                }
            }

            for (int agent = 1; agent <= 3; agent++)
            {
                Assert.True(mm.Cash(agent) >= 0);
            }
        }).Check(LmsrSpec.Replayed.WithMaxTest(200));
    }

    [Fact]
    public void The_same_requests_give_bit_identical_books()
    {
        var actions = Enumerable.Range(0, 60).Select(i => (agent: 1 + i % 3, market: i % 2, kind: i % 4, amount: 37 * i % 9973 + 1, cap: i % 3)).ToList();
        var x = Play(0.42, 30, actions, [Outcome.Yes, Outcome.No]);
        var y = Play(0.42, 30, actions, [Outcome.Yes, Outcome.No]);
        foreach (long id in x.MarketIds)
        {
            Assert.Equal(x.PriceHistory(id), y.PriceHistory(id));
            Assert.Equal(x.Market(id), y.Market(id));
        }

        for (int agent = 1; agent <= 3; agent++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(x.Cash(agent)), BitConverter.DoubleToInt64Bits(y.Cash(agent)));
        }
    }

    private static LmsrMarketMaker Play(double p0, double b, IEnumerable<(int agent, int market, int kind, int amount, int cap)> actions, Outcome[] outcomes)
    {
        var mm = new LmsrMarketMaker();
        mm.OpenMarket(100, p0, b, T0);
        mm.OpenMarket(101, 1 - p0, b, T0);
        mm.AddAgent(1, 10 * b);
        mm.AddAgent(2, b);
        mm.AddAgent(3, 0.1 * b);
        var t = T0;
        foreach (var (agent, market, kind, amount, cap) in actions)
        {
            t = t.AddMinutes(1);
            long id = 100 + market;
            var outcome = amount % 2 == 0 ? Outcome.Yes : Outcome.No;
            double shares = amount * b / 2000.0;
            _ = kind switch
            {
                0 => mm.Buy(agent, id, outcome, shares, t),
                1 => mm.Sell(agent, id, outcome, Math.Min(shares, Math.Max(mm.PositionOf(agent, id).Yes, 1e-3)), t),
                _ => mm.TradeTowardBelief(agent, id, amount / 10_000.0, t, cap == 0 ? double.PositiveInfinity : cap * b / 10),
            };
        }

        mm.Settle(100, outcomes[0], t);
        mm.Settle(101, outcomes[1], t);
        return mm;
    }
}
