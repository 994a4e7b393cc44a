using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace MarketSim.Cli.Tests;

/// <summary>
/// A real <c>marketsim run</c> child process is killed with SIGKILL at several points (before its first write, early,
/// mid-run, near the end, and again while it resumes); <c>marketsim run --resume</c> must then finish with a journal.db
/// and summary.json byte-identical to those of the same run played without interruption.
/// </summary>
public sealed class CrashResumeSpec : IDisposable
{
    // bench-subnet cut down to ~1 s of work: 256 miners, 4 shards, flushes every 512 events.
    private static readonly string[] Overrides = ["--set", "timeline.events=400"];

    private readonly string _out = Path.Combine(Path.GetTempPath(), "marketsim-crash-tests", Guid.NewGuid().ToString("N"));

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

    private static string Scenario => Path.Combine(CliRunner.RepoRoot, "scenarios", "bench-subnet.conf");

    [Fact]
    public void A_run_killed_at_several_points_resumes_to_a_journal_and_summary_identical_to_an_uninterrupted_run()
    {
        var reference = Reference();
        var total = Rows(Path.Combine(reference, "journal.db"));
        Assert.True(total > 2_000, $"reference journal too small to kill mid-run ({total} rows)");

        // Kill points: before the first journal row, then after ~5 %, 40 %, 80 % and 97 % of the rows are in.
        var points = new[] { 0.0, 0.05, 0.4, 0.8, 0.97 };
        foreach (var fraction in points)
        {
            var target = (long)(fraction * total);
            var folder = StartAndKill(["run", Scenario, .. Overrides, "--out", Path.Combine(_out, "k" + (int)(fraction * 100)), "--quiet"], null, target);
            Assert.False(File.Exists(Path.Combine(folder, "summary.json")));

            var resumed = CliRunner.Run("run", "--resume", folder, "--quiet");
            Assert.True(resumed.ExitCode == 0, $"kill at {fraction:P0} ({target} rows): resume failed: {resumed.Err}");
            AssertIdentical(reference, folder, $"kill at {fraction:P0}");
        }
    }

    [Fact]
    public void A_resume_that_is_itself_killed_can_be_resumed_again()
    {
        var reference = Reference();
        var total = Rows(Path.Combine(reference, "journal.db"));
        var folder = StartAndKill(["run", Scenario, .. Overrides, "--out", Path.Combine(_out, "twice"), "--quiet"], null, total / 3);

        // The second process replays (verifies) the first third, writes on, and is killed at two thirds.
        StartAndKill(["run", "--resume", folder, "--quiet"], folder, 2 * total / 3);

        var last = CliRunner.Run("run", "--resume", folder, "--quiet");
        Assert.True(last.ExitCode == 0, last.Err);
        AssertIdentical(reference, folder, "killed twice");
    }

    [Fact]
    public void A_run_killed_in_its_first_moments_leaves_a_folder_that_resumes_or_is_refused_in_one_line()
    {
        var reference = Reference();
        var resumed = 0;
        // Kill points: fixed delays after the process starts (on a loaded machine these may all fall before the folder
        // exists), then delays after the run folder first appears (before or while scenario.conf is written), then after
        // scenario.conf appears (between the claim, the status and the journal's first writes), whatever the machine's speed.
        var points = new[] { 20, 60, 100, 150, 200 }.Select(ms => (After: (string?)null, Ms: ms))
            .Concat(new[] { 0, 2, 5 }.Select(ms => (After: (string?)string.Empty, Ms: ms)))
            .Concat(new[] { 0, 2, 5, 10, 20, 40 }.Select(ms => (After: (string?)"scenario.conf", Ms: ms)));
        foreach (var (after, ms) in points)
        {
            var parent = Path.Combine(_out, (after is null ? "start" : after.Length == 0 ? "folder" : "claim") + ms);
            using (var child = Start(["run", Scenario, .. Overrides, "--out", parent, "--quiet"]))
            {
                if (after is not null)
                {
                    var clock = Stopwatch.StartNew();
                    while (!(Directory.Exists(parent) && Directory.GetDirectories(parent) is [var f, ..] && (after.Length == 0 || File.Exists(Path.Combine(f, after)))))
                    {
                        Assert.False(child.HasExited, $"the run ended before its folder{(after.Length == 0 ? string.Empty : "'s " + after)} was seen");
                        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "no run folder appeared");
                        Thread.Sleep(1);
                    }
                }

                Thread.Sleep(ms);
                child.Kill(); // SIGKILL
                child.WaitForExit();
            }

            foreach (var folder in Directory.Exists(parent) ? Directory.GetDirectories(parent) : [])
            {
                var status = Path.Combine(folder, "status.json");
                if (File.Exists(status) && File.ReadAllText(status).Contains("\"complete\"", StringComparison.Ordinal))
                {
                    AssertIdentical(reference, folder, $"finished before the kill at {ms} ms");
                    continue;
                }

                var r = CliRunner.Run("run", "--resume", folder, "--quiet");
                if (File.Exists(Path.Combine(folder, "scenario.conf")))
                {
                    Assert.True(r.ExitCode == 0, $"killed after {ms} ms: {r.Err}");
                    AssertIdentical(reference, folder, $"killed after {ms} ms");
                    resumed++;
                }
                else
                {
                    // Killed before the claim: not a run, and --resume says so in one line.
                    Assert.Equal(2, r.ExitCode);
                    Assert.Single(r.Err.TrimEnd().Split('\n'));
                    Assert.Contains("no scenario.conf", r.Err, StringComparison.Ordinal);
                }
            }
        }

        Assert.True(resumed > 0, "no kill point left a run folder to resume");
    }

