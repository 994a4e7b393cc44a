using System.Globalization;
using System.Text;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using MarketSim.Scenarios;

namespace MarketSim.Journal.Akka;

/// <summary>
/// The Akka configuration of one run's journal (docs/journal.md): Akka.Persistence.Sql on journal.db in the run folder
/// (Microsoft.Data.Sqlite, WAL) or on the run's PostgreSQL schema, with <see cref="VirtualTimeJournal"/> as the write
/// plugin <see cref="PluginId"/>, the plugin's SQL snapshot store and read journal on the same tables, and every
/// <see cref="Simulation.Journal.ScoreEvent"/> bound to <see cref="ScoreEventAkkaSerializer"/>.
/// </summary>
public static class JournalConfig
{
    /// <summary>The write plugin's id (= its configuration path).</summary>
    public const string PluginId = "akka.persistence.journal.marketsim";

    /// <summary>The snapshot plugin's id.</summary>
    public const string SnapshotPluginId = "akka.persistence.snapshot-store.marketsim";

    /// <summary>The read journal's id (Akka.Persistence.Sql's built-in query plugin).</summary>
    public const string QueryPluginId = "akka.persistence.query.journal.sql";

    /// <summary>The benchmark baseline's plugin id: <see cref="DiscardingJournal"/>.</summary>
    public const string DiscardingPluginId = "akka.persistence.journal.marketsim-discard";

    /// <summary>SQLite provider of linq2db (Microsoft.Data.Sqlite).</summary>
    public const string SqliteProvider = "SQLite.MS";

    /// <summary>PostgreSQL provider of linq2db.</summary>
    public const string PostgresProvider = "PostgreSQL.15";

    /// <summary>Where a run's journal lives: the provider, the connection string and the schema (PostgreSQL).</summary>
    /// <param name="Provider"><see cref="SqliteProvider"/> or <see cref="PostgresProvider"/>.</param>
    /// <param name="ConnectionString">The connection string (a PostgreSQL password included when there is one).</param>
    /// <param name="Schema">PostgreSQL schema holding the run's tables; empty for SQLite.</param>
    /// <param name="Location">For messages: journal.db's path, or <c>postgres:schema</c> (never a password).</param>
    public sealed record Target(string Provider, string ConnectionString, string Schema, string Location)
    {
        /// <summary>True on PostgreSQL.</summary>
        public bool IsPostgres => Provider == PostgresProvider;
    }

    /// <summary>The journal of a run folder on the backend <paramref name="persistence"/> names.</summary>
    public static Target For(PersistenceSettings persistence, RunFolder folder)
    {
        ArgumentNullException.ThrowIfNull(persistence);
        ArgumentNullException.ThrowIfNull(folder);
        if (!persistence.IsPostgres)
        {
            return Sqlite(folder.JournalFile);
        }

        var schema = persistence.PostgresSchema.Length > 0 ? persistence.PostgresSchema : folder.DefaultPostgresSchema();
        return new Target(PostgresProvider, RunJournals.ConnectionString(persistence.PostgresConnectionString), schema, "postgres:" + schema);
    }

