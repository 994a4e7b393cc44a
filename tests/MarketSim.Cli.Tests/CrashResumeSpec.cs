using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace MarketSim.Cli.Tests;

/// <summary>
/// A real <c>marketsim run</c> child process is killed with SIGKILL at 20 random points (drawn from a fixed seed), on
/// SQLite and on PostgreSQL, in its first moments, and again while it resumes; <c>marketsim run --resume</c> must then
/// finish with the summary.json of the same run played without interruption and the same streams: per persistence id
/// the same sequence numbers, manifests, virtual times, tags and payload bytes (the database's ordering column
/// interleaves concurrent writers differently from run to run and is not compared).
/// </summary>
public sealed class CrashResumeSpec : IDisposable
{
    // bench-subnet cut down to ~1 s of work: 256 miners, 4 shards.
    private static readonly string[] Overrides = ["--set", "timeline.events=400"];

    private readonly string _out = Path.Combine(Path.GetTempPath(), "marketsim-crash-tests", Guid.NewGuid().ToString("N"));
    private readonly List<PostgresJournal> _schemas = [];

    public void Dispose()
    {
        foreach (var schema in _schemas)
        {
            schema.Drop();
        }

        try
        {
            Directory.Delete(_out, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Scenario => Path.Combine(CliRunner.RepoRoot, "scenarios", "bench-subnet.conf");

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void A_run_killed_at_20_random_points_resumes_to_the_summary_and_streams_of_an_uninterrupted_run(string backend)
    {
        var reference = Reference();
        var total = Rows(Path.Combine(reference, "journal.db"));
        Assert.True(total > 2_000, $"reference journal too small to kill mid-run ({total} rows)");

        // 20 kill points drawn once from a fixed seed: the share of the reference's rows in the journal when the kill comes.
        var random = new Random(20261208);
        var points = Enumerable.Range(0, 20).Select(_ => random.NextDouble()).ToList();
        for (var i = 0; i < points.Count; i++)
        {
            var target = Math.Max(1, (long)(points[i] * total));
            var journal = Backend(backend, $"k{i}");
            var folder = StartAndKill(["run", Scenario, .. Overrides, .. journal?.Args ?? [], "--out", Path.Combine(_out, backend + i), "--quiet"], null, target, journal);
            Assert.False(File.Exists(Path.Combine(folder, "summary.json")), $"kill {i} came after the run finished");

            var resumed = CliRunner.Run(["run", "--resume", folder, "--quiet", .. journal?.ResumeArgs ?? []]);
            Assert.True(resumed.ExitCode == 0, $"kill {i} at {points[i]:P0} ({target} rows): resume failed: {resumed.Err}");
            AssertIdentical(reference, folder, $"kill {i} at {points[i]:P0}", journal);
        }
    }

    [Fact]
    public void A_resume_that_is_itself_killed_can_be_resumed_again()
    {
        var reference = Reference();
        var total = Rows(Path.Combine(reference, "journal.db"));
        var folder = StartAndKill(["run", Scenario, .. Overrides, "--out", Path.Combine(_out, "twice"), "--quiet"], null, total / 3, null);

        // The second process replays (verifies) the first third, writes on, and is killed at two thirds.
        StartAndKill(["run", "--resume", folder, "--quiet"], folder, 2 * total / 3, null);

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

    private static void AssertIdentical(string reference, string resumed, string what, PostgresJournal? journal = null)
    {
        Assert.True(File.ReadAllBytes(Path.Combine(reference, "summary.json")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(resumed, "summary.json"))), $"{what}: summary.json differs");
        Assert.Equal(Streams(Path.Combine(reference, "journal.db")), journal is null ? Streams(Path.Combine(resumed, "journal.db")) : journal.Streams());
        Assert.Contains("\"complete\"", File.ReadAllText(Path.Combine(resumed, "status.json")), StringComparison.Ordinal);
    }

    /// <summary>Per persistence id: rows, last sequence number and a SHA-256 over (sequence number, manifest, virtual time, tags, payload).</summary>
    private static string Streams(string journal)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journal, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = StreamsQuery(string.Empty);
        using var r = cmd.ExecuteReader();
        return Digest(r);
    }

    private static string StreamsQuery(string schema) =>
        $"SELECT persistence_id, sequence_number, manifest, created, tags, message FROM {schema}journal ORDER BY persistence_id, sequence_number";

    private static string Digest(System.Data.Common.DbDataReader r)
    {
        var lines = new System.Text.StringBuilder();
        string? pid = null;
        long rows = 0, last = 0;
        System.Security.Cryptography.IncrementalHash? hash = null;
        void Flush()
        {
            if (pid is not null)
            {
                lines.Append(System.Globalization.CultureInfo.InvariantCulture, $"{pid} rows={rows} last={last} sha256={Convert.ToHexString(hash!.GetHashAndReset())}\n");
                hash.Dispose();
            }
        }

        while (r.Read())
        {
            if (r.GetString(0) != pid)
            {
                Flush();
                (pid, rows, hash) = (r.GetString(0), 0, System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
            }

            rows++;
            last = r.GetInt64(1);
            hash!.AppendData(System.Text.Encoding.UTF8.GetBytes($"{last}|{r.GetString(2)}|{r.GetInt64(3)}|{(r.IsDBNull(4) ? string.Empty : r.GetString(4))}|"));
            hash.AppendData((byte[])r.GetValue(5));
        }

        Flush();
        return lines.ToString();
    }

    /// <summary>The journal of a run: SQLite in its folder (no arguments), or a fresh PostgreSQL schema.</summary>
    private PostgresJournal? Backend(string backend, string name)
    {
        if (backend == "sqlite")
        {
            return null;
        }

        var cs = Environment.GetEnvironmentVariable("MARKETSIM_TEST_POSTGRES")
            ?? throw new InvalidOperationException("MARKETSIM_TEST_POSTGRES is not set: run ./test.sh, which starts PostgreSQL (or scripts/services.sh start DIR && source DIR/env).");
        var schema = "crash_" + name + "_" + Guid.NewGuid().ToString("N")[..8];
        var journal = new PostgresJournal(cs, schema);
        _schemas.Add(journal);
        return journal;
    }

    /// <summary>A run's journal in a PostgreSQL schema: how to point marketsim at it, and how to read it.</summary>
    private sealed record PostgresJournal(string ConnectionString, string Schema)
    {
        public string[] Args => ["--journal", "postgres", "--set", $"marketsim.persistence.postgres.connection-string=\"{ConnectionString}\"", "--set", "marketsim.persistence.postgres.schema=" + Schema];

        public string[] ResumeArgs => ["--set", $"marketsim.persistence.postgres.connection-string=\"{ConnectionString}\""];

        public long Rows()
        {
            try
            {
                using var c = new Npgsql.NpgsqlConnection(ConnectionString);
                c.Open();
                using var cmd = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM \"{Schema}\".journal", c);
                return (long)cmd.ExecuteScalar()!;
            }
            catch (Npgsql.PostgresException)
            {
                return 0; // not created yet
            }
        }

        public string Streams()
        {
            using var c = new Npgsql.NpgsqlConnection(ConnectionString);
            c.Open();
            using var cmd = new Npgsql.NpgsqlCommand(StreamsQuery($"\"{Schema}\"."), c);
            using var r = cmd.ExecuteReader();
            return Digest(r);
        }

        public void Drop()
        {
            using var c = new Npgsql.NpgsqlConnection(ConnectionString);
            c.Open();
            using var cmd = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", c);
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Starts marketsim in a child process and SIGKILLs it once its journal holds at least <paramref name="rows"/> rows
    /// (0: as soon as the run folder holds its scenario.conf). Returns the run folder.
    /// </summary>
    private string StartAndKill(string[] args, string? folder, long rows, PostgresJournal? journal)
    {
        var parent = folder is null ? args[Array.IndexOf(args, "--out") + 1] : null;
        using var child = Start(args);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(child.HasExited, $"the child exited (code {(child.HasExited ? child.ExitCode : 0)}) before reaching {rows} rows");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "timed out waiting for the child to write");
            folder ??= parent is not null && Directory.Exists(parent) ? Directory.GetDirectories(parent).FirstOrDefault(d => File.Exists(Path.Combine(d, "scenario.conf"))) : null;
            if (folder is not null && (rows == 0 || (journal?.Rows() ?? Rows(Path.Combine(folder, "journal.db"))) >= rows))
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
            cmd.CommandText = "SELECT count(*) FROM journal";
            return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (SqliteException)
        {
            return 0; // being created or checkpointed: try again
        }
    }
}
