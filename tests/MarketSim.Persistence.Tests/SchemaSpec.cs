using MarketSim.Persistence.PostgreSql;
using MarketSim.Persistence.Sqlite;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MarketSim.Persistence.Tests;

public sealed class SqliteSchemaSpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("marketsim-schema-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static object? Scalar(string file, string sql)
    {
        using var c = new SqliteConnection($"Data Source={file}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    [Fact]
    public async Task Sqlite_journal_should_create_the_sqlite_layout_in_wal_mode_with_a_schema_version()
    {
        var file = Path.Combine(_dir, "j.db");
        await using (new SqliteJournal(file))
        {
        }
        Assert.Equal(1L, Scalar(file, "PRAGMA user_version"));
        Assert.Equal("wal", Scalar(file, "PRAGMA journal_mode"));
        foreach (var table in new[] { "event_journal", "journal_metadata", "tags" })
        {
            Assert.Equal(1L, Scalar(file, $"SELECT count(*) FROM sqlite_master WHERE type='table' AND name='{table}'"));
        }
        Assert.Equal(1L, Scalar(file, "SELECT count(*) FROM pragma_table_info('event_journal') WHERE name='timestamp'"));
    }

    [Fact]
    public void Sqlite_journal_should_refuse_a_file_with_a_newer_schema_version()
    {
        var file = Path.Combine(_dir, "new.db");
        Scalar(file, "PRAGMA user_version = 99");
        var ex = Assert.Throws<InvalidOperationException>(() => new SqliteJournal(file));
        Assert.Contains("99", ex.Message);
    }

    [Fact]
    public void Sqlite_snapshot_store_should_create_the_snapshot_table_in_its_own_file()
    {
        var file = Path.Combine(_dir, "s.db");
        _ = new SqliteSnapshotStore(file);
        Assert.Equal(1L, Scalar(file, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='snapshot'"));
        Assert.Equal(0L, Scalar(file, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='event_journal'"));
    }
}

[Trait("Category", "Postgres")]
public sealed class PostgresSchemaSpec : IAsyncLifetime
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable("MARKETSIM_TEST_POSTGRES") is { Length: > 0 } cs)
        {
            await using var ds = NpgsqlDataSource.Create(cs);
            await using var cmd = ds.CreateCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
            await cmd.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Postgres_providers_should_create_the_postgresql_layout_with_schema_versions()
    {
        var cs = PostgresStoreFactory.ConnectionString;
        await using (var j = new PostgresJournal(cs, _schema))
        {
            Assert.Equal(0, await j.ReadHighestSequenceNrAsync("x"));
        }
        await using (var s = new PostgresSnapshotStore(cs, _schema))
        {
            Assert.Null(await s.LoadAsync("x", SnapshotSelectionCriteria.Latest));
        }
        await using var ds = NpgsqlDataSource.Create(cs);
        await using var cmd = ds.CreateCommand($"SELECT string_agg(component || '=' || version, ',' ORDER BY component) FROM {_schema}.schema_version");
        Assert.Equal("journal=1,snapshot=1", await cmd.ExecuteScalarAsync());
        cmd.CommandText = $"SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema='{_schema}'";
        Assert.Equal("event_journal,metadata,schema_version,snapshot_store", await cmd.ExecuteScalarAsync());
        cmd.CommandText = $"SELECT count(*) FROM information_schema.columns WHERE table_schema='{_schema}' AND table_name='event_journal' AND column_name='created_at'";
        Assert.Equal(1L, await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Postgres_journal_should_replay_in_pages_of_replay_batch_size()
    {
        await using var j = new PostgresJournal(PostgresStoreFactory.ConnectionString, _schema) { ReplayBatchSize = 7 };
        var r = await j.WriteMessagesAsync([new AtomicWrite([.. Enumerable.Range(1, 20).Select(i => new Persistent(new Evt($"e{i}"), "paged", i, []))])]);
        Assert.Null(r[0]);
        var all = new List<long>();
        await j.ReplayMessagesAsync("paged", 1, long.MaxValue, long.MaxValue, p => all.Add(p.SequenceNr));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), all);
        var some = new List<long>();
        await j.ReplayMessagesAsync("paged", 3, 18, 15, p => some.Add(p.SequenceNr));
        Assert.Equal(Enumerable.Range(3, 15).Select(i => (long)i), some);
    }
}
