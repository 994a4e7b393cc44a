using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace MarketSim.Persistence.Sqlite;

/// <summary>SQLite journal (sqlite layout: event_journal, journal_metadata, tags); WAL; one writer task that
/// flushes the pending writes of all actors in one transaction (a savepoint per atomic write).</summary>
public sealed class SqliteJournal : IJournal
{
    /// <summary>Schema version stored in PRAGMA user_version.</summary>
    public const int SchemaVersion = 1;

    private readonly string _cs;
    private readonly IEventSerializer _ser;
    private readonly int _batchSize;
    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly SqliteConnection _writeConn;

    private sealed record Request(AtomicWrite Write, TaskCompletionSource<Exception?> Done);

    /// <summary>Open (and create on first use) the journal file.</summary>
    public SqliteJournal(string file, IEventSerializer? serializer = null, int batchSize = 100)
    {
        _cs = new SqliteConnectionStringBuilder { DataSource = file, Pooling = true, DefaultTimeout = 30 }.ToString();
        _ser = serializer ?? JsonEventSerializer.Instance;
        _batchSize = Math.Max(1, batchSize);
        _writeConn = new SqliteConnection(_cs);
        _writeConn.Open();
        try
        {
            EnsureSchema();
        }
        catch
        {
            _writeConn.Dispose();
            throw;
        }
        _writer = Task.Run(WriteLoop);
    }

    /// <summary>The journal DDL (Akka.Persistence.Sql sqlite layout: event_journal, journal_metadata, tags). Run journals use the same tables.</summary>
    public const string JournalDdl = """
            CREATE TABLE IF NOT EXISTS event_journal (
              ordering INTEGER PRIMARY KEY AUTOINCREMENT,
              persistence_id VARCHAR(255) NOT NULL,
              sequence_nr INTEGER(8) NOT NULL,
              is_deleted INTEGER(1) NOT NULL,
              manifest VARCHAR(255) NULL,
              timestamp INTEGER NOT NULL,
              payload BLOB NOT NULL,
              tags VARCHAR(2000) NULL,
              serializer_id INTEGER(4),
              UNIQUE (persistence_id, sequence_nr));
            CREATE TABLE IF NOT EXISTS journal_metadata (
              persistence_id VARCHAR(255) NOT NULL,
              sequence_nr INTEGER(8) NOT NULL,
              PRIMARY KEY (persistence_id, sequence_nr));
            CREATE TABLE IF NOT EXISTS tags (
              ordering_id INTEGER NOT NULL,
              tag VARCHAR(64) NOT NULL,
              persistence_id VARCHAR(255) NOT NULL,
              sequence_nr INTEGER(8) NOT NULL,
              PRIMARY KEY (ordering_id, tag));
            CREATE INDEX IF NOT EXISTS ix_tags_tag ON tags (tag, ordering_id);
            """;

