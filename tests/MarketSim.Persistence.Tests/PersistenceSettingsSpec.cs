using MarketSim.Hocon;

namespace MarketSim.Persistence.Tests;

public sealed class PersistenceSettingsSpec
{
    [Fact]
    public void Reference_config_should_provide_the_akka_defaults()
    {
        var s = PersistenceSettings.FromConfig(null);
        Assert.Equal("akka.persistence.journal.sqlite", s.JournalPluginId);
        Assert.Equal("akka.persistence.snapshot-store.sqlite", s.SnapshotPluginId);
        Assert.Equal(TimeSpan.FromSeconds(1), s.RefreshInterval);
        Assert.Equal(500, s.MaxBufferSize);
        Assert.Equal(1000, s.ReplayBatchSize);
        Assert.Equal(0, s.SnapshotEvery);
        Assert.Equal(100, s.Config.GetInt("akka.persistence.journal.sqlite.batch-size"));
        Assert.Equal(100, s.Config.GetInt("akka.persistence.journal.postgresql.batch-size"));
        Assert.NotEqual(s.Config.GetString("akka.persistence.journal.sqlite.file"), s.Config.GetString("akka.persistence.snapshot-store.sqlite.file"));
    }

    [Fact]
    public void Settings_should_take_user_overrides()
    {
        var s = PersistenceSettings.FromConfig(ConfigFactory.ParseString("""
            akka.persistence.journal.plugin = "akka.persistence.journal.postgresql"
            akka.persistence.snapshot-every = 50
            akka.persistence.query.journal.sql.refresh-interval = 250ms
            """));
        Assert.Equal("akka.persistence.journal.postgresql", s.JournalPluginId);
        Assert.Equal(50, s.SnapshotEvery);
        Assert.Equal(TimeSpan.FromMilliseconds(250), s.RefreshInterval);
    }
}
