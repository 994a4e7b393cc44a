using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MarketSim.Cli.Tests;
using Microsoft.Data.Sqlite;

namespace MarketSim.Golden.Tests;

/// <summary>
/// Frozen behaviour: every shipped scenario at seeds 0 and 1 must give the summary.json and the journal rows recorded
/// in goldens/ (taken from main before the move onto Akka 1.5). The journal is compared per persistence id: row count,
/// last sequence number and a SHA-256 over (sequence number, manifest, virtual timestamp, tags, payload bytes) of its
/// rows in sequence order. A deliberate change regenerates the files with <c>MARKETSIM_UPDATE_GOLDEN=1 dotnet test</c>
/// and says why in the commit message.
/// </summary>
public sealed class GoldenRunSpec : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "marketsim-golden-tests", Guid.NewGuid().ToString("N"));

    public static TheoryData<string, long> Cases => new()
    {
        { "parity-cliff-fog", 0 },
        { "parity-cliff-fog", 1 },
        { "groupstress", 0 },
        { "groupstress", 1 },
        { "bench-subnet", 0 },
        { "bench-subnet", 1 },
        { "polymarket-replay", 0 },
        { "polymarket-replay", 1 },
    };

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

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_shipped_scenario_gives_the_frozen_summary_and_journal(string scenario, long seed)
    {
        var args = new List<string> { "run", Path.Combine(CliRunner.RepoRoot, "scenarios", scenario + ".conf"), "--seed", seed.ToString(CultureInfo.InvariantCulture), "--out", _out, "--quiet" };
        if (scenario == "polymarket-replay")
        {
            args.AddRange(["--set", $"world.polymarket.dataset=\"{PolymarketDataset.Path}\""]);
        }

        var run = CliRunner.Run([.. args]);
        Assert.True(run.ExitCode == 0, run.Err);
        var folder = Directory.GetDirectories(_out).Single();
        var summary = File.ReadAllText(Path.Combine(folder, "summary.json"));
        var journal = JournalDigest(Path.Combine(folder, "journal.db"));

        var golden = Path.Combine(CliRunner.RepoRoot, "tests", "MarketSim.Golden.Tests", "goldens", $"{scenario}-seed{seed}");
        if (Environment.GetEnvironmentVariable("MARKETSIM_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(golden);
            File.WriteAllText(Path.Combine(golden, "summary.json"), summary);
            File.WriteAllText(Path.Combine(golden, "journal.txt"), journal);
        }

        Assert.Equal(File.ReadAllText(Path.Combine(golden, "summary.json")), summary);
        Assert.Equal(File.ReadAllText(Path.Combine(golden, "journal.txt")), journal);
    }

    [Theory]
    [InlineData("bench-subnet")]
    [InlineData("parity-cliff-fog")]
    public void Parallelism_1_and_8_give_the_same_summary_and_journal(string scenario)
    {
        // bench-subnet has 4 shards of 64 miners, parity-cliff-fog puts its 11 miners in 11 shards of one: with 8 threads
        // the shards answer in any order, and the journal must not show it.
        var results = new List<(string Summary, string Journal)>();
        foreach (var parallelism in new[] { "1", "8" })
        {
            var dir = Path.Combine(_out, "p" + parallelism);
            var args = new List<string> { "run", Path.Combine(CliRunner.RepoRoot, "scenarios", scenario + ".conf"), "--out", dir, "--quiet", "--set", "marketsim.parallelism=" + parallelism };
            if (scenario == "parity-cliff-fog")
            {
                args.AddRange(["--set", "shard-size=1"]);
            }

            var run = CliRunner.Run([.. args]);
            Assert.True(run.ExitCode == 0, run.Err);
            var folder = Directory.GetDirectories(dir).Single();
            results.Add((File.ReadAllText(Path.Combine(folder, "summary.json")), JournalDigest(Path.Combine(folder, "journal.db"))));
        }

        Assert.Equal(results[0].Summary, results[1].Summary);
        Assert.Equal(results[0].Journal, results[1].Journal);
    }

    /// <summary>One line per persistence id: id, rows, last sequence number, SHA-256 of its rows.</summary>
    internal static string JournalDigest(string db)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        using var conn = new SqliteConnection(builder.ToString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        // Akka.Persistence.Sql's journal table (docs/journal.md): created holds the virtual time, tags the ";tag;" column.
        cmd.CommandText = "SELECT persistence_id, sequence_number, manifest, created, tags, message FROM journal ORDER BY persistence_id, sequence_number";
        using var reader = cmd.ExecuteReader();
        var lines = new StringBuilder();
        string? pid = null;
        long rows = 0, last = 0;
        IncrementalHash? hash = null;
        void Flush()
        {
            if (pid is not null && hash is not null)
            {
                lines.Append(CultureInfo.InvariantCulture, $"{pid} rows={rows} last={last} sha256={Convert.ToHexStringLower(hash.GetHashAndReset())}\n");
                hash.Dispose();
            }
        }

        while (reader.Read())
        {
            var id = reader.GetString(0);
            if (id != pid)
            {
                Flush();
                (pid, rows, hash) = (id, 0, IncrementalHash.CreateHash(HashAlgorithmName.SHA256));
            }

            rows++;
            last = reader.GetInt64(1);
            var head = $"{last}|{(reader.IsDBNull(2) ? "" : reader.GetString(2))}|{reader.GetInt64(3)}|{(reader.IsDBNull(4) ? "" : reader.GetString(4))}|";
            hash!.AppendData(Encoding.UTF8.GetBytes(head));
            var payload = (byte[])reader.GetValue(5);
            hash.AppendData(BitConverter.GetBytes((long)payload.Length));
            hash.AppendData(payload);
        }

        Flush();
        reader.Close();

        // The order in which the run made its events across streams: the query side's canonical merge (the database's
        // ordering column interleaves concurrent writers differently on every run). It must be the order the single
        // writer appended in before the move onto Akka.Persistence.Sql.
        using var journal = MarketSim.Journal.RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(db));
        using var interleave = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        foreach (var e in journal.AllEvents())
        {
            total++;
            interleave.AppendData(Encoding.UTF8.GetBytes($"{total}|{e.PersistenceId}|{e.SequenceNr}\n"));
        }

        lines.Append(CultureInfo.InvariantCulture, $"(ordering) rows={total} sha256={Convert.ToHexStringLower(interleave.GetHashAndReset())}\n");
        return lines.ToString();
    }
}

/// <summary>The Polymarket dataset built once from the shared data (../shared/data/polymarket, never copied into the repository).</summary>
internal static class PolymarketDataset
{
    private static readonly Lazy<string> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Path => Built.Value;

    private static string Build()
    {
        var data = System.IO.Path.GetFullPath(System.IO.Path.Combine(CliRunner.RepoRoot, "..", "shared", "data", "polymarket"));
        if (!Directory.Exists(data))
        {
            throw new InvalidOperationException($"the shared Polymarket data are not at {data} (they live beside the repository, in ../shared/data/polymarket)");
        }

        // A fixed path: the run's first journal row records the scenario as played, dataset path included.
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "marketsim-golden-dataset");
        var file = System.IO.Path.Combine(dir, "markets.parquet");
        var import = CliRunner.Run("pm", "import", "--data-dir", data, "--out", file);
        return import.ExitCode == 0 ? file : throw new InvalidOperationException("pm import failed: " + import.Err);
    }
}
