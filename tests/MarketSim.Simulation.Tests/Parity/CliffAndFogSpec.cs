using MarketSim.Scoring.Metrics;
using MarketSim.Simulation.Parity;

namespace MarketSim.Simulation.Tests.Parity;

/// <summary>parity.md §3 (AR cliff, randomized chains) and §6 (cliff vs fog).</summary>
public sealed class CliffAndFogSpec
{
    [Theory]
    [InlineData(0.5, 0.158752, 0.398438)]
    [InlineData(0.7, 0.142084, 0.376941)]
    [InlineData(0.8, 0.110817, 0.332891)]
    [InlineData(0.9, 0.051899, 0.227813)]
    [InlineData(0.95, 0.018126, 0.134632)]
    [InlineData(0.97, 0.007483, 0.086503)]
    [InlineData(0.99, 0.000955, 0.030902)]
    [InlineData(0.995, 0.000247, 0.015723)]
    public void The_fog_degrades_smoothly_with_rho(double rho, double sce, double arb)
    {
        var result = ParityRun.Run(new ParityRunOptions { N = 2_000, Rho = rho });
        var diffusion = result.Forecasters.Single(m => m.Name.StartsWith("diff_analytic", StringComparison.Ordinal));
        Assert.Equal(sce, diffusion.Sce, 1e-6);
        Assert.Equal(arb, diffusion.ArbProfit, 1e-6);
    }

    [Theory]
    [InlineData(1, 0.16)]
    [InlineData(4, 0.16)]
    [InlineData(7, 0.16)]
    [InlineData(8, 0.0)]
    [InlineData(12, 0.0)]
    [InlineData(16, 0.0)]
    public void The_ar_surrogate_falls_off_a_cliff_at_l_equals_k(int l, double sce)
    {
        var result = ParityRun.Run(new ParityRunOptions { N = 2_000, L = l });
        var ar = result.Forecasters[3];
        Assert.Equal($"L_query_oracle(L={l})", ar.Name);
        Assert.Equal(sce, ar.Sce, 1e-6);
        Assert.Equal(sce == 0 ? 0 : 0.4, ar.ArbProfit, 1e-6);
    }

    [Fact]
    public void The_binomial_mixture_gives_the_spec_values()
    {
        Assert.Equal(0.16, ParityClosedForms.ExpectedChainSce(16, 8, 0.8, 4, 16), 6);
        Assert.Equal(0.159976, ParityClosedForms.ExpectedChainSce(16, 8, 0.8, 8, 16), 6);
        Assert.Equal(0.148299, ParityClosedForms.ExpectedChainSce(16, 8, 0.8, 12, 16), 6);
        Assert.Equal(0.0, ParityClosedForms.ExpectedChainSce(16, 8, 0.8, 16, 16), 12);
        Assert.Equal(0.0385, ParityClosedForms.ExactnessProbability(16, 8, 12), 4);
        Assert.Equal(7.8e-5, ParityClosedForms.ExactnessProbability(16, 8, 8), 6);
    }

    [Fact]
    public void Randomized_chains_match_the_binomial_mixture_over_many_seeds()
    {
        const int seeds = 600;
        var forecaster = new RandomizedChainsForecaster(12, 16);
        Assert.Equal("L_query_chains(L=12,K=16)", forecaster.Name);
        var sces = new double[seeds];
        for (var s = 0; s < seeds; s++)
        {
            var rows = new ParityWorld(16, 8, 0.8, s).Generate(0, 64);
            sces[s] = Calibration.Sce(forecaster.Forecast(rows), rows.F);
        }

        var mean = sces.Average();
        var sd = Math.Sqrt(sces.Sum(x => (x - mean) * (x - mean)) / (seeds - 1));
        var tolerance = 4 * sd / Math.Sqrt(seeds);
        Assert.True(sd > 0, "chains never became exact: the test would be vacuous");
        Assert.InRange(mean, 0.148299 - tolerance, 0.148299 + tolerance);
    }

    [Fact]
    public void Chains_are_exact_when_their_subset_covers_s_and_share_subsets_across_rows()
    {
        var world = new ParityWorld(16, 8, 0.8, 0);
        var all = new RandomizedChainsForecaster(16, 4);
        Assert.Equal(4, all.ExactChains(world));
        var rows = world.Generate(0, 100);
        Assert.Equal(rows.F, all.Forecast(rows));

        var chains = new RandomizedChainsForecaster(12, 16);
        Assert.Equal(0 + 16 + 1200, chains.ChainSeed(world));
        Assert.Equal(chains.ChainSubset(world, 3), chains.ChainSubset(world, 3));
        var q = chains.Forecast(rows);
        for (var r = 0; r < 10; r++)
        {
            Assert.Equal(q[r], chains.Forecast(world, rows.Row(r)));
        }

        var surrogate = new RandomizedChainsForecaster(4, 1);
        Assert.Equal("L_query_oracle(L=4)", surrogate.Name);
        Assert.All(surrogate.Forecast(rows), x => Assert.Equal(0.5, x));
    }

    [Fact]
    public void Forecasters_agree_row_by_row_and_in_batch()
    {
        var world = new ParityWorld(10, 4, 0.7, 5);
        var rows = world.Generate(0, 200);
        ParityForecaster[] all = [new OracleForecaster(), new ConstantForecaster(0.3), new DiffusionAnalyticForecaster(0.8), new LQueryOracleForecaster(4)];
        foreach (var f in all)
        {
            var batch = f.Forecast(rows);
            for (var r = 0; r < rows.Count; r++)
            {
                Assert.Equal(batch[r], f.Forecast(world, rows.Row(r)));
            }
        }

        Assert.Equal("const_0.3", all[1].Name);
        Assert.Equal("diff_analytic_rho=1.0", new DiffusionAnalyticForecaster(1).Name);
        Assert.Throws<ArgumentException>(() => new DiffusionAnalyticForecaster(1.5));
    }

    [Fact]
    public void Chains_over_the_surrogate_limit_replace_the_ar_row_in_a_run()
    {
        var result = ParityRun.Run(new ParityRunOptions { N = 500, L = 16, Chains = 4 });
        Assert.Equal("L_query_chains(L=16,K=4)", result.Forecasters[3].Name);
        Assert.Equal(0, result.Forecasters[3].Sce, 12);
        Assert.Throws<ArgumentException>(() => ParityRun.Run(new ParityRunOptions { N = 10, L = 17, Chains = 4 }));
    }
}