    private void EnsureSchema() =>
        SqliteSchema.Ensure(_writeConn, JournalDdl, SchemaVersion);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken ct = default)
    {
        var tasks = new Task<Exception?>[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            var tcs = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_queue.Writer.TryWrite(new Request(writes[i], tcs)))
            {
                tcs.SetResult(new ObjectDisposedException(nameof(SqliteJournal)));
            }
            tasks[i] = tcs.Task;
        }
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

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
                rows += r.Write.Payload.Count;
            }
            Flush(batch);
        }
    }

    private void Flush(List<Request> batch)
    {
        var results = new Exception?[batch.Count];
        try
        {
            using var tx = _writeConn.BeginTransaction();
            var (ins, pP, pS, pM, pT, pB, pG, pI) = _insert ??= PrepareInsert();
            var (tagCmd, tO, tG, tP, tS) = _insertTag ??= PrepareTag();
            var sp = _savepoint ??= _writeConn.CreateCommand();
            ins.Transaction = tx;
            tagCmd.Transaction = tx;
            sp.Transaction = tx;
            for (var i = 0; i < batch.Count; i++)
            {
                Exec(sp, "SAVEPOINT w");
                try
                {
                    foreach (var raw in batch[i].Write.Payload)
                    {
                        var p = TagCsv.Unwrap(raw);
                        pP.Value = p.PersistenceId;
                        pS.Value = p.SequenceNr;
                        pM.Value = _ser.Manifest(p.Payload);
                        pT.Value = p.Timestamp != 0 ? p.Timestamp : DateTime.UtcNow.Ticks;
                        pB.Value = _ser.ToBinary(p.Payload);
                        pG.Value = (object?)TagCsv.Join(p.Tags) ?? DBNull.Value;
                        pI.Value = _ser.Identifier;
                        var ordering = (long)ins.ExecuteScalar()!;
                        foreach (var tag in p.Tags.Distinct())
                        {
                            tO.Value = ordering;
                            tG.Value = tag;
                            tP.Value = p.PersistenceId;
                            tS.Value = p.SequenceNr;
                            tagCmd.ExecuteNonQuery();
                        }
                    }
                    Exec(sp, "RELEASE w");
                }
                catch (Exception e)
                {
                    Exec(sp, "ROLLBACK TO w");
                    Exec(sp, "RELEASE w");
                    results[i] = e;
                }
            }
            tx.Commit();
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

    private (SqliteCommand, SqliteParameter, SqliteParameter, SqliteParameter, SqliteParameter, SqliteParameter, SqliteParameter, SqliteParameter)? _insert;
    private (SqliteCommand, SqliteParameter, SqliteParameter, SqliteParameter, SqliteParameter)? _insertTag;
    private SqliteCommand? _savepoint;

    // Commands are prepared once on the writer connection and reused by every flush.
    private (SqliteCommand, SqliteParameter, SqliteParameter, SqliteParameter, SqliteParameter, SqliteParameter, SqliteParameter, SqliteParameter) PrepareInsert()
    {
        var ins = _writeConn.CreateCommand();
        ins.CommandText = "INSERT INTO event_journal (persistence_id, sequence_nr, is_deleted, manifest, timestamp, payload, tags, serializer_id) VALUES ($p,$s,0,$m,$t,$b,$g,$i) RETURNING ordering";
        return (ins, ins.Parameters.Add("$p", SqliteType.Text), ins.Parameters.Add("$s", SqliteType.Integer), ins.Parameters.Add("$m", SqliteType.Text),
            ins.Parameters.Add("$t", SqliteType.Integer), ins.Parameters.Add("$b", SqliteType.Blob), ins.Parameters.Add("$g", SqliteType.Text), ins.Parameters.Add("$i", SqliteType.Integer));
    }

    private (SqliteCommand, SqliteParameter, SqliteParameter, SqliteParameter, SqliteParameter) PrepareTag()
    {
        var cmd = _writeConn.CreateCommand();
        cmd.CommandText = "INSERT INTO tags (ordering_id, tag, persistence_id, sequence_nr) VALUES ($o,$g,$p,$s)";
        return (cmd, cmd.Parameters.Add("$o", SqliteType.Integer), cmd.Parameters.Add("$g", SqliteType.Text), cmd.Parameters.Add("$p", SqliteType.Text), cmd.Parameters.Add("$s", SqliteType.Integer));
    }

    private static void Exec(SqliteCommand cmd, string sql)
    {
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private SqliteConnection OpenRead()
    {
        var c = new SqliteConnection(_cs);
        c.Open();
        return c;
    }

    /// <inheritdoc />
    public Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<Persistent> onReplayed, CancellationToken ct = default)
    {
        if (max <= 0 || fromSequenceNr > toSequenceNr)
        {
            return Task.CompletedTask;
        }
        return Task.Run(() =>
        {
            using var c = OpenRead();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT sequence_nr, manifest, timestamp, payload, tags FROM event_journal WHERE persistence_id=$p AND sequence_nr>=$f AND sequence_nr<=$t AND is_deleted=0 ORDER BY sequence_nr LIMIT $n";
            cmd.Parameters.AddWithValue("$p", persistenceId);
            cmd.Parameters.AddWithValue("$f", fromSequenceNr);
            cmd.Parameters.AddWithValue("$t", toSequenceNr);
            cmd.Parameters.AddWithValue("$n", max);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                ct.ThrowIfCancellationRequested();
                var seq = r.GetInt64(0);
                var evt = TagCsv.Decode(_ser, persistenceId, seq, (byte[])r[3], r.IsDBNull(1) ? null : r.GetString(1));
                onReplayed(new Persistent(evt, persistenceId, seq, TagCsv.Split(r.IsDBNull(4) ? null : r.GetString(4)), r.GetInt64(2)));
            }
        }, ct);
    }

    /// <inheritdoc />
    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken ct = default) => Task.Run(() =>
    {
        using var c = OpenRead();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT max(m) FROM (SELECT max(sequence_nr) AS m FROM event_journal WHERE persistence_id=$p UNION ALL SELECT max(sequence_nr) FROM journal_metadata WHERE persistence_id=$p)";
        cmd.Parameters.AddWithValue("$p", persistenceId);
        return cmd.ExecuteScalar() is long l ? l : 0L;
    }, ct);

    /// <inheritdoc />
    public async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken ct = default)
    {
        var highest = await ReadHighestSequenceNrAsync(persistenceId, ct).ConfigureAwait(false);
        await Task.Run(() =>
        {
            using var c = OpenRead();
            using var tx = c.BeginTransaction();
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.Parameters.AddWithValue("$p", persistenceId);
            cmd.Parameters.AddWithValue("$t", toSequenceNr);
            cmd.Parameters.AddWithValue("$h", highest);
            cmd.CommandText = "INSERT OR IGNORE INTO journal_metadata (persistence_id, sequence_nr) VALUES ($p, $h); DELETE FROM tags WHERE persistence_id=$p AND sequence_nr<=$t; DELETE FROM event_journal WHERE persistence_id=$p AND sequence_nr<=$t;";
            cmd.ExecuteNonQuery();
            tx.Commit();
        }, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<EventEnvelope>> EventsByTagAsync(string tag, long afterOrdering, int max, CancellationToken ct = default) => Task.Run(() =>
    {
        using var c = OpenRead();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT e.ordering, e.persistence_id, e.sequence_nr, e.manifest, e.timestamp, e.payload, e.tags FROM tags t JOIN event_journal e ON e.ordering=t.ordering_id WHERE t.tag=$g AND t.ordering_id>$o AND e.is_deleted=0 ORDER BY t.ordering_id LIMIT $n";
        cmd.Parameters.AddWithValue("$g", tag);
        cmd.Parameters.AddWithValue("$o", afterOrdering);
        cmd.Parameters.AddWithValue("$n", max);
        return Read(cmd);
    }, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<EventEnvelope>> EventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, int max, CancellationToken ct = default) => Task.Run(() =>
    {
        using var c = OpenRead();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT ordering, persistence_id, sequence_nr, manifest, timestamp, payload, tags FROM event_journal WHERE persistence_id=$p AND sequence_nr>=$f AND sequence_nr<=$t AND is_deleted=0 ORDER BY sequence_nr LIMIT $n";
        cmd.Parameters.AddWithValue("$p", persistenceId);
        cmd.Parameters.AddWithValue("$f", fromSequenceNr);
        cmd.Parameters.AddWithValue("$t", toSequenceNr);
        cmd.Parameters.AddWithValue("$n", max);
        return Read(cmd);
    }, ct);

    private IReadOnlyList<EventEnvelope> Read(SqliteCommand cmd)
    {
        var list = new List<EventEnvelope>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var pid = r.GetString(1);
            var seq = r.GetInt64(2);
            var evt = TagCsv.Decode(_ser, pid, seq, (byte[])r[5], r.IsDBNull(3) ? null : r.GetString(3));
            list.Add(new EventEnvelope(new Sequence(r.GetInt64(0)), pid, seq, evt, r.GetInt64(4), TagCsv.Split(r.IsDBNull(6) ? null : r.GetString(6))));
        }
        return list;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _insert?.Item1.Dispose();
        _insertTag?.Item1.Dispose();
        _savepoint?.Dispose();
        _writeConn.Dispose();
    }
}

