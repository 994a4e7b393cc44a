using MarketSim.Simulation.Journal;
using Microsoft.Data.Sqlite;

namespace MarketSim.Journal;

/// <summary>
/// The SQLite backend of <see cref="RunJournalWriter"/>: <c>journal.db</c> in the run folder, WAL while writing,
/// prepared commands reused across flushes. <see cref="RunJournalWriter.Dispose"/> flushes,
/// checkpoints the WAL and returns the file to rollback-journal mode, so the
/// closed file is one self-contained, deterministic <c>journal.db</c>.
/// </summary>
public sealed class SqliteJournalWriter : RunJournalWriter
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertEvent;
    private readonly SqliteCommand _insertTag;
    private readonly SqliteParameter _pOrdering, _pPid, _pSeq, _pManifest, _pTimestamp, _pPayload, _pTags, _pSerializer;
    private readonly SqliteParameter _tOrdering, _tTag, _tPid, _tSeq;
    private bool _finished;

    private SqliteJournalWriter(string path, SqliteConnection connection, JournalWriterOptions options)
        : base(path, options)
    {
        Path = path;
        _connection = connection;

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

    /// <summary>Opens (creating if needed) the journal at <paramref name="path"/>; an existing journal is continued.</summary>
    public static SqliteJournalWriter Open(string path, JournalWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new JournalWriterOptions();
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
            var hasTables = Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'event_journal'") > 0;
            var version = Scalar(connection, "PRAGMA user_version");
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

            if (options.MaxPageCount > 0)
            {
                Exec(connection, $"PRAGMA max_page_count = {options.MaxPageCount}");
            }

            var writer = new SqliteJournalWriter(full, connection, options);
            var highest = new List<KeyValuePair<string, long>>();
            using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = "SELECT persistence_id, max(sequence_nr) FROM (SELECT persistence_id, sequence_nr FROM event_journal UNION ALL SELECT persistence_id, sequence_nr FROM journal_metadata) GROUP BY persistence_id";
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    highest.Add(new(reader.GetString(0), reader.GetInt64(1)));
                }
            }

            writer.Restore(Scalar(connection, "SELECT coalesce(max(ordering), 0) FROM event_journal"), highest);
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

    /// <inheritdoc />
    protected override void WriteTransaction(IReadOnlyList<PendingRow> rows)
    {
        try
        {
            using var tx = _connection.BeginTransaction();
            _insertEvent.Transaction = tx;
            _insertTag.Transaction = tx;
            foreach (var p in rows)
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
        catch (SqliteException e)
        {
            throw new IOException($"{Path}: writing {rows.Count} journal events (ordering {rows[0].Ordering}..{rows[^1].Ordering}) failed and was rolled back: {e.Message}", e);
        }
        finally
        {
            _insertEvent.Transaction = null;
            _insertTag.Transaction = null;
        }
    }

    /// <inheritdoc />
    protected override void Finish()
    {
        // journal_metadata stays empty: it keeps highest sequence numbers across deletes, and a run never deletes.
        // (Writing it at close would make an interrupted-then-resumed journal differ from an uninterrupted one.)
        Exec(_connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        Exec(_connection, "PRAGMA journal_mode=DELETE");
        _finished = true;
    }

    /// <inheritdoc />
    protected override void Close()
    {
        _insertEvent.Dispose();
        _insertTag.Dispose();
        _connection.Dispose();
        if (_finished)
        {
            NormaliseChangeCounter(Path);
        }
    }

    /// <summary>
    /// SQLite's header counts the transactions made in rollback-journal mode (file change counter, bytes 24–27, and its
    /// copy "version-valid-for", bytes 92–95), so a journal opened twice — a resumed run — would differ from one opened
    /// once in those 8 bytes only. Once the file is closed, the writer sets both to 1: the closed journal.db is
    /// byte-identical however often it was opened. (The counter only tells other connections that their page cache is
    /// stale; nobody else has the file open here: the run folder is locked.)
    /// </summary>
    private static void NormaliseChangeCounter(string path)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            Span<byte> one = [0, 0, 0, 1];
            f.Position = 24;
            f.Write(one);
            f.Position = 92;
            f.Write(one);
        }
        catch (IOException)
        {
            // cosmetic: the journal is complete and valid either way
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
}
