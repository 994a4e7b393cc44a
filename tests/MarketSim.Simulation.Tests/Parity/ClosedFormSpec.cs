using MarketSim.Scoring.Metrics;
using MarketSim.Simulation.Parity;

namespace MarketSim.Simulation.Tests.Parity;

/// <summary>parity.md §5 at the defaults (d 16, k 8, α 0.8, n 50,000, ρ 0.95, L 4).</summary>
public sealed class ClosedFormSpec
{
    private static readonly Lazy<(ParityRows Rows, ParityRunResult Result)> Defaults = new(() =>
    {
        var options = new ParityRunOptions();
        var rows = new ParityWorld(options.D, options.K, options.Alpha, options.Seed).Generate(0, options.N);
        return (rows, ParityRun.Run(options));
    });

    private static ForecastMetrics Row(string name) => Defaults.Value.Result.Forecasters.Single(m => m.Name == name);

    /// <summary>Standard error of a Brier score from the per-row variance of (q − y)².</summary>
    private static double BrierStandardError(ParityForecaster forecaster)
    {
        var rows = Defaults.Value.Rows;
        var q = forecaster.Forecast(rows);
        var losses = q.Select((x, i) => (x - rows.Y[i]) * (x - rows.Y[i])).ToArray();
        var mean = losses.Average();
        var variance = losses.Sum(l => (l - mean) * (l - mean)) / (losses.Length - 1);
        return Math.Sqrt(variance / losses.Length);
    }

    [Fact]
    public void The_default_run_reports_the_four_forecasters_in_order()
    {
        Assert.Equal(
            ["oracle", "const_0.5", "diff_analytic_rho=0.95", "L_query_oracle(L=4)"],
            Defaults.Value.Result.Forecasters.Select(m => m.Name));
        Assert.All(Defaults.Value.Result.Forecasters, m => Assert.Equal(50_000, m.NEval));
    }

    [Fact]
    public void Brier_scores_lie_within_four_standard_errors_of_the_closed_forms()
    {
        var se = BrierStandardError(new OracleForecaster());
        Assert.InRange(se, 0.0009, 0.0012); // spec: ≈ 0.00107
        Assert.InRange(Row("oracle").Brier, 0.09 - (4 * se), 0.09 + (4 * se));

        var seDiff = BrierStandardError(new DiffusionAnalyticForecaster(0.95));
        Assert.InRange(Row("diff_analytic_rho=0.95").Brier, 0.108126 - (4 * seDiff), 0.108126 + (4 * seDiff));

        // The constant's loss is 1/4 on every row.
        Assert.Equal(0.25, Row("const_0.5").Brier, 12);
        Assert.Equal(Math.Log(2), Row("const_0.5").LogLoss, 9);
    }

    [Fact]
    public void Sce_and_arbitrage_are_exact()
    {
        Assert.Equal(0, Row("oracle").Sce, 1e-12);
        Assert.Equal(0, Row("oracle").ArbProfit, 1e-12);
        Assert.Equal(0.018126, Row("diff_analytic_rho=0.95").Sce, 1e-6);
        Assert.Equal(0.134632, Row("diff_analytic_rho=0.95").ArbProfit, 1e-6);
        Assert.Equal(0.16, Row("const_0.5").Sce, 1e-6);
        Assert.Equal(0.4, Row("const_0.5").ArbProfit, 1e-6);
        Assert.Equal(0.16, Row("L_query_oracle(L=4)").Sce, 1e-6);
        Assert.Equal(0.4, Row("L_query_oracle(L=4)").ArbProfit, 1e-6);
    }

    [Fact]
    public void Ece_of_the_fog_is_near_its_arbitrage_value_and_the_constant_is_calibrated()
    {
        Assert.InRange(Row("diff_analytic_rho=0.95").Ece, 0.134632 - 0.005, 0.134632 + 0.005);
        Assert.True(Row("const_0.5").Ece < 0.01);
        Assert.True(Row("oracle").Ece < 0.01);
    }

    [Fact]
    public void Closed_form_helpers_reproduce_the_spec_figures()
    {
        Assert.Equal(0.09, ParityClosedForms.TruthBrier(0.8), 12);
        Assert.Equal(0.018126, ParityClosedForms.DiffusionSce(0.8, 8, 0.95), 6);
        Assert.Equal(0.134632, ParityClosedForms.DiffusionGap(0.8, 8, 0.95), 6);
        Assert.Equal(0.208681, ParityClosedForms.DiffusionGap(0.8, 7, 0.9), 6);
        Assert.Equal(0.98345, ParityClosedForms.RhoForGroupError(0.8, 8, 0.05), 5);
        Assert.Equal(0.99684, ParityClosedForms.RhoForGroupError(0.8, 8, 0.01), 5);
        Assert.Equal(0.98110, ParityClosedForms.RhoForGroupError(0.8, 7, 0.05), 5);
        Assert.Equal(0.99639, ParityClosedForms.RhoForGroupError(0.8, 7, 0.01), 5);
        Assert.Equal(4.7, ParityClosedForms.ExpectedMaxAbsNormal(3432 * 128), 1);
    }
}
