using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;

namespace MarketSim.Persistence.PostgreSql;

/// <summary>PostgreSQL journal (postgresql layout: event_journal with created_at, metadata). Writers are serialised
/// (one in-process writer task that batches the writes of all callers, plus a transaction-scoped advisory lock) so that <c>ordering</c> is gap-free for readers.
/// Large batches use binary COPY, small ones a parameterised multi-row INSERT.</summary>
public sealed class PostgresJournal : IJournal
{
    /// <summary>Schema version (row in <c>schema_version</c>).</summary>
    public const int SchemaVersion = 1;

    /// <summary>Rows from which a batch is written with COPY.</summary>
    public const int CopyThreshold = 64;

    private const long AdvisoryKey = 0x4D61726B6574_01;
    private readonly NpgsqlDataSource _ds;
    private readonly string _schema;
    private readonly IEventSerializer _ser;
    private readonly Lazy<Task> _init;
    private readonly int _batchSize;
    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    /// <summary>Create over a connection string; tables live in <paramref name="schema"/> (public by default).</summary>
    public PostgresJournal(string connectionString, string schema = "public", IEventSerializer? serializer = null, int batchSize = 100)
    {
        _batchSize = Math.Max(1, batchSize);
        _ds = NpgsqlDataSource.Create(connectionString);
        _schema = schema;
        _ser = serializer ?? JsonEventSerializer.Instance;
        _init = new Lazy<Task>(() => EnsureSchemaAsync(_ds, _schema));
        _writer = Task.Run(WriteLoop);
    }

    private Task Init() => _init.Value;

    /// <summary>
    /// Creates (first use) or checks the journal tables in <paramref name="schema"/>: the Akka.Persistence.Sql postgresql
    /// layout (event_journal with created_at, metadata), versioned in <c>schema_version</c>. Run journals use the same tables.
    /// </summary>
    public static Task EnsureSchemaAsync(NpgsqlDataSource dataSource, string schema) =>
        PgSchema.EnsureAsync(dataSource, schema, "journal", JournalDdl(schema), SchemaVersion);

    /// <summary>The journal DDL for <paramref name="schema"/>.</summary>
    public static string JournalDdl(string schema) => $"""
            CREATE TABLE IF NOT EXISTS {schema}.event_journal (
              ordering BIGSERIAL NOT NULL PRIMARY KEY,
              persistence_id VARCHAR(255) NOT NULL,
              sequence_nr BIGINT NOT NULL,
              is_deleted BOOLEAN NOT NULL,
              created_at BIGINT NOT NULL,
              manifest VARCHAR(500) NOT NULL,
              payload BYTEA NOT NULL,
              tags VARCHAR(2000) NULL,
              serializer_id INTEGER NULL,
              CONSTRAINT event_journal_uq UNIQUE (persistence_id, sequence_nr));
            CREATE INDEX IF NOT EXISTS event_journal_tags_ix ON {schema}.event_journal (ordering) WHERE tags IS NOT NULL;
            CREATE TABLE IF NOT EXISTS {schema}.metadata (
              persistence_id VARCHAR(255) NOT NULL,
              sequence_nr BIGINT NOT NULL,
              CONSTRAINT metadata_pk PRIMARY KEY (persistence_id, sequence_nr));
            """;

