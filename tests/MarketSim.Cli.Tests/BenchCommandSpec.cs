using System.Text.Json;

namespace MarketSim.Cli.Tests;

public sealed class BenchCommandSpec
{
    private static string BenchSubnet => Path.Combine(CliRunner.RepoRoot, "scenarios", "bench-subnet.conf");

    [Fact]
    public void Bench_times_every_repetition_and_reports_medians_as_json()
    {
        var r = CliRunner.Run("bench", BenchSubnet, "--repeat", "2", "--json",
            "--set", "timeline.events=10");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("runs").GetArrayLength());
        var predictions = root.GetProperty("runs")[0].GetProperty("predictions").GetInt64();
        Assert.True(predictions > 0);
        // Both repetitions play the same scenario, so they record the same number of predictions.
        Assert.Equal(predictions, root.GetProperty("runs")[1].GetProperty("predictions").GetInt64());
        Assert.True(root.GetProperty("median_predictions_per_s").GetDouble() > 0);
        Assert.True(root.GetProperty("peak_working_set_bytes").GetInt64() > 0);
        Assert.Equal(2, r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("marketsim bench: run", StringComparison.Ordinal)));
    }

    [Fact]
    public void Bench_leaves_no_run_folders_behind_unless_out_is_given()
    {
        var outDir = Path.Combine(Path.GetTempPath(), "marketsim-bench-spec-" + Guid.NewGuid().ToString("N"));
        try
        {
            var r = CliRunner.Run("bench", BenchSubnet, "--repeat", "1", "--out", outDir,
                "--set", "timeline.events=6");
            Assert.True(r.ExitCode == 0, r.Err);
            Assert.Single(Directory.GetDirectories(outDir));
            Assert.Contains("median throughput", r.Out);
        }
        finally
        {
            if (Directory.Exists(outDir))
            {
                Directory.Delete(outDir, recursive: true);
            }
        }
    }

    [Fact]
    public void A_repeat_below_one_is_a_usage_error()
    {
        var r = CliRunner.Run("bench", BenchSubnet, "--repeat", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--repeat", r.Err);
    }
}
