using MarketSim.Persistence.PostgreSql;
using MarketSim.Persistence.Sqlite;
using Npgsql;

namespace MarketSim.Persistence.Tests;

public sealed record Evt(string Value);

public sealed record Poison(string Value);

public sealed record BigState(string Text);

/// <summary>Delegates to JSON but refuses to deserialize <see cref="Poison"/> (an undeserializable row).</summary>
public sealed class PoisonSerializer : IEventSerializer
{
    public int Identifier => 1;

    public string Manifest(object value) => JsonEventSerializer.Instance.Manifest(value);

    public byte[] ToBinary(object value) => JsonEventSerializer.Instance.ToBinary(value);

    public object FromBinary(byte[] bytes, string manifest) =>
        manifest.Contains(nameof(Poison), StringComparison.Ordinal)
            ? throw new FormatException("poisoned row")
            : JsonEventSerializer.Instance.FromBinary(bytes, manifest);
}

/// <summary>Creates fresh, independent providers for one test.</summary>
public interface IStoreFactory : IAsyncDisposable
{
    Task<IJournal> CreateJournalAsync(IEventSerializer? serializer = null);

    Task<ISnapshotStore> CreateSnapshotStoreAsync();
}

public sealed class SqliteStoreFactory : IStoreFactory
{
    private readonly string _dir = Directory.CreateTempSubdirectory("marketsim-persistence-").FullName;
    private readonly List<IAsyncDisposable> _owned = [];

    public Task<IJournal> CreateJournalAsync(IEventSerializer? serializer = null)
    {
        var j = new SqliteJournal(Path.Combine(_dir, "journal.db"), serializer);
        _owned.Add(j);
        return Task.FromResult<IJournal>(j);
    }

    public Task<ISnapshotStore> CreateSnapshotStoreAsync()
    {
        var s = new SqliteSnapshotStore(Path.Combine(_dir, "snapshots.db"));
        _owned.Add(s);
        return Task.FromResult<ISnapshotStore>(s);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var o in _owned)
        {
            await o.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class PostgresStoreFactory : IStoreFactory
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private readonly List<IAsyncDisposable> _owned = [];

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("MARKETSIM_TEST_POSTGRES") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("MARKETSIM_TEST_POSTGRES is not set: run ./test.sh, which starts PostgreSQL (or scripts/services.sh start DIR && source DIR/env).");

    public Task<IJournal> CreateJournalAsync(IEventSerializer? serializer = null)
    {
        var j = new PostgresJournal(ConnectionString, _schema, serializer);
        _owned.Add(j);
        return Task.FromResult<IJournal>(j);
    }

    public Task<ISnapshotStore> CreateSnapshotStoreAsync()
    {
        var s = new PostgresSnapshotStore(ConnectionString, _schema);
        _owned.Add(s);
        return Task.FromResult<ISnapshotStore>(s);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var o in _owned)
        {
            await o.DisposeAsync();
        }
        if (Environment.GetEnvironmentVariable("MARKETSIM_TEST_POSTGRES") is { Length: > 0 } cs)
        {
            await using var ds = NpgsqlDataSource.Create(cs);
            await using var cmd = ds.CreateCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
            await cmd.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>Fails every write whose events include <c>Evt("fail")</c>.</summary>
public sealed class FailingJournal(IJournal inner) : IJournal
{
    public async Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken ct = default)
    {
        if (writes.Any(w => w.Payload.Any(p => p.Payload is Evt { Value: "fail" })))
        {
            return writes.Select(_ => (Exception?)new IOException("simulated write failure")).ToList();
        }
        return await inner.WriteMessagesAsync(writes, ct);
    }

    public Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<Persistent> onReplayed, CancellationToken ct = default) =>
        inner.ReplayMessagesAsync(persistenceId, fromSequenceNr, toSequenceNr, max, onReplayed, ct);

    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken ct = default) => inner.ReadHighestSequenceNrAsync(persistenceId, ct);

    public Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken ct = default) => inner.DeleteMessagesToAsync(persistenceId, toSequenceNr, ct);

    public Task<IReadOnlyList<EventEnvelope>> EventsByTagAsync(string tag, long afterOrdering, int max, CancellationToken ct = default) => inner.EventsByTagAsync(tag, afterOrdering, max, ct);

    public Task<IReadOnlyList<EventEnvelope>> EventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, int max, CancellationToken ct = default) =>
        inner.EventsByPersistenceIdAsync(persistenceId, fromSequenceNr, toSequenceNr, max, ct);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
