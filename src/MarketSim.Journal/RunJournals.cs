using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Journal;

/// <summary>Opens the journal of a run, whichever backend it uses (docs/persistence.md).</summary>
public static class RunJournals
{
    /// <summary>Environment variable with a PostgreSQL connection string (also the default of marketsim.persistence.postgres.connection-string).</summary>
    public const string PostgresEnvironmentVariable = "MARKETSIM_POSTGRES";

    /// <summary>Opens the writer of a run: journal.db in the folder, or the run's PostgreSQL schema.</summary>
    /// <param name="scenario">The scenario (flush thresholds).</param>
    /// <param name="persistence">The backend (<see cref="RunDeployment.Persistence"/>).</param>
    /// <param name="folder">The run folder.</param>
    /// <param name="maxPages">SQLite only: size cap in pages (0 = none); a write past it fails like a full disk.</param>
    public static RunJournalWriter OpenWriter(Scenario scenario, PersistenceSettings persistence, RunFolder folder, long maxPages = 0)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(persistence);
        ArgumentNullException.ThrowIfNull(folder);
        var options = new JournalWriterOptions(scenario.Outputs.FlushEvents, scenario.Outputs.FlushBytes) { MaxPageCount = maxPages };
        var p = persistence;
        return p.IsPostgres
            ? PostgresJournalWriter.Open(ConnectionString(p.PostgresConnectionString), SchemaOf(p, folder), options)
            : SqliteJournalWriter.Open(folder.JournalFile, options);
    }

    /// <summary>Opens the journal of a run for reading, on the backend <paramref name="persistence"/> names.</summary>
    public static IRunJournalReader OpenReader(PersistenceSettings persistence, RunFolder folder)
    {
        ArgumentNullException.ThrowIfNull(persistence);
        ArgumentNullException.ThrowIfNull(folder);
        var p = persistence;
        return p.IsPostgres
            ? PostgresRunJournal.Open(ConnectionString(p.PostgresConnectionString), SchemaOf(p, folder))
            : SqliteJournalReader.Open(folder.JournalFile);
    }

    /// <summary>
    /// Opens the journal of the run folder <paramref name="runDir"/> for reading: journal.db, or the PostgreSQL schema its
    /// scenario.conf names. Throws <see cref="FileNotFoundException"/> when the folder has neither.
    /// </summary>
    public static IRunJournalReader OpenReader(string runDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDir);
        var file = Path.Combine(runDir, RunFolder.JournalFileName);
        var scenarioFile = Path.Combine(runDir, RunFolder.ScenarioFileName);
        if (!File.Exists(file) && File.Exists(scenarioFile))
        {
            RunDeployment? deployment = null;
            try
            {
                deployment = ScenarioLoader.LoadRun(scenarioFile, null, null).Deployment;
            }
            catch (ScenarioException)
            {
                // not readable as a scenario: fall through to the journal.db message
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

        return SqliteJournalReader.Open(file);
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

    private static string SchemaOf(PersistenceSettings p, RunFolder folder) =>
        p.PostgresSchema.Length > 0 ? p.PostgresSchema : folder.DefaultPostgresSchema();
}