    [Fact]
    public void SIGTERM_interrupts_a_run_like_ctrl_c_and_the_run_resumes_to_the_same_result()
    {
        var reference = Reference();
        var total = Rows(Path.Combine(reference, "journal.db"));
        var parent = Path.Combine(_out, "term");
        using var child = Start(["run", Scenario, .. Overrides, "--out", parent, "--quiet"]);
        var clock = Stopwatch.StartNew();
        string? folder = null;
        while (folder is null || Rows(Path.Combine(folder, "journal.db")) < total / 3)
        {
            Assert.False(child.HasExited, "the run ended before it could be sent SIGTERM");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "timed out waiting for the child to write");
            folder ??= Directory.Exists(parent) ? Directory.GetDirectories(parent).FirstOrDefault() : null;
            Thread.Sleep(5);
        }

        using (var kill = Process.Start("kill", ["-TERM", child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        Assert.True(child.WaitForExit(TimeSpan.FromMinutes(1)), "the run did not stop after SIGTERM");
        Assert.Equal(130, child.ExitCode);
        Assert.Contains("\"interrupted\"", File.ReadAllText(Path.Combine(folder, "status.json")), StringComparison.Ordinal);

        var r = CliRunner.Run("run", "--resume", folder, "--quiet");
        Assert.True(r.ExitCode == 0, r.Err);
        AssertIdentical(reference, folder, "after SIGTERM");
    }

    private static Process Start(string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "marketsim.dll");
        var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        var child = Process.Start(info)!;
        child.OutputDataReceived += (_, _) => { };
        child.ErrorDataReceived += (_, _) => { };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        return child;
    }

    [Fact]
    public void Resuming_a_complete_run_is_refused_with_exit_code_2()
    {
        var reference = Reference();
        var r = CliRunner.Run("run", "--resume", reference);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("already complete", r.Err, StringComparison.Ordinal);
    }

    private string Reference()
    {
        var dir = Path.Combine(_out, "reference");
        var r = CliRunner.Run(["run", Scenario, .. Overrides, "--out", dir, "--quiet"]);
        Assert.True(r.ExitCode == 0, r.Err);
        return Assert.Single(Directory.GetDirectories(dir));
    }

    private static void AssertIdentical(string reference, string resumed, string what)
    {
        Assert.True(File.ReadAllBytes(Path.Combine(reference, "summary.json")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(resumed, "summary.json"))), $"{what}: summary.json differs");
        Assert.True(File.ReadAllBytes(Path.Combine(reference, "journal.db")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(resumed, "journal.db"))), $"{what}: journal.db differs");
        Assert.Contains("\"complete\"", File.ReadAllText(Path.Combine(resumed, "status.json")), StringComparison.Ordinal);
    }

    /// <summary>
    /// Starts marketsim in a child process and SIGKILLs it once its journal holds at least <paramref name="rows"/> rows
    /// (0: as soon as the run folder holds its scenario.conf). Returns the run folder.
    /// </summary>
    private string StartAndKill(string[] args, string? folder, long rows)
    {
        var parent = folder is null ? args[Array.IndexOf(args, "--out") + 1] : null;
        using var child = Start(args);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(child.HasExited, $"the child exited (code {(child.HasExited ? child.ExitCode : 0)}) before reaching {rows} rows");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "timed out waiting for the child to write");
            folder ??= parent is not null && Directory.Exists(parent) ? Directory.GetDirectories(parent).FirstOrDefault(d => File.Exists(Path.Combine(d, "scenario.conf"))) : null;
            if (folder is not null && (rows == 0 || Rows(Path.Combine(folder, "journal.db")) >= rows))
            {
                break;
            }

            Thread.Sleep(5);
        }

        child.Kill(); // SIGKILL on Unix: no handler, no flush
        child.WaitForExit();
        return folder;
    }

    private static long Rows(string journal)
    {
        if (!File.Exists(journal))
        {
            return 0;
        }

        try
        {
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journal, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT coalesce(max(ordering), 0) FROM event_journal";
            return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (SqliteException)
        {
            return 0; // being created or checkpointed: try again
        }
    }
}
