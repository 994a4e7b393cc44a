using System.Runtime.CompilerServices;
using MarketSim.Actors;
using MarketSim.Hocon;
using MarketSim.Persistence.PostgreSql;
using MarketSim.Persistence.Sqlite;

namespace MarketSim.Persistence;

/// <summary>Settings read from <c>akka.persistence</c>.</summary>
public sealed record PersistenceSettings(string JournalPluginId, string SnapshotPluginId, Config Config, int SnapshotEvery, TimeSpan RefreshInterval, int MaxBufferSize, int ReplayBatchSize)
{
    /// <summary>Read from a config (falls back to this module's reference.conf).</summary>
    public static PersistenceSettings FromConfig(Config? config)
    {
        var reference = ConfigFactory.FromResource(typeof(PersistenceSettings).Assembly, "MarketSim.Persistence.reference.conf");
        var c = (config ?? Config.Empty).WithFallback(reference);
        var journal = c.GetString("akka.persistence.journal.plugin") ?? "akka.persistence.journal.sqlite";
        return new PersistenceSettings(
            journal,
            c.GetString("akka.persistence.snapshot-store.plugin") ?? "akka.persistence.snapshot-store.sqlite",
            c,
            c.GetInt("akka.persistence.snapshot-every"),
            c.GetTimeSpan("akka.persistence.query.journal.sql.refresh-interval", TimeSpan.FromSeconds(1)),
            c.GetInt("akka.persistence.query.journal.sql.max-buffer-size", 500),
            c.GetInt(journal + ".replay-batch-size", 1000));
    }
}

/// <summary>The per-system persistence extension: the journal and snapshot store actors use.</summary>
public sealed class Persistence
{
    private static readonly ConditionalWeakTable<ActorSystem, Persistence> Instances = new();

    /// <summary>The journal.</summary>
    public IJournal Journal { get; }

    /// <summary>The snapshot store.</summary>
    public ISnapshotStore SnapshotStore { get; }

    /// <summary>The settings.</summary>
    public PersistenceSettings Settings { get; }

    private Persistence(IJournal journal, ISnapshotStore store, PersistenceSettings settings)
    {
        Journal = journal;
        SnapshotStore = store;
        Settings = settings;
    }

    /// <summary>The extension of <paramref name="system"/>, created from its config on first use.</summary>
    public static Persistence Get(ActorSystem system) => Instances.GetValue(system, s =>
    {
        var settings = PersistenceSettings.FromConfig(s.Settings.Config);
        return new Persistence(CreateJournal(settings), CreateSnapshotStore(settings), settings);
    });

    /// <summary>Use the given providers for <paramref name="system"/> (before any persistent actor starts).</summary>
    public static Persistence Register(ActorSystem system, IJournal journal, ISnapshotStore store, PersistenceSettings? settings = null)
    {
        var p = new Persistence(journal, store, settings ?? PersistenceSettings.FromConfig(system.Settings.Config));
        Instances.AddOrUpdate(system, p);
        return p;
    }

    /// <summary>A read journal over this journal.</summary>
    public ReadJournal ReadJournal() => new(Journal, Settings.RefreshInterval, Settings.MaxBufferSize);

    private static IJournal CreateJournal(PersistenceSettings s)
    {
        var id = s.JournalPluginId;
        var c = s.Config;
        return id switch
        {
            "akka.persistence.journal.sqlite" => new SqliteJournal(SqliteSource(c, id), batchSize: c.GetInt(id + ".batch-size", 100)),
            "akka.persistence.journal.postgresql" => new PostgresJournal(Required(c, id + ".connection-string"), c.GetString(id + ".schema-name") ?? "public", batchSize: c.GetInt(id + ".batch-size", 100)) { ReplayBatchSize = c.GetInt(id + ".replay-batch-size", 1000) },
            _ => throw new InvalidOperationException($"Unknown journal plugin [{id}] (akka.persistence.journal.plugin)"),
        };
    }

    private static ISnapshotStore CreateSnapshotStore(PersistenceSettings s)
    {
        var id = s.SnapshotPluginId;
        var c = s.Config;
        return id switch
        {
            "akka.persistence.snapshot-store.sqlite" => new SqliteSnapshotStore(SqliteSource(c, id)),
            "akka.persistence.snapshot-store.postgresql" => new PostgresSnapshotStore(Required(c, id + ".connection-string"), c.GetString(id + ".schema-name") ?? "public"),
            _ => throw new InvalidOperationException($"Unknown snapshot-store plugin [{id}] (akka.persistence.snapshot-store.plugin)"),
        };
    }

    private static string SqliteSource(Config c, string id)
    {
        var cs = c.GetString(id + ".connection-string");
        if (!string.IsNullOrEmpty(cs))
        {
            return new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(cs).DataSource;
        }
        return c.GetString(id + ".file") ?? throw new InvalidOperationException($"{id}.file is not set");
    }

    private static string Required(Config c, string path) =>
        c.GetString(path) is { Length: > 0 } v ? v : throw new InvalidOperationException($"{path} is not set");
}
