using FsCheck;
using FsCheck.Fluent;
using MarketSim.Simulation.MarketMaker;
using Microsoft.FSharp.Core;

namespace MarketSim.Simulation.Tests.MarketMaker;

/// <summary>The binary LMSR functions: closed forms, stability and the properties of docs/marketmaker.md.</summary>
public sealed class LmsrSpec
{
    internal static readonly Config Replayed = Config.QuickThrowOnFailure
        .WithMaxTest(500)
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(20261122UL, 1UL), FSharpOption<int>.None)));

    /// <summary>Liquidity from 0.01 to 10,000 (log-uniform-ish).</summary>
    internal static readonly Gen<double> Liquidity = Gen.Choose(-200, 400).Select(k => Math.Pow(10, k / 100.0));

    /// <summary>A trade (dYes, dNo) of up to ±3b shares per side, sometimes one-sided.</summary>
    internal static Gen<(double DYes, double DNo)> Trade(double b) =>
        from kind in Gen.Choose(0, 2)
        from y in Gen.Choose(-3000, 3000)
        from n in Gen.Choose(-3000, 3000)
        select (kind == 2 ? 0 : y * b / 1000.0, kind == 1 ? 0 : n * b / 1000.0);

    internal static readonly Gen<(double B, (double DYes, double DNo)[] Trades)> Sequences =
        from b in Liquidity
        from count in Gen.Choose(0, 25)
        from trades in Gen.ArrayOf(Trade(b), count)
        select (b, trades);

    [Fact]
    public void Prices_lie_strictly_inside_zero_and_one_and_sum_to_one()
    {
        var gen = from b in Liquidity
                  from y in Gen.Choose(-15_000, 15_000) // |qYes − qNo|/b ≤ 30: beyond ~37 a price rounds to 1.0
                  from n in Gen.Choose(-15_000, 15_000)
                  select (b, qy: y * b / 1000.0, qn: n * b / 1000.0);
        Prop.ForAll(Arb.From(gen), t =>
        {
            double py = Lmsr.PriceYes(t.qy, t.qn, t.b), pn = Lmsr.PriceNo(t.qy, t.qn, t.b);
            Assert.True(py > 0 && py < 1 && pn > 0 && pn < 1, $"prices {py}, {pn}");
            Assert.True(Math.Abs(py + pn - 1) <= 1e-12, $"sum {py + pn}");
        }).Check(Replayed);
    }

    [Fact]
    public void Any_sequence_of_trades_reaching_the_same_quantities_costs_the_same_total()
    {
        Prop.ForAll(Arb.From(Sequences), t =>
        {
            double qy = 0, qn = 0, total = 0, scale = 1;
            foreach (var (dy, dn) in t.Trades)
            {
                double c = Lmsr.TradeCost(qy, qn, t.B, dy, dn);
                total += c;
                scale += Math.Abs(c);
                qy += dy;
                qn += dn;
            }

            double direct = Lmsr.Cost(qy, qn, t.B) - Lmsr.Cost(0, 0, t.B);
            double oneStep = Lmsr.TradeCost(0, 0, t.B, qy, qn);
            // The same trades in reverse order reach the same quantities.
            double ry = 0, rn = 0, reversed = 0;
            for (int i = t.Trades.Length - 1; i >= 0; i--)
            {
                reversed += Lmsr.TradeCost(ry, rn, t.B, t.Trades[i].DYes, t.Trades[i].DNo);
                ry += t.Trades[i].DYes;
                rn += t.Trades[i].DNo;
            }

            double tol = 1e-9 * scale;
            Assert.True(Math.Abs(total - direct) <= tol, $"path {total} vs C(q') − C(q0) {direct}");
            Assert.True(Math.Abs(total - oneStep) <= tol, $"path {total} vs one trade {oneStep}");
            Assert.True(Math.Abs(total - reversed) <= tol, $"path {total} vs reversed {reversed}");
        }).Check(Replayed);
    }

    [Fact]
    public void The_market_maker_never_loses_more_than_b_ln_2_from_a_market_opened_at_one_half()
    {
        Prop.ForAll(Arb.From(Sequences), t =>
        {
            double qy = 0, qn = 0, revenue = 0;
            foreach (var (dy, dn) in t.Trades)
            {
                revenue += Lmsr.TradeCost(qy, qn, t.B, dy, dn);
                qy += dy;
                qn += dn;
            }

            double bound = Lmsr.WorstCaseLoss(t.B);
            double slack = 1e-9 * (1 + Math.Abs(qy) + Math.Abs(qn) + t.B);
            foreach (double winning in new[] { qy, qn }) // traders hold q − q0 = q; the winning side pays 1 a share
            {
                double loss = winning - revenue;
                Assert.True(loss <= bound + slack, $"loss {loss} > b ln 2 = {bound}");
            }
        }).Check(Replayed);
    }

    [Fact]
    public void Buying_YES_raises_the_YES_price_monotonically_and_costs_less_than_one_a_share()
    {
        var gen = from b in Liquidity
                  from start in Gen.Choose(-5000, 5000)
                  from steps in Gen.ArrayOf(Gen.Choose(1, 1000), 10)
                  select (b, q0: start * b / 1000.0, steps);
        Prop.ForAll(Arb.From(gen), t =>
        {
            double qy = t.q0, price = Lmsr.PriceYes(qy, 0, t.b);
            foreach (int step in t.steps)
            {
                double d = step * t.b / 1000.0;
                double cost = Lmsr.TradeCost(qy, 0, t.b, d, 0);
                Assert.True(cost > price * d * (1 - 1e-12) && cost < d, $"cost {cost} of {d} shares at price {price}");
                qy += d;
                double next = Lmsr.PriceYes(qy, 0, t.b);
                Assert.True(next > price, $"{next} after {price}");
                price = next;
            }
        }).Check(Replayed);
    }

    [Fact]
    public void Huge_quantities_neither_overflow_nor_lose_the_prices()
    {
        var gen = from b in Liquidity
                  from ey in Gen.Choose(0, 300)
                  from en in Gen.Choose(0, 300)
                  from sy in Gen.Elements(-1.0, 1.0)
                  from sn in Gen.Elements(-1.0, 1.0)
                  select (b, qy: sy * Math.Pow(10, ey / 20.0), qn: sn * Math.Pow(10, en / 20.0));
        Prop.ForAll(Arb.From(gen), t =>
        {
            double c = Lmsr.Cost(t.qy, t.qn, t.b);
            double py = Lmsr.PriceYes(t.qy, t.qn, t.b), pn = Lmsr.PriceNo(t.qy, t.qn, t.b);
            double hi = Math.Max(t.qy, t.qn);
            Assert.True(double.IsFinite(c), $"C = {c}");
            Assert.True(c >= hi && c <= hi + t.b * Math.Log(2) * (1 + 1e-12) + 1e-12 * Math.Abs(hi), $"C = {c}, max q = {hi}");
            Assert.True(double.IsFinite(py) && double.IsFinite(pn) && py >= 0 && py <= 1);
            Assert.True(Math.Abs(py + pn - 1) <= 1e-12);
            double trade = Lmsr.TradeCost(t.qy, t.qn, t.b, t.b, 0);
            Assert.True(double.IsFinite(trade) && trade >= 0 && trade <= t.b * (1 + 1e-12), $"one b of YES costs {trade}");
        }).Check(Replayed);
    }

    [Fact]
    public void The_cost_at_zero_is_b_ln_2_and_prices_are_one_half()
    {
        Assert.Equal(10 * Math.Log(2), Lmsr.Cost(0, 0, 10), 1e-14);
        Assert.Equal(0.5, Lmsr.PriceYes(0, 0, 10));
        Assert.Equal(10 * Math.Log(2), Lmsr.WorstCaseLoss(10), 1e-14);
        Assert.Equal(Lmsr.WorstCaseLoss(10), Lmsr.WorstCaseLoss(10, 0.5), 1e-14);
        Assert.Equal(-10 * Math.Log(0.2), Lmsr.WorstCaseLoss(10, 0.8), 1e-12);
    }

    [Fact]
    public void Buying_the_shares_to_a_target_price_reaches_it()
    {
        foreach (double target in new[] { 1e-9, 0.01, 0.3, 0.5, 0.77, 0.999999 })
        {
            double d = Lmsr.SharesToReachPrice(3, -2, 50, target);
            Assert.Equal(target, Lmsr.PriceYes(3 + d, -2, 50), 1e-12);
        }

        var (qy, qn) = Lmsr.QuantitiesForPrice(0.8, 100);
        Assert.Equal(0.8, Lmsr.PriceYes(qy, qn, 100), 1e-14);
        Assert.Equal(0, Lmsr.SharesToReachPrice(qy, qn, 100, 0.8), 1e-9);
        Assert.True(Lmsr.SharesToReachPrice(qy, qn, 100, 0.6) < 0);
    }

    [Fact]
    public void The_shares_a_spend_buys_cost_exactly_that_spend()
    {
        foreach (double spend in new[] { 0.0, 1e-10, 0.5, 7, 1000, 1e6 })
        {
            foreach (double qy in new[] { -500.0, 0, 40, 2000 })
            {
                double d = Lmsr.YesSharesForSpend(qy, 10, 25, spend);
                Assert.Equal(spend, Lmsr.TradeCost(qy, 10, 25, d, 0), 1e-9 * Math.Max(1, spend));
                double n = Lmsr.NoSharesForSpend(qy, 10, 25, spend);
                Assert.Equal(spend, Lmsr.TradeCost(qy, 10, 25, 0, n), 1e-9 * Math.Max(1, spend));
            }
        }
    }

    [Fact]
    public void The_worst_case_loss_is_approached_by_buying_the_winner_without_limit()
    {
        const double b = 100;
        double shares = 5000;
        double revenue = Lmsr.TradeCost(0, 0, b, shares, 0);
        double loss = shares - revenue;
        Assert.True(loss < Lmsr.WorstCaseLoss(b));
        Assert.Equal(Lmsr.WorstCaseLoss(b), loss, 1e-9);
    }

    [Fact]
    public void Invalid_liquidity_and_prices_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Lmsr.Cost(0, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lmsr.PriceYes(0, 0, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lmsr.SharesToReachPrice(0, 0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lmsr.QuantitiesForPrice(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lmsr.YesSharesForSpend(0, 0, 1, -1));
    }

    [Fact]
    public void The_helpers_are_accurate_where_naive_formulas_are_not()
    {
        Assert.Equal(1e-20, Lmsr.Log1P(1e-20));
        Assert.Equal(1e-20, Lmsr.ExpM1(1e-20));
        Assert.Equal(Math.Log(2), Lmsr.Log1P(1), 1e-15);
        Assert.Equal(Math.E - 1, Lmsr.ExpM1(1), 1e-15);
        Assert.Equal(-1000, Lmsr.LogSigmoid(-1000), 1e-12);
        Assert.Equal(0, Lmsr.Sigmoid(-1000));
        Assert.Equal(1, Lmsr.Sigmoid(1000));
    }
}