internal static class SqliteSchema
{
    public static void Ensure(SqliteConnection c, string ddl, int version)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
        cmd.ExecuteNonQuery();
        cmd.CommandText = "PRAGMA user_version";
        var v = Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (v > version)
        {
            throw new InvalidOperationException($"Database schema version {v} is newer than this build ({version}).");
        }
        if (v < version)
        {
            using var tx = c.BeginTransaction();
            cmd.Transaction = tx;
            cmd.CommandText = ddl + $"\nPRAGMA user_version = {version};";
            cmd.ExecuteNonQuery();
            tx.Commit();
            cmd.Transaction = null;
        }
    }
}

/// <summary>SQLite snapshot store (table <c>snapshot</c>), in its own file.</summary>
public sealed class SqliteSnapshotStore : ISnapshotStore
{
    private readonly string _cs;
    private readonly IEventSerializer _ser;

    /// <summary>Open (and create on first use).</summary>
    public SqliteSnapshotStore(string file, IEventSerializer? serializer = null)
    {
        _cs = new SqliteConnectionStringBuilder { DataSource = file, Pooling = true, DefaultTimeout = 30 }.ToString();
        _ser = serializer ?? JsonEventSerializer.Instance;
        using var c = Open();
        SqliteSchema.Ensure(c, """
            CREATE TABLE IF NOT EXISTS snapshot (
              persistence_id VARCHAR(255) NOT NULL,
              sequence_nr INTEGER(8) NOT NULL,
              created_at INTEGER(8) NOT NULL,
              manifest VARCHAR(255) NOT NULL,
              payload BLOB NOT NULL,
              serializer_id INTEGER(4),
              PRIMARY KEY (persistence_id, sequence_nr));
            """, 1);
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(_cs);
        c.Open();
        return c;
    }

