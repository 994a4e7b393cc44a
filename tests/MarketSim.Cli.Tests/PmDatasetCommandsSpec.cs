using MarketSim.Polymarket.Criteria;
using MarketSim.Polymarket.Dataset;

namespace MarketSim.Cli.Tests;

public sealed class PmDatasetCommandsSpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-cli").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string SharedData
    {
        get
        {
            var data = Path.GetFullPath(Path.Combine(CliRunner.RepoRoot, "..", "shared", "data", "polymarket"));
            return Directory.Exists(data) ? data : throw new InvalidOperationException($"the shared Polymarket data is missing: expected {data}");
        }
    }

    [Fact]
    public void Import_writes_the_dataset_and_a_report_with_rows_kept_and_dropped()
    {
        var output = Path.Combine(_dir, "pm.parquet");
        var report = Path.Combine(_dir, "report.json");
        var r = CliRunner.Run("pm", "import", "--data-dir", SharedData, "--out", output, "--report", report);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("cj-robinson-polymarket-accuracy/outcomes.csv    5320   5210    4504      110", r.Out);
        Assert.Contains("not closed (still open when collected)", r.Out);
        var rows = MarketDataset.Read(output);
        Assert.Equal(rows.Count, rows.Select(x => x.ConditionId).Distinct().Count());
        Assert.Contains("\"ids\"", File.ReadAllText(report));

        var eval = CliRunner.Run("pm", "eval", output);
        Assert.Equal(0, eval.ExitCode);
        Assert.Contains("market ", eval.Out);
        Assert.Contains("brier.fyi: one month before close", eval.Out);
    }

    [Fact]
    public void Criterion_and_horizon_prices_fill_market_prob_from_histories_and_report_drops()
    {
        var ds = Path.Combine(_dir, "ds.parquet");
        var close = DateTimeOffset.FromUnixTimeSeconds(20 * 86_400);
        MarketDataset.Write(ds,
        [
            new MarketRow("1", "0xa", "A?", null, null, "X", 1, "111", "112", null, null, close, null, null, null, null, "t"),
            new MarketRow("2", "0xb", "B?", null, null, "X", 0, "221", "222", null, null, close, null, null, null, null, "t"),
            new MarketRow("3", "0xc", "C?", null, null, "X", 0, null, null, null, null, close, null, null, null, null, "t"),
        ]);
        var prices = Path.Combine(_dir, "prices");
        PriceHistoryFiles.Write(prices, "111", [new(0, 0.2), new(10 * 86_400, 0.7), new(20 * 86_400, 0.9)]);

        var mid = Path.Combine(_dir, "mid.parquet");
        var r = CliRunner.Run("pm", "build-criterion-prices", ds, "--prices", prices, "--criterion", "midpoint", "--out", mid);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("kept: 1", r.Out);
        Assert.Contains("dropped: no price history: 1 (0xb)", r.Out);
        Assert.Contains("dropped: no YES token id: 1 (0xc)", r.Out);
        Assert.Equal(0.7, Assert.Single(MarketDataset.Read(mid)).Price!.Prob);

        var h = Path.Combine(_dir, "h.parquet");
        r = CliRunner.Run("pm", "build-horizon-prices", ds, "--prices", prices, "--horizon", "15d", "--out", h);
        Assert.Equal(0, r.ExitCode);
        var p = Assert.Single(MarketDataset.Read(h)).Price!;
        Assert.Equal("horizon-15d", p.Criterion);
        Assert.Equal(0.2, p.Prob);

        r = CliRunner.Run("pm", "build-criterion-prices", ds, "--prices", prices, "--criterion", "before-close-hours-999999", "--out", h);
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public void Eval_scores_predictions_beside_the_market()
    {
        var ds = Path.Combine(_dir, "ds.parquet");
        var price = new MarketPrice("midpoint", 0, 100, 50, 0, 100, 0.8);
        MarketDataset.Write(ds,
        [
            new MarketRow("1", "0xa", "A?", null, null, "X", 1, "1", "2", null, null, null, null, null, null, price, "t"),
            new MarketRow("2", "0xb", "B?", null, null, "Y", 0, "3", "4", null, null, null, null, null, null, price, "t"),
        ]);
        var preds = Path.Combine(_dir, "preds.csv");
        File.WriteAllText(preds, "conditionId,pred_prob,forecaster\n0xa,1,sure\n0xb,0,sure\n");
        var r = CliRunner.Run("pm", "eval", ds, "--predictions", preds);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("market                        2   0.3400", r.Out);
        Assert.Contains("sure                          2   0.0000", r.Out);

        File.WriteAllText(preds, "conditionId,pred_prob\n0xa,high\n");
        r = CliRunner.Run("pm", "eval", ds, "--predictions", preds);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("preds.csv:2: pred_prob", r.Err);
    }

    [Fact]
    public void A_missing_data_folder_is_a_usage_error()
    {
        var r = CliRunner.Run("pm", "import", "--data-dir", Path.Combine(_dir, "nope"), "--out", Path.Combine(_dir, "x.parquet"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nope: no such folder", r.Err);
    }
}
