using MarketSim.Scoring.Metrics;

namespace MarketSim.Scoring.Tests.Metrics;

public class CalibrationSpec
{
    private const double Tol = 1e-12;

    [Fact]
    public void Brier_is_the_mean_squared_gap_between_forecast_and_outcome()
    {
        double[] q = [0.9, 0.2, 0.5];
        byte[] y = [1, 0, 1];
        // (0.01 + 0.04 + 0.25) / 3
        Assert.Equal(0.1, Calibration.Brier(q, y), Tol);
    }

    [Fact]
    public void LogLoss_uses_natural_logs_and_clips_forecasts_at_one_in_a_million()
    {
        double[] q = [0.8, 0.25];
        byte[] y = [1, 0];
        double expected = -(Math.Log(0.8) + Math.Log(0.75)) / 2;
        Assert.Equal(expected, Calibration.LogLoss(q, y), Tol);

        double[] certainAndWrong = [0.0, 1.0];
        byte[] yy = [1, 0];
        Assert.Equal(-Math.Log(1e-6), Calibration.LogLoss(certainAndWrong, yy), 1e-9);
        Assert.Equal(-Math.Log(1 - 1e-6), Calibration.LogLoss([1.0], [(byte)1]), 1e-15);
    }

    [Fact]
    public void Sce_is_the_mean_squared_gap_to_the_truth_for_any_length()
    {
        for (int n = 1; n < 23; n++)
        {
            var q = new double[n];
            var f = new double[n];
            double expected = 0;
            for (int i = 0; i < n; i++)
            {
                q[i] = (i * 0.37) % 1;
                f[i] = (i * 0.61) % 1;
                expected += (q[i] - f[i]) * (q[i] - f[i]);
            }

            Assert.Equal(expected / n, Calibration.Sce(q, f), Tol);
        }
    }

    [Fact]
    public void ArbProfit_is_the_budget_times_the_mean_positive_part_of_the_gap_minus_cost()
    {
        double[] q = [0.5, 0.5, 0.9, 0.1, 0.3, 0.3, 0.3, 0.3, 0.3];
        double[] f = [0.7, 0.45, 0.6, 0.1, 0.3, 0.3, 0.3, 0.3, 0.9];
        // gaps 0.2, 0.05, 0.3, 0, 0,0,0,0, 0.6 ; cost 0.1 → 0.1, 0, 0.2, 0.5
        Assert.Equal(2 * 0.8 / 9, Calibration.ArbProfit(q, f, budget: 2, cost: 0.1), Tol);
        Assert.Equal(1.15 / 9, Calibration.ArbProfit(q, f), Tol);
    }

    [Theory]
    [InlineData(0.05, 0)]
    [InlineData(0.15, 2)]
    [InlineData(0.0, 0)]
    [InlineData(-3.0, 0)]
    [InlineData(1e-300, 0)]
    [InlineData(0.0500001, 1)]
    [InlineData(0.1, 1)]
    [InlineData(0.30000000000000004, 5)]
    [InlineData(0.3, 5)]
    [InlineData(0.95, 18)]
    [InlineData(0.9500000001, 19)]
    [InlineData(1.0, 19)]
    [InlineData(1.5, 19)]
    [InlineData(double.PositiveInfinity, 19)]
    [InlineData(double.NegativeInfinity, 0)]
    public void BinIndex_follows_the_right_closed_twenty_bin_rule(double q, int bin)
    {
        Assert.Equal(bin, Calibration.BinIndex(q));
    }

    [Fact]
    public void BinIndex_agrees_with_a_linear_search_over_the_double_edges()
    {
        foreach (int bins in new[] { 1, 3, 7, 10, 20, 50, 100 })
        {
            var rng = new Random(7);
            var probes = new List<double>();
            for (int i = 0; i <= bins; i++)
            {
                double e = i * (1.0 / bins);
                probes.Add(e);
                probes.Add(Math.BitDecrement(e));
                probes.Add(Math.BitIncrement(e));
            }

            for (int i = 0; i < 2000; i++)
            {
                probes.Add(rng.NextDouble());
            }

            foreach (double q in probes)
            {
                int expected = 0;
                if (q > 1)
                {
                    expected = bins - 1;
                }
                else if (q > 0)
                {
                    for (int b = 0; b < bins; b++)
                    {
                        double lo = b * (1.0 / bins);
                        double hi = b + 1 == bins ? 1.0 : (b + 1) * (1.0 / bins);
                        if (q > lo && q <= hi)
                        {
                            expected = b;
                        }
                    }
                }

                Assert.Equal(expected, Calibration.BinIndex(q, bins));
            }
        }
    }

