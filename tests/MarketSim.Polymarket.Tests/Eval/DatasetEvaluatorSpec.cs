using MarketSim.Polymarket.Dataset;
using MarketSim.Polymarket.Eval;

namespace MarketSim.Polymarket.Tests.Eval;

public sealed class DatasetEvaluatorSpec
{
    private static MarketRow Row(string cond, int y, double? q, string category, long targetDaysBeforeClose = 3)
    {
        const long close = 100 * 86_400;
        var price = q is { } v ? new MarketPrice("midpoint", 0, close, close - (targetDaysBeforeClose * 86_400), 0, close, v) : null;
        return new MarketRow("", cond, "q", null, null, category, y, "1", "2", null, null, null, null, null, null, price, "test");
    }

    private static readonly MarketRow[] Rows =
    [
        Row("0xa", 1, 0.8, "Politics"),
        Row("0xb", 0, 0.4, "Politics"),
        Row("0xc", 1, 0.6, "Sports", 20),
        Row("0xd", 0, null, "Sports"),
    ];

    [Fact]
    public void The_market_baseline_scores_rows_with_a_market_price()
    {
        var market = DatasetEvaluator.Evaluate(Rows)[0];
        Assert.Equal("market", market.Forecaster);
        Assert.Equal(3, market.Overall.N);
        Assert.Equal((0.04 + 0.16 + 0.16) / 3, market.Overall.Brier, 12);
        Assert.Equal(-(Math.Log(0.8) + Math.Log(0.6) + Math.Log(0.6)) / 3, market.Overall.LogLoss, 12);
        Assert.Equal((0.2 + 0.4 + 0.4) / 3, market.Overall.Ece, 12); // three singleton bins
        Assert.Equal(2, market.ByCategory["Politics"].N);
        Assert.Equal(0.1, market.ByCategory["Politics"].Brier, 12);
        Assert.Equal(2, market.ByHorizon["1-7d"].N);
        Assert.Equal(1, market.ByHorizon["7-30d"].N);
        Assert.Null(market.VsMarket);
    }

    [Fact]
    public void The_reliability_table_has_count_mean_forecast_and_observed_frequency_per_bin()
    {
        var bins = DatasetEvaluator.Reliability([0.02, 0.04, 0.5, 0.97], [0, 1, 1, 1]);
        Assert.Equal(3, bins.Count);
        Assert.Equal(2, bins[0].Count);
        Assert.Equal(0.03, bins[0].MeanForecast, 12);
        Assert.Equal(0.5, bins[0].ObservedFrequency);
        Assert.Equal(0.45, bins[1].Lo, 12); // 0.5 falls in the right-closed bin (0.45, 0.5]
    }

    [Fact]
    public void Forecasters_are_joined_on_condition_id_and_trade_against_the_market()
    {
        Prediction[] preds = [new("0xA", 1.0, "sure"), new("0xb", 0.0, "sure"), new("0xd", 0.5, "sure")];
        var sure = DatasetEvaluator.Evaluate(Rows, preds)[1];
        Assert.Equal(3, sure.Overall.N);
        Assert.Equal(0.25 / 3, sure.Overall.Brier, 12);
        var t = sure.VsMarket!;
        Assert.Equal(2, t.N); // 0xd has no market price
        Assert.Equal(((1 - 0.8) + (0.4 - 0)) / 2, t.MeanPnl, 12);
        // Kelly: f = 0.25 (capped) on YES at 0.8 → 0.75 + 0.25/0.8; then f = 0.25 on NO at 0.4 → ×(0.75 + 0.25/0.6).
        Assert.Equal((0.75 + (0.25 / 0.8)) * (0.75 + (0.25 / 0.6)), t.KellyFinalBankroll, 9);
    }

    [Fact]
    public void A_prediction_for_an_unknown_market_is_an_error()
    {
        Assert.Throws<InvalidDataException>(() => DatasetEvaluator.Evaluate(Rows, [new Prediction("0xzz", 0.5, "f")]));
    }
}
