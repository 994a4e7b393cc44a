using MarketSim.Simulation.Parity;

namespace MarketSim.Simulation.Tests.Parity;

/// <summary>parity.md §8.</summary>
public sealed class IntrinsicPostSpec
{
    private static readonly Lazy<IntrinsicPostResult> Defaults = new(() => IntrinsicPost.Run(new IntrinsicPostOptions()));

    private static IntrinsicPostRow Row(string name) => Defaults.Value.Rows.Single(r => r.Metrics.Name == name);

    [Fact]
    public void The_report_has_the_four_rows_on_the_test_set()
    {
        Assert.Equal(["AR-intrinsic", "Diffusion-intrinsic", "AR+post", "Diffusion+post"], Defaults.Value.Rows.Select(r => r.Metrics.Name));
        Assert.All(Defaults.Value.Rows, r => Assert.Equal(10_000, r.Metrics.NEval));
    }

    [Fact]
    public void Intrinsic_rows_match_the_closed_forms()
    {
        Assert.Equal(0.16, Row("AR-intrinsic").Metrics.Sce, 1e-6);
        Assert.Equal(0.4, Row("AR-intrinsic").Metrics.ArbProfit, 1e-6);
        Assert.Equal(0.4, Row("AR-intrinsic").GcalS, 1e-6);
        Assert.Equal(0.018126, Row("Diffusion-intrinsic").Metrics.Sce, 1e-6);
        Assert.Equal(0.134632, Row("Diffusion-intrinsic").Metrics.ArbProfit, 1e-6);
        Assert.Equal(0.134632, Row("Diffusion-intrinsic").GcalS, 1e-6);
        Assert.Equal(0.25, Row("AR-intrinsic").Metrics.Brier, 1e-12);
    }

    [Fact]
    public void Post_processing_repairs_both_bases_to_the_expected_levels()
    {
        var ar = Row("AR+post");
        var diffusion = Row("Diffusion+post");

        // E[SCE] 0.000542 / 0.000450; 256 cells of ~195 training rows each.
        Assert.InRange(ar.Metrics.Sce, 0.000542 - 0.00015, 0.000542 + 0.00015);
        Assert.InRange(diffusion.Metrics.Sce, 0.000450 - 0.00015, 0.000450 + 0.00015);

        // Brier = 0.09 + SCE up to label noise on 10,000 test rows (SE ≈ 0.0024).
        Assert.InRange(ar.Metrics.Brier, 0.090542 - 0.01, 0.090542 + 0.01);
        Assert.InRange(diffusion.Metrics.Brier, 0.090450 - 0.01, 0.090450 + 0.01);

        // E|q − f| ≈ 0.0183 / 0.0168; gcal_S ≈ 0.074 / 0.067 (Monte Carlo).
        Assert.InRange(ar.Metrics.ArbProfit, 0.0183 - 0.003, 0.0183 + 0.003);
        Assert.InRange(diffusion.Metrics.ArbProfit, 0.0168 - 0.003, 0.0168 + 0.003);
        Assert.InRange(ar.GcalS, 0.074 - 0.03, 0.074 + 0.03);
        Assert.InRange(diffusion.GcalS, 0.067 - 0.03, 0.067 + 0.03);
    }

    [Fact]
    public void Without_training_rows_the_post_processor_leaves_q_unchanged()
    {
        var r = IntrinsicPost.Run(new IntrinsicPostOptions { D = 8, K = 4, NTrain = 0, NTest = 2_000 });
        Assert.Equal(r.Rows[0].Metrics with { Name = "" }, r.Rows[2].Metrics with { Name = "" });
        Assert.Equal(r.Rows[1].Metrics with { Name = "" }, r.Rows[3].Metrics with { Name = "" });
    }

    [Fact]
    public void An_empty_cell_falls_back_to_the_global_bin()
    {
        // Two training rows, both in cell 0 bin 10, y = 1: a test row in cell 1 uses the global bin.
        var options = new IntrinsicPostOptions { K = 1, NTrain = 2, PostBins = 20, PostPrior = 2 };
        double[] q = [0.5, 0.5, 0.5, 0.9];
        byte[] y = [1, 1, 0, 0];
        int[] keys = [0, 0, 1, 1];
        var post = IntrinsicPost.PostProcess(q, y, keys, options);
        var m = 9.5 / 20;
        Assert.Equal((2 + (2 * m)) / 4, post[0], 12);
        Assert.Equal((2 + (2 * m)) / 4, post[2], 12);
        Assert.Equal(0.9, post[3]);
    }

    [Fact]
    public void The_same_seed_gives_the_same_report_and_another_seed_differs()
    {
        var small = new IntrinsicPostOptions { D = 10, K = 4, NTrain = 3_000, NTest = 1_000 };
        Assert.Equal(IntrinsicPost.Run(small).Rows, IntrinsicPost.Run(small).Rows);
        Assert.NotEqual(IntrinsicPost.Run(small).Rows[3], IntrinsicPost.Run(small with { Seed = 1 }).Rows[3]);
    }
}