    /// <summary>A SQLite journal file.</summary>
    public static Target Sqlite(string file)
    {
        var b = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(file), Pooling = true, DefaultTimeout = 60 };
        return new Target(SqliteProvider, b.ToString(), string.Empty, file);
    }

    /// <summary>
    /// The Akka configuration for <paramref name="target"/>: the persistence section and the serializer binding, over
    /// Akka.Persistence.Sql's defaults. <paramref name="discard"/> makes the default journal <see cref="DiscardingJournal"/>.
    /// </summary>
    /// <param name="target">The run's journal.</param>
    /// <param name="discard">Make <see cref="DiscardingJournal"/> the default journal (the benchmark baseline).</param>
    /// <param name="autoInitialize">Let the plugin create its tables when they are missing (off for readers, which must not change what they read).</param>
    public static Config Akka(Target target, bool discard = false, bool autoInitialize = true)
    {
        ArgumentNullException.ThrowIfNull(target);
        var conn = Quote(target.ConnectionString);
        var provider = Quote(target.Provider);
        var schema = target.Schema.Length > 0 ? "default.schema-name = " + Quote(target.Schema) : string.Empty;
        // SQLite allows one writer at a time: several write connections only wait on each other's locks.
        var parallelism = target.IsPostgres ? 3 : 1;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $$"""
            akka.actor {
              serializers.marketsim-score = "MarketSim.Journal.Akka.ScoreEventAkkaSerializer, MarketSim.Journal"
              serialization-bindings { "MarketSim.Simulation.Journal.ScoreEvent, MarketSim.Simulation" = marketsim-score }
            }
            akka.persistence {
              journal {
                plugin = "{{(discard ? DiscardingPluginId : PluginId)}}"
                marketsim {
                  class = "MarketSim.Journal.Akka.VirtualTimeJournal, MarketSim.Journal"
                  plugin-id = "{{PluginId}}"
                  plugin-dispatcher = "akka.persistence.dispatchers.default-plugin-dispatcher"
                  connection-string = {{conn}}
                  provider-name = {{provider}}
                  table-mapping = default
                  # Tags in the journal's own tags column (";tag;"): in tag-table mode, Akka.Persistence.Sql 1.5.73 reads
                  # each event's tags with a subquery that scans the whole tags table, so reading a stream back costs
                  # O(rows x tags) (0.5 ms per event on a 11,000-event journal).
                  tag-write-mode = Csv
                  auto-initialize = {{(autoInitialize ? "on" : "off")}}
                  parallelism = {{parallelism}}
                  {{schema}}
                }
                marketsim-discard {
                  class = "MarketSim.Journal.Akka.DiscardingJournal, MarketSim.Journal"
                  plugin-dispatcher = "akka.persistence.dispatchers.default-plugin-dispatcher"
                }
              }
              snapshot-store {
                plugin = "{{SnapshotPluginId}}"
                marketsim {
                  class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
                  plugin-id = "{{SnapshotPluginId}}"
                  plugin-dispatcher = "akka.persistence.dispatchers.default-plugin-dispatcher"
                  connection-string = {{conn}}
                  provider-name = {{provider}}
                  table-mapping = default
                  auto-initialize = {{(autoInitialize ? "on" : "off")}}
                  {{schema}}
                }
              }
              query.journal.sql {
                write-plugin = "{{PluginId}}"
                tag-read-mode = Csv
                connection-string = {{conn}}
                provider-name = {{provider}}
                table-mapping = default
                {{schema}}
              }
            }
            """);
        return ConfigurationFactory.ParseString(text.ToString()).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>
    /// The database connection options of <paramref name="target"/>, for every plugin of the system (Akka.Persistence.Sql's
    /// <see cref="DataOptionsSetup"/>): on SQLite each connection is put in <c>synchronous = NORMAL</c> after it opens — in WAL
    /// mode a commit then needs no fsync (the default, FULL, syncs every commit: one per stream write), and a killed process
    /// still loses nothing that was committed (only an operating-system crash can lose the last commits, never corrupt the
    /// file). PostgreSQL keeps its server's settings.
    /// </summary>
    public static DataOptionsSetup Setup(Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var options = new LinqToDB.DataOptions().UseConnectionString(target.Provider, target.ConnectionString);
        if (!target.IsPostgres)
        {
            options = options.UseAfterConnectionOpened(
                connection => SqlitePragmas(connection),
                (connection, _) =>
                {
                    SqlitePragmas(connection);
                    return Task.CompletedTask;
                });
        }

        return new DataOptionsSetup(options);
    }

    private static void SqlitePragmas(System.Data.Common.DbConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA synchronous = NORMAL";
        cmd.ExecuteNonQuery();
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
