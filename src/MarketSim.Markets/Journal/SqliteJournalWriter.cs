using Microsoft.Data.Sqlite;

namespace MarketSim.Markets.Journal;

/// <summary>Flush thresholds of <see cref="SqliteJournalWriter"/>: a transaction is written once either is reached.</summary>
/// <param name="FlushEvents">Pending events.</param>
/// <param name="FlushBytes">Pending payload bytes.</param>
public sealed record JournalWriterOptions(int FlushEvents = 512, long FlushBytes = 16L << 20);

/// <summary>
/// The single writer of a run's SQLite journal. Appends are buffered and written in one transaction per flush
/// (by count, by bytes, or on <see cref="Flush"/>), with prepared commands reused across flushes.
/// Sequence numbers are gap-free per persistence id; <c>ordering</c> is assigned here, in append order.
/// Nothing time-dependent is stored: <c>timestamp</c> is the virtual time the caller passes.
/// <see cref="Dispose"/> flushes, checkpoints the WAL and returns the file to rollback-journal mode, so the
/// closed file is one self-contained, deterministic <c>journal.db</c>.
/// Thread-safe (calls are serialized), but the caller must append in a canonical order for a deterministic journal.
/// </summary>
public sealed class SqliteJournalWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertEvent;
    private readonly SqliteCommand _insertTag;
    private readonly SqliteParameter _pOrdering, _pPid, _pSeq, _pManifest, _pTimestamp, _pPayload, _pTags, _pSerializer;
    private readonly SqliteParameter _tOrdering, _tTag, _tPid, _tSeq;
    private readonly Dictionary<string, long> _highest = new(StringComparer.Ordinal);
    private readonly List<Pending> _pending = [];
    private readonly Lock _lock = new();
    private long _ordering;
    private long _pendingBytes;
    private bool _disposed;

    private SqliteJournalWriter(string path, SqliteConnection connection, JournalWriterOptions options)
    {
        Path = path;
        _connection = connection;
        Options = options;

        _insertEvent = connection.CreateCommand();
        _insertEvent.CommandText =
            "INSERT INTO event_journal (ordering, persistence_id, sequence_nr, is_deleted, manifest, timestamp, payload, tags, serializer_id) " +
            "VALUES ($ordering, $pid, $seq, 0, $manifest, $timestamp, $payload, $tags, $serializer)";
        _pOrdering = _insertEvent.Parameters.Add("$ordering", SqliteType.Integer);
        _pPid = _insertEvent.Parameters.Add("$pid", SqliteType.Text);
        _pSeq = _insertEvent.Parameters.Add("$seq", SqliteType.Integer);
        _pManifest = _insertEvent.Parameters.Add("$manifest", SqliteType.Text);
        _pTimestamp = _insertEvent.Parameters.Add("$timestamp", SqliteType.Integer);
        _pPayload = _insertEvent.Parameters.Add("$payload", SqliteType.Blob);
        _pTags = _insertEvent.Parameters.Add("$tags", SqliteType.Text);
        _pSerializer = _insertEvent.Parameters.Add("$serializer", SqliteType.Integer);

        _insertTag = connection.CreateCommand();
        _insertTag.CommandText = "INSERT INTO tags (ordering_id, tag, persistence_id, sequence_nr) VALUES ($ordering, $tag, $pid, $seq)";
        _tOrdering = _insertTag.Parameters.Add("$ordering", SqliteType.Integer);
        _tTag = _insertTag.Parameters.Add("$tag", SqliteType.Text);
        _tPid = _insertTag.Parameters.Add("$pid", SqliteType.Text);
        _tSeq = _insertTag.Parameters.Add("$seq", SqliteType.Integer);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    public JournalWriterOptions Options { get; }

    /// <summary>Events appended but not yet written.</summary>
    public int PendingEvents
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Total events appended through this writer and before (the highest <c>ordering</c>).</summary>
    public long LastOrdering
    {
        get
        {
            lock (_lock)
            {
                return _ordering;
            }
        }
    }

    /// <summary>Opens (creating if needed) the journal at <paramref name="path"/>; an existing journal is continued.</summary>
    public static SqliteJournalWriter Open(string path, JournalWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        try
        {
            var version = Scalar(connection, "PRAGMA user_version");
            var hasTables = Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'event_journal'") > 0;
            if (hasTables && version != JournalSchema.Version)
            {
                throw new InvalidOperationException($"{path}: journal schema version {version}; this build writes version {JournalSchema.Version}");
            }

            Exec(connection, "PRAGMA journal_mode=WAL");
            Exec(connection, "PRAGMA synchronous=NORMAL");
            Exec(connection, "PRAGMA temp_store=MEMORY");
            Exec(connection, "PRAGMA cache_size=-65536");
            using (var tx = connection.BeginTransaction())
            {
                using var ddl = connection.CreateCommand();
                ddl.Transaction = tx;
                ddl.CommandText = JournalSchema.Ddl +
                    $"\nPRAGMA user_version = {JournalSchema.Version};\nPRAGMA application_id = {JournalSchema.ApplicationId};";
                ddl.ExecuteNonQuery();
                tx.Commit();
            }

            var writer = new SqliteJournalWriter(full, connection, options ?? new JournalWriterOptions());
            writer._ordering = Scalar(connection, "SELECT coalesce(max(ordering), 0) FROM event_journal");
            using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = "SELECT persistence_id, max(sequence_nr) FROM (SELECT persistence_id, sequence_nr FROM event_journal UNION ALL SELECT persistence_id, sequence_nr FROM journal_metadata) GROUP BY persistence_id";
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    writer._highest[reader.GetString(0)] = reader.GetInt64(1);
                }
            }

            writer._insertEvent.Prepare();
            writer._insertTag.Prepare();
            return writer;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Appends an event; returns its sequence number. <paramref name="timestamp"/> is virtual UTC ticks.
    /// Tags default to <see cref="JournalIds.TagOf"/>; pass an empty list for none.</summary>
    public long Append(string persistenceId, ScoreEvent evt, long timestamp, IReadOnlyList<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return Append(persistenceId, SerializedEvent.From(evt), timestamp, tags ?? [JournalIds.TagOf(evt)]);
    }

    /// <summary>Appends an event at virtual time <paramref name="virtualTime"/>.</summary>
    public long Append(string persistenceId, ScoreEvent evt, DateTimeOffset virtualTime, IReadOnlyList<string>? tags = null) =>
        Append(persistenceId, evt, virtualTime.UtcTicks, tags);

    /// <summary>Appends an already serialized event (see <see cref="SerializedEvent.From"/>); returns its sequence number.</summary>
    public long Append(string persistenceId, SerializedEvent evt, long timestamp, IReadOnlyList<string> tags)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(evt.Payload);
        ArgumentNullException.ThrowIfNull(tags);
        foreach (var t in tags)
        {
            if (string.IsNullOrEmpty(t) || t.Contains(';', StringComparison.Ordinal))
            {
                throw new ArgumentException($"invalid tag '{t}': tags are non-empty and contain no ';'", nameof(tags));
            }
        }

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _highest.TryGetValue(persistenceId, out var seq);
            seq++;
            _highest[persistenceId] = seq;
            _ordering++;
            _pending.Add(new Pending(_ordering, persistenceId, seq, evt.Manifest, timestamp, evt.Payload, tags));
            _pendingBytes += evt.Payload.Length;
            if (_pending.Count >= Options.FlushEvents || _pendingBytes >= Options.FlushBytes)
            {
                FlushLocked();
            }

            return seq;
        }
    }

    /// <summary>The highest sequence number of <paramref name="persistenceId"/> (0 when it has none), pending events included.</summary>
    public long HighestSequenceNr(string persistenceId)
    {
        lock (_lock)
        {
            return _highest.TryGetValue(persistenceId, out var s) ? s : 0;
        }
    }

    /// <summary>Writes every pending event in one transaction.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            FlushLocked();
        }
    }

    private void FlushLocked()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        using (var tx = _connection.BeginTransaction())
        {
            _insertEvent.Transaction = tx;
            _insertTag.Transaction = tx;
            foreach (var p in _pending)
            {
                _pOrdering.Value = p.Ordering;
                _pPid.Value = p.PersistenceId;
                _pSeq.Value = p.SequenceNr;
                _pManifest.Value = p.Manifest;
                _pTimestamp.Value = p.Timestamp;
                _pPayload.Value = p.Payload;
                _pTags.Value = p.Tags.Count == 0 ? DBNull.Value : ";" + string.Join(';', p.Tags) + ";";
                _pSerializer.Value = ScoreEventSerializer.SerializerId;
                _insertEvent.ExecuteNonQuery();
                foreach (var tag in p.Tags)
                {
                    _tOrdering.Value = p.Ordering;
                    _tTag.Value = tag;
                    _tPid.Value = p.PersistenceId;
                    _tSeq.Value = p.SequenceNr;
                    _insertTag.ExecuteNonQuery();
                }
            }

            tx.Commit();
        }

        _insertEvent.Transaction = null;
        _insertTag.Transaction = null;
        _pending.Clear();
        _pendingBytes = 0;
    }

    /// <summary>Flushes, records the highest sequence numbers in <c>journal_metadata</c>, checkpoints the WAL,
    /// switches back to <c>journal_mode=DELETE</c> and closes the file.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            try
            {
                FlushLocked();
                using (var tx = _connection.BeginTransaction())
                {
                    using var meta = _connection.CreateCommand();
                    meta.Transaction = tx;
                    meta.CommandText = "INSERT OR IGNORE INTO journal_metadata (persistence_id, sequence_nr) SELECT persistence_id, max(sequence_nr) FROM event_journal GROUP BY persistence_id ORDER BY persistence_id";
                    meta.ExecuteNonQuery();
                    tx.Commit();
                }

                Exec(_connection, "PRAGMA wal_checkpoint(TRUNCATE)");
                Exec(_connection, "PRAGMA journal_mode=DELETE");
            }
            finally
            {
                _disposed = true;
                _insertEvent.Dispose();
                _insertTag.Dispose();
                _connection.Dispose();
            }
        }
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed record Pending(long Ordering, string PersistenceId, long SequenceNr, string Manifest, long Timestamp, byte[] Payload, IReadOnlyList<string> Tags);
}
