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
