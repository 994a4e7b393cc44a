using System.Diagnostics;
using System.Text.Json;

namespace MarketSim.Cli.Tests;

public sealed class ExportCommandSpec : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "marketsim-export-cli-tests", Guid.NewGuid().ToString("N"));

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

    private string SmallRun()
    {
        var runs = Path.Combine(_out, "runs");
        var r = CliRunner.Run("run", Path.Combine(CliRunner.RepoRoot, "scenarios", "parity-cliff-fog.conf"), "--set", "timeline.events=30", "--out", runs);
        Assert.Equal(0, r.ExitCode);
        return Assert.Single(Directory.GetDirectories(runs));
    }

    [Fact]
    public void Export_writes_four_parquet_tables_whose_prediction_count_equals_the_summary()
    {
        var run = SmallRun();
        var dest = Path.Combine(_out, "parquet");
        var r = CliRunner.Run("export", run, "--format", "parquet", "--out", dest, "--compression", "gzip");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Err);
        using var summary = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(run, "summary.json")));
        using var predictions = ParquetFile.Open(Path.Combine(dest, "predictions.parquet"));
        Assert.Equal(summary.RootElement.GetProperty("predictions").GetInt64(), predictions.NumRows);
        Assert.All(predictions.Metadata.RowGroups.SelectMany(g => g.Columns), c => Assert.Equal(Parquet.Meta.CompressionCodec.GZIP, c.MetaData!.Codec));
        using var events = ParquetFile.Open(Path.Combine(dest, "events.parquet"));
        Assert.Equal(summary.RootElement.GetProperty("events").GetInt64(), events.NumRows);
        Assert.True(File.Exists(Path.Combine(dest, "event_scores.parquet")));
        Assert.True(File.Exists(Path.Combine(dest, "weights.parquet")));
        Assert.Contains("predictions: " + predictions.NumRows + " rows", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_to_csv_writes_a_header_and_one_line_per_row()
    {
        var run = SmallRun();
        var dest = Path.Combine(_out, "csv");
        var r = CliRunner.Run("export", run, "--format", "csv", "--out", dest);

        Assert.Equal(0, r.ExitCode);
        var lines = File.ReadAllLines(Path.Combine(dest, "predictions.csv"));
        Assert.Equal("interval,interval_time,event_id,miner_id,forecaster,probability", lines[0]);
        using var summary = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(run, "summary.json")));
        Assert.Equal(summary.RootElement.GetProperty("predictions").GetInt64(), lines.Length - 1);
    }

    [Fact]
    public void An_incomplete_run_is_exported_with_a_one_line_warning_naming_its_status()
    {
        var run = SmallRun();
        var status = Path.Combine(run, "status.json");
        File.WriteAllText(status, File.ReadAllText(status).Replace("\"complete\"", "\"interrupted\"", StringComparison.Ordinal));
        var r = CliRunner.Run("export", run, "--format", "csv", "--out", Path.Combine(_out, "csv"));

        Assert.Equal(0, r.ExitCode);
        var warning = Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("interrupted", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_run_folder_or_journal_exits_2_with_one_line()
    {
        var missing = CliRunner.Run("export", Path.Combine(_out, "nope"), "--out", Path.Combine(_out, "x"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Single(missing.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        Directory.CreateDirectory(Path.Combine(_out, "empty"));
        var noJournal = CliRunner.Run("export", Path.Combine(_out, "empty"), "--out", Path.Combine(_out, "x"));
        Assert.Equal(2, noJournal.ExitCode);
        Assert.Contains("journal.db", noJournal.Err, StringComparison.Ordinal);
    }

    /// <summary>A real full disk: an 8 KB tmpfs (mounting needs root, as ./test.sh runs).</summary>
    [Theory]
    [InlineData("parquet")]
    [InlineData("csv")]
    public void Export_into_a_full_folder_fails_in_one_line_and_leaves_no_file_behind(string format)
    {
        var run = SmallRun();
        var disk = Path.Combine(_out, "disk-" + format);
        Directory.CreateDirectory(disk);
        Shell.Run($"mount -t tmpfs -o size=8k marketsim-export-full {disk}");
        try
        {
            var r = CliRunner.Run("export", run, "--format", format, "--out", disk);
            AssertFailedInOneLine(r, "No space left on device");
            Assert.Empty(Directory.GetFileSystemEntries(disk));
        }
        finally
        {
            Shell.Run($"umount {disk}");
        }
    }

    /// <summary>A read-only file system (root writes into a chmod-ed folder regardless, so a read-only tmpfs it is).</summary>
    [Fact]
    public void Export_into_a_read_only_folder_fails_in_one_line_and_leaves_the_old_tables_untouched()
    {
        var run = SmallRun();
        var disk = Path.Combine(_out, "ro");
        Directory.CreateDirectory(disk);
        Shell.Run($"mount -t tmpfs -o size=64m marketsim-export-ro {disk}");
        try
        {
            File.WriteAllText(Path.Combine(disk, "events.parquet"), "an older export");
            Shell.Run($"mount -o remount,ro {disk}");
            var r = CliRunner.Run("export", run, "--out", disk);
            AssertFailedInOneLine(r, "Read-only file system");
            Assert.Equal(["events.parquet"], Directory.GetFileSystemEntries(disk).Select(Path.GetFileName));
            Assert.Equal("an older export", File.ReadAllText(Path.Combine(disk, "events.parquet")));
        }
        finally
        {
            Shell.Run($"umount {disk}");
        }
    }

    [Fact]
    public void An_unknown_format_exits_2()
    {
        Directory.CreateDirectory(_out);
        var r = CliRunner.Run("export", _out, "--format", "xml", "--out", Path.Combine(_out, "x"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--format", r.Err, StringComparison.Ordinal);
    }

    private static void AssertFailedInOneLine(CliResult r, string cause)
    {
        Assert.True(r.ExitCode == 1, $"exit {r.ExitCode}: {r.Err}");
        var line = Assert.Single(r.Err.TrimEnd().Split('\n'));
        Assert.StartsWith("marketsim: cannot write ", line, StringComparison.Ordinal);
        Assert.Contains(cause, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Err, StringComparison.Ordinal);
    }
}