    /// <inheritdoc />
    public async Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken ct = default)
    {
        await Init().ConfigureAwait(false);
        var tasks = new Task<Exception?>[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            var tcs = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_queue.Writer.TryWrite(new Request(writes[i].Payload.Select(TagCsv.Unwrap).ToList(), tcs)))
            {
                tcs.SetResult(new ObjectDisposedException(nameof(PostgresJournal)));
            }
            tasks[i] = tcs.Task;
        }
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private sealed record Request(List<Persistent> Rows, TaskCompletionSource<Exception?> Done);

    // The single writer: drains the pending atomic writes of all callers (up to batch-size rows) into one transaction;
    // if that fails, each atomic write is retried in its own transaction so that only the bad ones fail.
    private async Task WriteLoop()
    {
        var batch = new List<Request>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            var rows = 0;
            while (rows < _batchSize && _queue.Reader.TryRead(out var r))
            {
                batch.Add(r);
                rows += r.Rows.Count;
            }
            var results = new Exception?[batch.Count];
            try
            {
                await using var c = await _ds.OpenConnectionAsync().ConfigureAwait(false);
                try
                {
                    await WriteTx(c, batch.SelectMany(r => r.Rows).ToList(), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    if (batch.Count == 1)
                    {
                        results[0] = e;
                    }
                    else
                    {
                        for (var i = 0; i < batch.Count; i++)
                        {
                            try
                            {
                                await WriteTx(c, batch[i].Rows, CancellationToken.None).ConfigureAwait(false);
                            }
                            catch (Exception e2)
                            {
                                results[i] = e2;
                            }
                        }
                    }
                }
            }
            catch (Exception e)
            {
                for (var i = 0; i < results.Length; i++)
                {
                    results[i] ??= e;
                }
            }
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(results[i]);
            }
        }
    }

    private async Task WriteTx(NpgsqlConnection c, List<Persistent> rows, CancellationToken ct)
    {
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var lk = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({AdvisoryKey})", c, tx))
        {
            await lk.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        var now = DateTime.UtcNow.Ticks;
        if (rows.Count >= CopyThreshold)
        {
            await using var imp = await c.BeginBinaryImportAsync($"COPY {_schema}.event_journal (persistence_id, sequence_nr, is_deleted, created_at, manifest, payload, tags, serializer_id) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false);
            foreach (var p in rows)
            {
                await imp.StartRowAsync(ct).ConfigureAwait(false);
                await imp.WriteAsync(p.PersistenceId, NpgsqlDbType.Varchar, ct).ConfigureAwait(false);
                await imp.WriteAsync(p.SequenceNr, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                await imp.WriteAsync(false, NpgsqlDbType.Boolean, ct).ConfigureAwait(false);
                await imp.WriteAsync(p.Timestamp != 0 ? p.Timestamp : now, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                await imp.WriteAsync(_ser.Manifest(p.Payload), NpgsqlDbType.Varchar, ct).ConfigureAwait(false);
                await imp.WriteAsync(_ser.ToBinary(p.Payload), NpgsqlDbType.Bytea, ct).ConfigureAwait(false);
                if (TagCsv.Join(p.Tags) is { } tags)
                {
                    await imp.WriteAsync(tags, NpgsqlDbType.Varchar, ct).ConfigureAwait(false);
                }
                else
                {
                    await imp.WriteNullAsync(ct).ConfigureAwait(false);
                }
                await imp.WriteAsync(_ser.Identifier, NpgsqlDbType.Integer, ct).ConfigureAwait(false);
            }
            await imp.CompleteAsync(ct).ConfigureAwait(false);
        }
        else
        {
            await using var cmd = new NpgsqlCommand { Connection = c, Transaction = tx };
            var sb = new System.Text.StringBuilder($"INSERT INTO {_schema}.event_journal (persistence_id, sequence_nr, is_deleted, created_at, manifest, payload, tags, serializer_id) VALUES ");
            for (var i = 0; i < rows.Count; i++)
            {
                var p = rows[i];
                sb.Append(i == 0 ? "" : ",").Append($"(@p{i},@s{i},false,@t{i},@m{i},@b{i},@g{i},@i{i})");
                cmd.Parameters.Add(new NpgsqlParameter($"p{i}", NpgsqlDbType.Varchar) { Value = p.PersistenceId });
                cmd.Parameters.Add(new NpgsqlParameter($"s{i}", NpgsqlDbType.Bigint) { Value = p.SequenceNr });
                cmd.Parameters.Add(new NpgsqlParameter($"t{i}", NpgsqlDbType.Bigint) { Value = p.Timestamp != 0 ? p.Timestamp : now });
                cmd.Parameters.Add(new NpgsqlParameter($"m{i}", NpgsqlDbType.Varchar) { Value = _ser.Manifest(p.Payload) });
                cmd.Parameters.Add(new NpgsqlParameter($"b{i}", NpgsqlDbType.Bytea) { Value = _ser.ToBinary(p.Payload) });
                cmd.Parameters.Add(new NpgsqlParameter($"g{i}", NpgsqlDbType.Varchar) { Value = (object?)TagCsv.Join(p.Tags) ?? DBNull.Value });
                cmd.Parameters.Add(new NpgsqlParameter($"i{i}", NpgsqlDbType.Integer) { Value = _ser.Identifier });
            }
            cmd.CommandText = sb.ToString();
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Rows read per replay query (<c>replay-batch-size</c>).</summary>
    public int ReplayBatchSize { get; init; } = 1000;

    /// <inheritdoc />
    public async Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<Persistent> onReplayed, CancellationToken ct = default)
    {
        var from = fromSequenceNr;
        var left = max;
        while (left > 0 && from <= toSequenceNr)
        {
            var page = await EventsByPersistenceIdAsync(persistenceId, from, toSequenceNr, (int)Math.Min(left, Math.Max(1, ReplayBatchSize)), ct).ConfigureAwait(false);
            foreach (var e in page)
            {
                onReplayed(new Persistent(e.Event, e.PersistenceId, e.SequenceNr, e.Tags, e.Timestamp));
                from = e.SequenceNr + 1;
                left--;
            }
            if (page.Count < Math.Max(1, ReplayBatchSize))
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public async Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken ct = default)
    {
        await Init().ConfigureAwait(false);
        await using var cmd = _ds.CreateCommand($"SELECT GREATEST((SELECT max(sequence_nr) FROM {_schema}.event_journal WHERE persistence_id=@p), (SELECT max(sequence_nr) FROM {_schema}.metadata WHERE persistence_id=@p))");
        cmd.Parameters.AddWithValue("p", persistenceId);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is long l ? l : 0L;
    }

    /// <inheritdoc />
    public async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken ct = default)
    {
        var highest = await ReadHighestSequenceNrAsync(persistenceId, ct).ConfigureAwait(false);
        await using var c = await _ds.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand($"INSERT INTO {_schema}.metadata (persistence_id, sequence_nr) VALUES (@p, @h) ON CONFLICT DO NOTHING; DELETE FROM {_schema}.event_journal WHERE persistence_id=@p AND sequence_nr<=@t;", c, tx);
        cmd.Parameters.AddWithValue("p", persistenceId);
        cmd.Parameters.AddWithValue("h", highest);
        cmd.Parameters.AddWithValue("t", toSequenceNr);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<EventEnvelope>> EventsByTagAsync(string tag, long afterOrdering, int max, CancellationToken ct = default)
    {
        await Init().ConfigureAwait(false);
        await using var cmd = _ds.CreateCommand($"SELECT ordering, persistence_id, sequence_nr, manifest, created_at, payload, tags FROM {_schema}.event_journal WHERE tags IS NOT NULL AND ordering>@o AND ';' || tags || ';' LIKE @g AND NOT is_deleted ORDER BY ordering LIMIT @n");
        cmd.Parameters.AddWithValue("o", afterOrdering);
        cmd.Parameters.AddWithValue("g", "%;" + tag.Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + ";%");
        cmd.Parameters.AddWithValue("n", max);
        return await Read(cmd, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<EventEnvelope>> EventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, int max, CancellationToken ct = default)
    {
        await Init().ConfigureAwait(false);
        await using var cmd = _ds.CreateCommand($"SELECT ordering, persistence_id, sequence_nr, manifest, created_at, payload, tags FROM {_schema}.event_journal WHERE persistence_id=@p AND sequence_nr>=@f AND sequence_nr<=@t AND NOT is_deleted ORDER BY sequence_nr LIMIT @n");
        cmd.Parameters.AddWithValue("p", persistenceId);
        cmd.Parameters.AddWithValue("f", fromSequenceNr);
        cmd.Parameters.AddWithValue("t", toSequenceNr);
        cmd.Parameters.AddWithValue("n", max);
        return await Read(cmd, ct).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<EventEnvelope>> Read(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<EventEnvelope>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            var pid = r.GetString(1);
            var seq = r.GetInt64(2);
            var evt = TagCsv.Decode(_ser, pid, seq, (byte[])r[5], r.GetString(3));
            list.Add(new EventEnvelope(new Sequence(r.GetInt64(0)), pid, seq, evt, r.GetInt64(4), TagCsv.Split(r.IsDBNull(6) ? null : r.GetString(6))));
        }
        return list;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _ds.DisposeAsync().ConfigureAwait(false);
    }
}

internal static class PgSchema
{
    public static async Task EnsureAsync(NpgsqlDataSource ds, string schema, string component, string ddl, int version)
    {
        await using var c = await ds.OpenConnectionAsync().ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync().ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock(7311);
            CREATE SCHEMA IF NOT EXISTS {schema};
            CREATE TABLE IF NOT EXISTS {schema}.schema_version (component VARCHAR(64) PRIMARY KEY, version INTEGER NOT NULL);
            """, c, tx);
        await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
        cmd.CommandText = $"SELECT version FROM {schema}.schema_version WHERE component=@c";
        cmd.Parameters.AddWithValue("c", component);
        var current = await cmd.ExecuteScalarAsync().ConfigureAwait(false) is int v ? v : 0;
        if (current > version)
        {
            throw new InvalidOperationException($"{component} schema version {current} is newer than this build ({version}).");
        }
        if (current < version)
        {
            cmd.CommandText = ddl + $"\nINSERT INTO {schema}.schema_version (component, version) VALUES (@c, {version}) ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version;";
            await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        await tx.CommitAsync().ConfigureAwait(false);
    }
}

/// <summary>PostgreSQL snapshot store (<c>snapshot_store</c>).</summary>
public sealed class PostgresSnapshotStore : ISnapshotStore
{
    private readonly NpgsqlDataSource _ds;
    private readonly string _schema;
    private readonly IEventSerializer _ser;
    private readonly Lazy<Task> _init;

    /// <summary>Create over a connection string.</summary>
    public PostgresSnapshotStore(string connectionString, string schema = "public", IEventSerializer? serializer = null)
    {
        _ds = NpgsqlDataSource.Create(connectionString);
        _schema = schema;
        _ser = serializer ?? JsonEventSerializer.Instance;
        _init = new Lazy<Task>(() => PgSchema.EnsureAsync(_ds, _schema, "snapshot", $"""
            CREATE TABLE IF NOT EXISTS {_schema}.snapshot_store (
              persistence_id VARCHAR(255) NOT NULL,
              sequence_nr BIGINT NOT NULL,
              created_at BIGINT NOT NULL,
              manifest VARCHAR(500) NOT NULL,
              payload BYTEA NOT NULL,
              serializer_id INTEGER NULL,
              CONSTRAINT snapshot_store_pk PRIMARY KEY (persistence_id, sequence_nr));
            """, 1));
    }

    /// <inheritdoc />
    public async Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken ct = default)
    {
        await _init.Value.ConfigureAwait(false);
        await using var cmd = _ds.CreateCommand($"INSERT INTO {_schema}.snapshot_store (persistence_id, sequence_nr, created_at, manifest, payload, serializer_id) VALUES (@p,@s,@t,@m,@b,@i) ON CONFLICT (persistence_id, sequence_nr) DO UPDATE SET created_at=EXCLUDED.created_at, manifest=EXCLUDED.manifest, payload=EXCLUDED.payload, serializer_id=EXCLUDED.serializer_id");
        cmd.Parameters.AddWithValue("p", metadata.PersistenceId);
        cmd.Parameters.AddWithValue("s", metadata.SequenceNr);
        cmd.Parameters.AddWithValue("t", metadata.Timestamp != 0 ? metadata.Timestamp : DateTime.UtcNow.Ticks);
        cmd.Parameters.AddWithValue("m", _ser.Manifest(snapshot));
        cmd.Parameters.AddWithValue("b", _ser.ToBinary(snapshot));
        cmd.Parameters.AddWithValue("i", _ser.Identifier);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static void Bind(NpgsqlCommand cmd, string pid, SnapshotSelectionCriteria c)
    {
        cmd.Parameters.AddWithValue("p", pid);
        cmd.Parameters.AddWithValue("s", c.MaxSequenceNr);
        cmd.Parameters.AddWithValue("t", c.MaxTimestamp);
        cmd.Parameters.AddWithValue("s0", c.MinSequenceNr);
        cmd.Parameters.AddWithValue("t0", c.MinTimestamp);
    }

    /// <inheritdoc />
    public async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken ct = default)
    {
        await _init.Value.ConfigureAwait(false);
        await using var cmd = _ds.CreateCommand($"SELECT sequence_nr, created_at, manifest, payload FROM {_schema}.snapshot_store WHERE persistence_id=@p AND sequence_nr<=@s AND created_at<=@t AND sequence_nr>=@s0 AND created_at>=@t0 ORDER BY sequence_nr DESC LIMIT 1");
        Bind(cmd, persistenceId, criteria);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await r.ReadAsync(ct).ConfigureAwait(false))
        {
            return null;
        }
        var seq = r.GetInt64(0);
        var snap = TagCsv.Decode(_ser, persistenceId, seq, (byte[])r[3], r.GetString(2));
        return new SelectedSnapshot(new SnapshotMetadata(persistenceId, seq, r.GetInt64(1)), snap);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(SnapshotMetadata metadata, CancellationToken ct = default)
    {
        await _init.Value.ConfigureAwait(false);
        await using var cmd = _ds.CreateCommand($"DELETE FROM {_schema}.snapshot_store WHERE persistence_id=@p AND sequence_nr=@s");
        cmd.Parameters.AddWithValue("p", metadata.PersistenceId);
        cmd.Parameters.AddWithValue("s", metadata.SequenceNr);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken ct = default)
    {
        await _init.Value.ConfigureAwait(false);
        await using var cmd = _ds.CreateCommand($"DELETE FROM {_schema}.snapshot_store WHERE persistence_id=@p AND sequence_nr<=@s AND created_at<=@t AND sequence_nr>=@s0 AND created_at>=@t0");
        Bind(cmd, persistenceId, criteria);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _ds.DisposeAsync();
}