    /// <inheritdoc />
    public Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken ct = default) => Task.Run(() =>
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT OR REPLACE INTO snapshot (persistence_id, sequence_nr, created_at, manifest, payload, serializer_id) VALUES ($p,$s,$t,$m,$b,$i)";
        cmd.Parameters.AddWithValue("$p", metadata.PersistenceId);
        cmd.Parameters.AddWithValue("$s", metadata.SequenceNr);
        cmd.Parameters.AddWithValue("$t", metadata.Timestamp != 0 ? metadata.Timestamp : DateTime.UtcNow.Ticks);
        cmd.Parameters.AddWithValue("$m", _ser.Manifest(snapshot));
        cmd.Parameters.AddWithValue("$b", _ser.ToBinary(snapshot));
        cmd.Parameters.AddWithValue("$i", _ser.Identifier);
        cmd.ExecuteNonQuery();
    }, ct);

    /// <inheritdoc />
    public Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken ct = default) => Task.Run(() =>
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT sequence_nr, created_at, manifest, payload FROM snapshot WHERE persistence_id=$p AND sequence_nr<=$s AND created_at<=$t AND sequence_nr>=$s0 AND created_at>=$t0 ORDER BY sequence_nr DESC LIMIT 1";
        Bind(cmd, persistenceId, criteria);
        using var r = cmd.ExecuteReader();
        if (!r.Read())
        {
            return null;
        }
        var seq = r.GetInt64(0);
        var snap = TagCsv.Decode(_ser, persistenceId, seq, (byte[])r[3], r.GetString(2));
        return new SelectedSnapshot(new SnapshotMetadata(persistenceId, seq, r.GetInt64(1)), snap);
    }, ct);

    private static void Bind(SqliteCommand cmd, string pid, SnapshotSelectionCriteria c)
    {
        cmd.Parameters.AddWithValue("$p", pid);
        cmd.Parameters.AddWithValue("$s", c.MaxSequenceNr);
        cmd.Parameters.AddWithValue("$t", c.MaxTimestamp);
        cmd.Parameters.AddWithValue("$s0", c.MinSequenceNr);
        cmd.Parameters.AddWithValue("$t0", c.MinTimestamp);
    }

    /// <inheritdoc />
    public Task DeleteAsync(SnapshotMetadata metadata, CancellationToken ct = default) => Task.Run(() =>
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "DELETE FROM snapshot WHERE persistence_id=$p AND sequence_nr=$s";
        cmd.Parameters.AddWithValue("$p", metadata.PersistenceId);
        cmd.Parameters.AddWithValue("$s", metadata.SequenceNr);
        cmd.ExecuteNonQuery();
    }, ct);

    /// <inheritdoc />
    public Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken ct = default) => Task.Run(() =>
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "DELETE FROM snapshot WHERE persistence_id=$p AND sequence_nr<=$s AND created_at<=$t AND sequence_nr>=$s0 AND created_at>=$t0";
        Bind(cmd, persistenceId, criteria);
        cmd.ExecuteNonQuery();
    }, ct);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