    [Fact]
    public void BinIndex_rejects_nan_and_nonpositive_bin_counts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Calibration.BinIndex(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Calibration.BinIndex(0.5, 0));
    }

    [Fact]
    public void Ece_weights_each_nonempty_bin_gap_by_its_mass()
    {
        // bin 0: q 0.05 (y 0), q 0.02 (y 1) → q̄ 0.035, ȳ 0.5 ; bin 2: q 0.15 (y 0) ; bin 19: q 1.0 (y 1)
        double[] q = [0.05, 0.02, 0.15, 1.0];
        byte[] y = [0, 1, 0, 1];
        double expected = (2.0 / 4 * Math.Abs(0.5 - 0.035)) + (1.0 / 4 * 0.15) + 0;
        Assert.Equal(expected, Calibration.Ece(q, y), Tol);
    }

    [Fact]
    public void Ece_of_a_constant_half_forecast_is_the_distance_of_the_base_rate_from_one_half()
    {
        var q = Enumerable.Repeat(0.5, 1000).ToArray();
        var y = Enumerable.Range(0, 1000).Select(i => (byte)(i % 2)).ToArray();
        Assert.Equal(0.0, Calibration.Ece(q, y), Tol);

        var y3 = Enumerable.Range(0, 1000).Select(i => (byte)(i % 4 == 0 ? 1 : 0)).ToArray();
        Assert.Equal(0.25, Calibration.Ece(q, y3), Tol);
    }

    [Fact]
    public void Evaluate_matches_the_single_metric_functions()
    {
        var rng = new Random(11);
        int n = 5003;
        var q = new double[n];
        var f = new double[n];
        var y = new byte[n];
        for (int i = 0; i < n; i++)
        {
            f[i] = rng.NextDouble();
            q[i] = Math.Clamp(f[i] + ((rng.NextDouble() - 0.5) * 0.3), 0, 1);
            y[i] = (byte)(rng.NextDouble() < f[i] ? 1 : 0);
        }

        var m = Calibration.Evaluate("x", q, y, f, cost: 0.02, budget: 1.5);
        Assert.Equal("x", m.Name);
        Assert.Equal(n, m.NEval);
        Assert.Equal(Calibration.Brier(q, y), m.Brier, 1e-12);
        Assert.Equal(Calibration.LogLoss(q, y), m.LogLoss, 1e-12);
        Assert.Equal(Calibration.Sce(q, f), m.Sce, 1e-12);
        Assert.Equal(Calibration.Ece(q, y), m.Ece, 1e-12);
        Assert.Equal(Calibration.ArbProfit(q, f, 1.5, 0.02), m.ArbProfit, 1e-12);
    }

    [Fact]
    public void Evaluate_without_the_truth_leaves_the_truth_columns_nan()
    {
        var m = Calibration.Evaluate("real", [0.2, 0.7], [0, 1], []);
        Assert.True(double.IsNaN(m.Sce));
        Assert.True(double.IsNaN(m.ArbProfit));
        Assert.Equal((0.04 + 0.09) / 2, m.Brier, Tol);
    }

    [Fact]
    public void Means_over_no_rows_are_nan_and_mismatched_lengths_throw()
    {
        Assert.True(double.IsNaN(Calibration.Brier([], [])));
        Assert.Equal(0, Calibration.Evaluate("e", [], [], []).NEval);
        Assert.Throws<ArgumentException>(() => Calibration.Brier([0.1, 0.2], [1]));
        Assert.Throws<ArgumentException>(() => Calibration.Sce([0.1, 0.2], [0.1]));
        Assert.Throws<ArgumentException>(() => Calibration.Evaluate("e", [0.1], [1], [0.1, 0.2]));
    }
}

public class GroupCalibrationSpec
{
    [Fact]
    public void CellKey_sets_bit_t_when_coordinate_J_t_is_plus_one()
    {
        sbyte[] z = [1, -1, 1, 1, -1];
        Assert.Equal(0b101, GroupCalibration.CellKey(z, [0, 1, 3]));
        Assert.Equal(0, GroupCalibration.CellKey(z, [1, 4]));
        Assert.Equal(0, GroupCalibration.CellKey(z, []));
        Assert.Equal(0b11, GroupCalibration.CellKey(z, [2, 3]));
    }

    [Fact]
    public void WorstCell_returns_the_largest_absolute_cell_mean_and_its_key()
    {
        // d = 3, J = {0, 2}
        sbyte[] rows =
        [
            1, 1, 1,    // key 3
            1, -1, 1,   // key 3
            -1, 1, 1,   // key 2
            1, 1, -1,   // key 1
            -1, -1, -1, // key 0
        ];
        double[] v = [0.1, 0.3, -0.5, 0.05, 0.2];
        var (worst, key) = GroupCalibration.WorstCell(rows, 3, v, [0, 2]);
        Assert.Equal(0.5, worst, 1e-15);
        Assert.Equal(2, key);

        // empty cells count 0: only key 0 populated with mean 0 → (0, 0); with J = {} one cell, mean of all.
        var (w2, k2) = GroupCalibration.WorstCell(rows, 3, v, []);
        Assert.Equal(Math.Abs(v.Sum() / 5), w2, 1e-15);
        Assert.Equal(0, k2);
    }

    [Fact]
    public void WorstCell_agrees_with_cell_keys_computed_row_by_row()
    {
        var rng = new Random(3);
        int d = 6, n = 400;
        var rows = new sbyte[d * n];
        var v = new double[n];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = (sbyte)(rng.Next(2) == 0 ? -1 : 1);
        }

        for (int i = 0; i < n; i++)
        {
            v[i] = rng.NextDouble() - 0.45;
        }

        int[] j = [1, 4, 5];
        var sum = new double[8];
        var cnt = new int[8];
        for (int r = 0; r < n; r++)
        {
            int k = GroupCalibration.CellKey(rows.AsSpan(r * d, d), j);
            sum[k] += v[r];
            cnt[k]++;
        }

        var means = Enumerable.Range(0, 8).Select(k => cnt[k] == 0 ? 0 : Math.Abs(sum[k] / cnt[k])).ToArray();
        var (worst, key) = GroupCalibration.WorstCell(rows, d, v, j);
        Assert.Equal(means.Max(), worst, 1e-12);
        Assert.Equal(Array.IndexOf(means, means.Max()), key);
    }
}
