using MarketSim.Journal.Akka;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Journal;

/// <summary>Opens the journal of a run, whichever backend it uses (docs/persistence.md).</summary>
public static class RunJournals
{
    /// <summary>Environment variable with a PostgreSQL connection string (also the default of marketsim.persistence.postgres.connection-string).</summary>
    public const string PostgresEnvironmentVariable = "MARKETSIM_POSTGRES";

    /// <summary>
    /// Gets the run's database ready before its actor system starts: journal.db is created (or opened) and put in WAL mode
    /// (the mode is kept in the file); on PostgreSQL the run's schema is created when missing. Akka.Persistence.Sql creates
    /// its own tables. Throws <see cref="IOException"/> with a one-line message naming the journal and the cause.
    /// </summary>
    public static void Prepare(JournalConfig.Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.IsPostgres)
        {
            Postgres(target, $"CREATE SCHEMA IF NOT EXISTS {QuoteIdent(target.Schema)}");
            return;
        }

        try
        {
            using var conn = new Microsoft.Data.Sqlite.SqliteConnection(target.ConnectionString);
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=WAL";
            cmd.ExecuteScalar();
            cmd.CommandText = "SELECT count(*) FROM sqlite_master";
            cmd.ExecuteScalar();
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            throw new IOException($"journal {target.Location}: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    /// <summary>
    /// Once Akka.Persistence.Sql made its tables: on PostgreSQL, stores the payload column uncompressed and out of line
    /// (<c>SET STORAGE EXTERNAL</c>): the payloads are mostly doubles, which TOAST's compression cannot shrink but
    /// spends time on. Nothing to do on SQLite.
    /// </summary>
    public static void AfterInitialize(JournalConfig.Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.IsPostgres)
        {
            Postgres(target, $"ALTER TABLE {QuoteIdent(target.Schema)}.journal ALTER COLUMN message SET STORAGE EXTERNAL");
        }
    }

    /// <summary>
    /// Once the run's actor system is gone: releases the pooled connections, and on SQLite folds the write-ahead log back
    /// into journal.db (<c>wal_checkpoint(TRUNCATE)</c>), so that the file alone holds the whole journal when the run
    /// ends (a copied or archived journal.db needs no <c>-wal</c> beside it).
    /// </summary>
    public static void Close(JournalConfig.Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.IsPostgres)
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            return;
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!File.Exists(Path.GetFullPath(target.Location)))
        {
            return;
        }

        var b = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(target.ConnectionString) { Pooling = false };
        try
        {
            using var conn = new Microsoft.Data.Sqlite.SqliteConnection(b.ToString());
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            cmd.ExecuteNonQuery();
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            // The log stays beside the file (full disk, read-only folder): SQLite replays it on the next open.
        }
    }

    /// <summary>Opens the journal of a run for reading, on the backend <paramref name="persistence"/> names (through Akka.Persistence.Query).</summary>
    public static IRunJournalReader OpenReader(PersistenceSettings persistence, RunFolder folder)
    {
        ArgumentNullException.ThrowIfNull(persistence);
        ArgumentNullException.ThrowIfNull(folder);
        return OpenReader(JournalConfig.For(persistence, folder));
    }

    /// <summary>Opens <paramref name="target"/> for reading on an actor system of its own; a journal that cannot be read fails here in one line.</summary>
    public static IRunJournalReader OpenReader(JournalConfig.Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!target.IsPostgres)
        {
            CheckSqlite(target);
        }
        else
        {
            Postgres(target, "SELECT 1");
        }

        return QueryJournalReader.Open(target);
    }

    /// <summary>
    /// Opens the journal of the run folder <paramref name="runDir"/> for reading: the backend its scenario.conf names
    /// (journal.db in the folder, or its PostgreSQL schema), with <paramref name="overrides"/> (deployment keys such as
    /// <c>marketsim.persistence.postgres.connection-string</c>) applied. Throws <see cref="FileNotFoundException"/> when the
    /// folder holds neither a scenario.conf naming PostgreSQL nor a journal.db.
    /// </summary>
    public static IRunJournalReader OpenReader(string runDir, IReadOnlyList<string>? overrides = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDir);
        var file = Path.Combine(runDir, RunFolder.JournalFileName);
        var scenarioFile = Path.Combine(runDir, RunFolder.ScenarioFileName);
        if (File.Exists(scenarioFile))
        {
            RunDeployment? deployment = null;
            try
            {
                deployment = ScenarioLoader.LoadRun(scenarioFile, overrides, null).Deployment;
            }
            catch (ScenarioException) when (overrides is not { Count: > 0 })
            {
                // not readable as a scenario: fall through to journal.db
            }

            if (deployment is { Persistence.IsPostgres: true })
            {
                return OpenReader(deployment.Persistence, RunFolder.Open(runDir));
            }
        }

        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"{runDir} has no {RunFolder.JournalFileName} (not a run folder?)", file);
        }

        return OpenReader(JournalConfig.Sqlite(file));
    }

    /// <summary>
    /// The connection string to use: <paramref name="configured"/>; when it carries no password and
    /// <c>MARKETSIM_POSTGRES</c> names the same server, database and user with one, that password (scenario.conf never
    /// stores it). Otherwise Npgsql's own sources apply (PGPASSWORD, ~/.pgpass).
    /// </summary>
    public static string ConnectionString(string configured)
    {
        if (string.IsNullOrEmpty(configured))
        {
            throw new ArgumentException("marketsim.persistence.postgres.connection-string is empty");
        }

        var env = Environment.GetEnvironmentVariable(PostgresEnvironmentVariable);
        try
        {
            var c = new Npgsql.NpgsqlConnectionStringBuilder(configured);
            if (c.Password is not null || string.IsNullOrEmpty(env))
            {
                return configured;
            }

            var e = new Npgsql.NpgsqlConnectionStringBuilder(env);
            if (e.Password is not null && e.Host == c.Host && e.Port == c.Port && e.Database == c.Database && e.Username == c.Username)
            {
                c.Password = e.Password;
                return c.ConnectionString;
            }
        }
        catch (ArgumentException)
        {
            // leave it to Npgsql to report
        }

        return configured;
    }

    private static string QuoteIdent(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>journal.db must be a SQLite database holding Akka.Persistence.Sql's journal table.</summary>
    private static void CheckSqlite(JournalConfig.Target target)
    {
        var b = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(target.ConnectionString) { Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly, Pooling = false };
        try
        {
            using var conn = new Microsoft.Data.Sqlite.SqliteConnection(b.ToString());
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'journal'";
            if (Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                throw new InvalidDataException($"journal {target.Location}: holds no journal table (an empty file, not a MarketSim run journal, or one written by a MarketSim before the move onto Akka.Persistence.Sql)");
            }
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            throw new InvalidDataException($"journal {target.Location}: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    private static void Postgres(JournalConfig.Target target, string sql)
    {
        try
        {
            using var conn = new Npgsql.NpgsqlConnection(target.ConnectionString);
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or ArgumentException)
        {
            var server = new Npgsql.NpgsqlConnectionStringBuilder(target.ConnectionString);
            throw new IOException($"journal {target.Location} at postgres://{server.Host}:{server.Port}/{server.Database} (user {server.Username}): {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }
}
