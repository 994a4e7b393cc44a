namespace MarketSim.Cli.Tests;

/// <summary>
/// The shipped replay on the shared Polymarket data (../shared/data/polymarket, never copied into the repository):
/// pm import, then marketsim run scenarios/polymarket-replay.conf.
/// </summary>
public sealed class PolymarketReplaySpec : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "marketsim-replay-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_out, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string SharedData
    {
        get
        {
            var dir = Path.GetFullPath(Path.Combine(CliRunner.RepoRoot, "..", "shared", "data", "polymarket"));
            return Directory.Exists(dir) ? dir : throw new InvalidOperationException($"the shared Polymarket data are not at {dir} (they live beside the repository, in ../shared/data/polymarket)");
        }
    }

    [Fact]
    public void The_shipped_replay_scores_follower_base_rate_and_text_baseline_and_reports_the_market_baseline_beside_the_anchors()
    {
        var dataset = Path.Combine(_out, "markets.parquet");
        var import = CliRunner.Run("pm", "import", "--data-dir", SharedData, "--out", dataset);
        Assert.True(import.ExitCode == 0, import.Err);

        var run = CliRunner.Run("run", Path.Combine(CliRunner.RepoRoot, "scenarios", "polymarket-replay.conf"), "--set", $"world.polymarket.dataset=\"{dataset}\"", "--out", _out, "--quiet");

        Assert.True(run.ExitCode == 0, run.Err);
        foreach (var column in new[] { "score[peer-1.5.5]", "score[brier]", "score[market-relative]" })
        {
            Assert.Contains(column, run.Out, StringComparison.Ordinal);
        }

        foreach (var forecaster in new[] { "market ", "market-1d", "base-rate", "text-baseline" })
        {
            Assert.Contains("\n" + forecaster, run.Out, StringComparison.Ordinal);
        }

        var baseline = run.Out.Split('\n').Single(l => l.StartsWith("market baseline (market): Brier ", StringComparison.Ordinal));
        var brier = double.Parse(baseline.Split(' ')[4], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(brier, 0.0, 0.2); // real prices close to resolution: far better than a coin (0.25)
        Assert.Contains("brier.fyi one month before close 0.09", run.Out, StringComparison.Ordinal);
    }
}
