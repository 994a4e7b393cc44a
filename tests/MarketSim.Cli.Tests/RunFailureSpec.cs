using System.Diagnostics;
using System.Globalization;
using MarketSim.Polymarket.Dataset;

namespace MarketSim.Cli.Tests;

/// <summary>
/// How <c>marketsim run</c> fails, tried as a new user would: a world that cannot be built, a timeline past the year 9999,
/// a full disk, an <c>--out</c> that cannot hold a run folder. Each gives one line on stderr naming the file or key and
/// the cause, exit 1 (2 for usage), nothing on stdout, and — once a run folder exists — <c>status.json</c> "failed" with
/// the same cause.
/// </summary>
public sealed class RunFailureSpec : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Small = ["--set", "timeline.events=60"];
    private readonly string _out = Path.Combine(Path.GetTempPath(), "marketsim-failure-tests", Guid.NewGuid().ToString("N"));

    public RunFailureSpec() => Directory.CreateDirectory(_out);

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

    private static string ParityScenario => Path.Combine(CliRunner.RepoRoot, "scenarios", "parity-cliff-fog.conf");

    [Fact]
    public void A_truncated_dataset_fails_the_run_in_one_line_naming_the_file()
    {
        var dataset = Dataset(10);
        var bytes = File.ReadAllBytes(dataset);
        File.WriteAllBytes(dataset, bytes[..(bytes.Length / 2)]);

        var r = CliRunner.Run("run", PolymarketScenario(dataset), "--out", _out, "--quiet");

        var line = AssertFailedInOneLine(r, 1);
        Assert.Contains(dataset, line, StringComparison.Ordinal);
        Assert.Contains("truncated", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Error while creating actor", line, StringComparison.Ordinal);
        AssertStatusFailedWith("truncated");
    }

    [Fact]
    public void One_bad_line_in_a_price_history_fails_the_run_naming_the_file_and_line()
    {
        var dataset = Dataset(10);
        var prices = Path.Combine(_out, "prices");
        Directory.CreateDirectory(prices);
        var history = Path.Combine(prices, "1005.csv");
        File.WriteAllText(history, $"t,p\n{T0.AddDays(6).ToUnixTimeSeconds()},0.4\n{T0.AddDays(7).ToUnixTimeSeconds()},zero point five\n");

        var r = CliRunner.Run("run", PolymarketScenario(dataset, prices), "--out", _out, "--quiet");

        var line = AssertFailedInOneLine(r, 1);
        Assert.Contains(history + ":3", line, StringComparison.Ordinal);
        AssertStatusFailedWith(history + ":3");
    }

    [Fact]
    public void A_parity_timeline_past_the_year_9999_is_refused_naming_the_key()
    {
        var r = CliRunner.Run("run", ParityScenario, "--set", "timeline.epoch=\"2199-01-01T00:00:00Z\"", "--set", "timeline.events=100000000", "--set", "timeline.events-per-day=1", "--out", _out, "--quiet");

        Assert.Equal(2, r.ExitCode);
        Assert.Empty(r.Out);
        Assert.Contains("marketsim.scenario.timeline.events", r.Err, StringComparison.Ordinal);
        Assert.Contains("past the year 9999", r.Err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(_out)); // refused before anything claims a run folder
    }

    [Fact]
    public void A_replayed_market_that_would_resolve_after_the_year_9999_fails_the_run_naming_the_market()
    {
        var dataset = Dataset(10, far: 7);

        var r = CliRunner.Run("run", PolymarketScenario(dataset, compression: 1), "--out", _out, "--quiet");

        var line = AssertFailedInOneLine(r, 1);
        Assert.Contains($"0x{7:x64}", line, StringComparison.Ordinal);
        Assert.Contains("past the year 9999", line, StringComparison.Ordinal);
        AssertStatusFailedWith("past the year 9999");
    }

    [Fact]
    public void Out_that_is_a_file_or_lies_under_one_is_a_one_line_usage_error()
    {
        var file = Path.Combine(_out, "a-file");
        File.WriteAllText(file, "not a folder");

        foreach (var target in new[] { file, Path.Combine(file, "sub") })
        {
            var r = CliRunner.Run(["run", ParityScenario, .. Small, "--out", target, "--quiet"]);
            Assert.Equal(2, r.ExitCode);
            Assert.Empty(r.Out);
            Assert.Single(r.Err.TrimEnd().Split('\n'));
            Assert.StartsWith("marketsim: --out " + target + ":", r.Err, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A real full disk: a 600 KB tmpfs (mounting needs root, as ./test.sh runs). The SQLite error reaches the user and
    /// status.json, and after the disk grows the run resumes to the same summary as an uninterrupted run.
    /// </summary>
    [Fact]
    public void A_full_disk_fails_the_run_with_the_real_SQLite_error_and_the_run_resumes_once_there_is_room()
    {
        var disk = Path.Combine(_out, "disk");
        Directory.CreateDirectory(disk);
        Shell.Run($"mount -t tmpfs -o size=600k marketsim-full {disk}");
        try
        {
            var r = CliRunner.Run("run", ParityScenario, "--out", disk, "--quiet");

            var line = AssertFailedInOneLine(r, 1, disk);
            Assert.Contains("database or disk is full", line, StringComparison.Ordinal);
            var folder = AssertStatusFailedWith("database or disk is full", disk);

            Shell.Run($"mount -o remount,size=64m {disk}");
            var resumed = CliRunner.Run("run", "--resume", folder, "--quiet");
            Assert.True(resumed.ExitCode == 0, resumed.Err);
            var reference = CliRunner.Run("run", ParityScenario, "--out", Path.Combine(_out, "reference"), "--quiet");
            Assert.True(reference.ExitCode == 0, reference.Err);
            var referenceFolder = Directory.GetDirectories(Path.Combine(_out, "reference")).Single();
            Assert.Equal(File.ReadAllBytes(Path.Combine(referenceFolder, "summary.json")), File.ReadAllBytes(Path.Combine(folder, "summary.json")));
        }
        finally
        {
            Shell.Run($"umount {disk}");
        }
    }

    private string AssertFailedInOneLine(CliResult r, int exitCode, string? parent = null)
    {
        Assert.True(r.ExitCode == exitCode, $"exit {r.ExitCode}: {r.Err}");
        Assert.Empty(r.Out);
        var lines = r.Err.TrimEnd().Split('\n');
        Assert.True(lines.Length == 1, "expected one line on stderr, got:\n" + r.Err);
        Assert.StartsWith("marketsim: run failed: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Err, StringComparison.Ordinal);
        Assert.Contains(Directory.GetDirectories(parent ?? _out).Single(d => File.Exists(Path.Combine(d, "status.json"))), lines[0], StringComparison.Ordinal);
        return lines[0];
    }

    private string AssertStatusFailedWith(string cause, string? parent = null)
    {
        var folder = Directory.GetDirectories(parent ?? _out).Single(d => File.Exists(Path.Combine(d, "status.json")));
        using var status = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "status.json")));
        Assert.Equal("failed", status.RootElement.GetProperty("state").GetString());
        Assert.Contains(cause, status.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        return folder;
    }

    /// <summary><paramref name="count"/> markets, one created per day, each open 20 days; market <paramref name="far"/> (if any) closes in the year 9999.</summary>
    private string Dataset(int count, int far = -1)
    {
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            var open = T0.AddDays(i);
            var close = i == far ? new DateTimeOffset(9999, 6, 1, 0, 0, 0, TimeSpan.Zero) : open.AddDays(20);
            var y = i % 2;
            var price = new MarketPrice("hand", open.ToUnixTimeSeconds(), close.ToUnixTimeSeconds(), open.AddDays(5).ToUnixTimeSeconds(), open.AddDays(5).ToUnixTimeSeconds(), close.ToUnixTimeSeconds(), y == 1 ? 0.8 : 0.3);
            return new MarketRow(i.ToString(CultureInfo.InvariantCulture), $"0x{i:x64}", $"Will thing {i} happen?", "rules", null, "Tests", y, (1000 + i).ToString(CultureInfo.InvariantCulture), null, open, close, close, null, 1e5, null, price, "hand");
        }).ToList();
        var path = Path.Combine(_out, "markets.parquet");
        MarketDataset.Write(path, rows);
        return path;
    }

    private string PolymarketScenario(string dataset, string prices = "", int compression = 6)
    {
        var file = Path.Combine(_out, "pm.conf");
        File.WriteAllText(file, $$"""
            marketsim.scenario {
              name = pm-failure
              world { kind = polymarket, polymarket { dataset = "{{dataset}}", prices = "{{prices}}", compression = {{compression}}, train-fraction = 0.3 } }
              timeline { interval-length = 4h, cutoff-before-resolution = 1d }
              miners = [
                { kind = market-follower }
                { kind = constant, value = 0.5 }
              ]
              validators = [{ rule = peer-1.5.5 }]
            }
            """);
        return file;
    }
}
