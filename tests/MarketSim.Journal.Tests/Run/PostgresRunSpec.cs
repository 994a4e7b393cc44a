using MarketSim.Journal.Akka;
using MarketSim.Runtime;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using Npgsql;

namespace MarketSim.Journal.Tests.Run;

/// <summary>
/// Runs on the PostgreSQL journal (needs MARKETSIM_TEST_POSTGRES: ./test.sh starts a local server): identical rows and
/// summary to SQLite, a database lost mid-run, resume, and a schema that already holds a journal.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class PostgresRunSpec : IDisposable
{
    private static readonly string[] Small = ["timeline.events=60", "shard-size=5", "outputs.journal.flush-events=16"];
    private readonly RunTestSupport _runs = new();
    private readonly List<string> _schemas = [];

    private static string ConnectionString =>
        Environment.GetEnvironmentVariable("MARKETSIM_TEST_POSTGRES") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("MARKETSIM_TEST_POSTGRES is not set: run ./test.sh, which starts PostgreSQL (or scripts/services.sh start DIR && source DIR/env).");

    public void Dispose()
    {
        foreach (var schema in _schemas)
        {
            DropSchema(schema);
        }

        _runs.Dispose();
    }

    private string[] OnPostgres(string schema, string? connectionString = null)
    {
        _schemas.Add(schema);
        return [.. Small, "marketsim.persistence.journal=postgres", "marketsim.persistence.postgres.connection-string=" + (connectionString ?? ConnectionString), "marketsim.persistence.postgres.schema=" + schema];
    }

    private static string NewSchema() => "t_run_" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public void A_run_on_PostgreSQL_stores_the_same_rows_and_gives_the_same_summary_as_on_SQLite()
    {
        var sqlite = _runs.Run("parity-cliff-fog.conf", Small, seed: 5);
        var schema = NewSchema();
        var pg = _runs.Run("parity-cliff-fog.conf", OnPostgres(schema), seed: 5);

        Assert.Equal(RunState.Complete, pg.State);
        Assert.False(File.Exists(pg.Folder.JournalFile), "a PostgreSQL run writes no journal.db");
        JournalRows.AssertSame(JournalRows.Read(RunJournals.OpenReader(JournalConfig.Sqlite(sqlite.Folder.JournalFile))), JournalRows.Read(Postgres(schema)));
        Assert.Equal(File.ReadAllBytes(sqlite.Folder.SummaryJsonFile), File.ReadAllBytes(pg.Folder.SummaryJsonFile));

        // The run folder says where its journal is, without the password; RunJournals finds it from the folder alone.
        var conf = File.ReadAllText(pg.Folder.ScenarioFile);
        Assert.Contains(schema, conf, StringComparison.Ordinal);
        Assert.DoesNotContain("assword=", conf, StringComparison.OrdinalIgnoreCase);
        using var reader = RunJournals.OpenReader(pg.Folder.Path);
        var ids = reader.PersistenceIds();
        Assert.Equal(["issuer", "run", "shard-0", "shard-1"], ids.Take(4));
        Assert.Equal("validator-peer-1.5.5", ids[^1]);
        Assert.Equal(JournalRows.Read(RunJournals.OpenReader(JournalConfig.Sqlite(sqlite.Folder.JournalFile))).Count(r => r.PersistenceId == "issuer"), reader.HighestSequenceNr("issuer"));
    }

    [Fact]
    public void Export_reads_a_PostgreSQL_run_from_its_folder_or_with_the_connection_given_by_set_and_writes_the_same_tables_as_for_SQLite()
    {
        var sqlite = _runs.Run("parity-cliff-fog.conf", Small, seed: 5);
        var schema = NewSchema();
        var pg = _runs.Run("parity-cliff-fog.conf", OnPostgres(schema), seed: 5);
        Assert.Equal(RunState.Complete, pg.State);

        var fromSqlite = MarketSim.Journal.Export.RunExporter.Export(sqlite.Folder.Path, Path.Combine(_runs.Directory, "x-sqlite"), new MarketSim.Journal.Export.ExportOptions(MarketSim.Journal.Export.ExportFormat.Csv));
        var fromFolder = MarketSim.Journal.Export.RunExporter.Export(pg.Folder.Path, Path.Combine(_runs.Directory, "x-pg"), new MarketSim.Journal.Export.ExportOptions(MarketSim.Journal.Export.ExportFormat.Csv));
        var withSet = MarketSim.Journal.Export.RunExporter.Export(
            pg.Folder.Path,
            Path.Combine(_runs.Directory, "x-pg-set"),
            new MarketSim.Journal.Export.ExportOptions(MarketSim.Journal.Export.ExportFormat.Csv) { Overrides = ["marketsim.persistence.postgres.connection-string=\"" + ConnectionString + "\""] });

        Assert.NotEmpty(fromSqlite.Files);
        foreach (var (table, file) in fromSqlite.Files)
        {
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(fromFolder.Files[table]));
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(withSet.Files[table]));
        }
    }

    [Fact]
    public void Losing_the_database_mid_run_fails_the_run_loudly_and_the_run_resumes_to_the_same_result()
    {
        var reference = _runs.Run("parity-cliff-fog.conf", Small, seed: 5);
        var schema = NewSchema();
        var app = "marketsim-test-" + Guid.NewGuid().ToString("N")[..8];
        var cs = new NpgsqlConnectionStringBuilder(ConnectionString) { ApplicationName = app }.ConnectionString;
        var killed = false;
        var failed = _runs.Run("parity-cliff-fog.conf", OnPostgres(schema, cs), seed: 5, options: new RunOptions(Progress: p =>
        {
            if (p.Interval == p.TotalIntervals / 2 && !killed)
            {
                killed = true;
                using var admin = new NpgsqlConnection(ConnectionString);
                admin.Open();

                // Journal writes run on their own thread: let the first transactions land, then pull the plug.
                using (var rows = new NpgsqlCommand($"SELECT count(*) FROM {schema}.journal", admin))
                {
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    while ((long)rows.ExecuteScalar()! < 50 && clock.Elapsed < TimeSpan.FromSeconds(30))
                    {
                        Thread.Sleep(10);
                    }
                }

                using var cmd = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @a", admin);
                cmd.Parameters.AddWithValue("a", app);
                Assert.True((long)cmd.ExecuteScalar()! >= 1, "no connection of the run to terminate");
            }
        }));

        Assert.True(killed);
        Assert.Equal(RunState.Failed, failed.State);
        Assert.Contains("failed", failed.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("postgres:" + schema, failed.Error.Message, StringComparison.Ordinal);
        Assert.Contains("--resume", File.ReadAllText(failed.Folder.StatusFile), StringComparison.Ordinal);
        var kept = JournalRows.Read(Postgres(schema));
        Assert.NotEmpty(kept);
        Assert.All(kept.GroupBy(r => r.PersistenceId), g => Assert.Equal(Enumerable.Range(1, g.Count()).Select(i => (long)i), g.Select(r => r.SequenceNr))); // gap-free prefixes

        // The password is not in scenario.conf: give the connection string again, as a user would.
        var resumed = ScenarioRunner.Run(RunPreparation.Resume(failed.Folder.Path, ["marketsim.persistence.postgres.connection-string=" + ConnectionString]));

        Assert.Equal(RunState.Complete, resumed.State);
        JournalRows.AssertSame(JournalRows.Read(RunJournals.OpenReader(JournalConfig.Sqlite(reference.Folder.JournalFile))), JournalRows.Read(Postgres(schema)));
        Assert.Equal(File.ReadAllBytes(reference.Folder.SummaryJsonFile), File.ReadAllBytes(failed.Folder.SummaryJsonFile));
    }

    [Fact]
    public void A_new_run_refuses_a_schema_that_already_holds_a_journal()
    {
        var schema = NewSchema();
        Assert.Equal(RunState.Complete, _runs.Run("parity-cliff-fog.conf", OnPostgres(schema), seed: 5).State);

        var second = _runs.Run("parity-cliff-fog.conf", OnPostgres(schema), seed: 5);

        Assert.Equal(RunState.Failed, second.State);
        Assert.Contains("already holds a journal", second.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_server_fails_with_the_address_and_no_password()
    {
        var cs = "Host=127.0.0.1;Port=1;Username=nobody;Password=secret-pw;Database=none;Timeout=2";
        var outcome = _runs.Run("parity-cliff-fog.conf", OnPostgres(NewSchema(), cs), seed: 5);
        _schemas.RemoveAt(_schemas.Count - 1);

        Assert.Equal(RunState.Failed, outcome.State);
        Assert.Contains("postgres://127.0.0.1:1/none", outcome.Error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", outcome.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", File.ReadAllText(outcome.Folder.StatusFile), StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", File.ReadAllText(outcome.Folder.ScenarioFile), StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_that_refuses_the_login_fails_the_run_before_it_starts_in_one_line_without_the_password()
    {
        var refused = new NpgsqlConnectionStringBuilder(ConnectionString) { Username = "nobody_" + Guid.NewGuid().ToString("N")[..6], Password = "secret-pw" }.ConnectionString;
        var outcome = _runs.Run("parity-cliff-fog.conf", OnPostgres(NewSchema(), refused), seed: 5);
        _schemas.RemoveAt(_schemas.Count - 1);

        Assert.Equal(RunState.Failed, outcome.State);
        Assert.Equal(0, outcome.Intervals);
        Assert.Contains("nobody_", outcome.Error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', outcome.Error.Message);
        Assert.DoesNotContain("secret-pw", outcome.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", File.ReadAllText(outcome.Folder.StatusFile), StringComparison.Ordinal);
    }

    private static IRunJournalReader Postgres(string schema) =>
        RunJournals.OpenReader(new JournalConfig.Target(JournalConfig.PostgresProvider, ConnectionString, schema, "postgres:" + schema));

    private static void DropSchema(string schema)
    {
        using var conn = new NpgsqlConnection(ConnectionString);
        conn.Open();
        using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", conn);
        cmd.ExecuteNonQuery();
    }
}
