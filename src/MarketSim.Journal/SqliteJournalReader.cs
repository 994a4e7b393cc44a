using MarketSim.Simulation.Journal;
using Microsoft.Data.Sqlite;

namespace MarketSim.Journal;

/// <summary>
/// Reads a SQLite journal back: by persistence id (sequence range), by tag, or everything in <c>ordering</c>.
/// Offsets are exclusive (resuming from the last envelope's ordering yields only later events).
/// A payload that cannot be decoded raises <see cref="JournalCorruptException"/> naming persistence id and sequence number.
/// Queries are lazy: enumerate each one to the end (or dispose the enumerator) before starting the next.
/// </summary>
public sealed class SqliteJournalReader : IRunJournalReader
{
    private const string Columns = "e.ordering, e.persistence_id, e.sequence_nr, e.timestamp, e.manifest, e.payload, e.tags, e.serializer_id";
    private readonly SqliteConnection _connection;

    private SqliteJournalReader(SqliteConnection connection, int schemaVersion, string location)
    {
        _connection = connection;
        SchemaVersion = schemaVersion;
        Location = location;
    }

    /// <inheritdoc />
    public string Location { get; }

    /// <summary>The file's <c>PRAGMA user_version</c>.</summary>
    public int SchemaVersion { get; }

    /// <summary>Opens a journal read-only.</summary>
    public static SqliteJournalReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"journal not found: {path}", path);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = System.IO.Path.GetFullPath(path),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (version != JournalSchema.Version)
        {
            connection.Dispose();
            throw new InvalidOperationException($"{path}: journal schema version {version}; this build reads version {JournalSchema.Version}");
        }

        return new SqliteJournalReader(connection, version, path);
    }

    /// <summary>Events of one persistence id with fromSeq ≤ sequence_nr ≤ toSeq, in sequence order, at most <paramref name="max"/>.</summary>
    public IEnumerable<JournalEnvelope> EventsByPersistenceId(string persistenceId, long fromSequenceNr = 1, long toSequenceNr = long.MaxValue, long max = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        return Query(
            $"SELECT {Columns} FROM event_journal e WHERE e.persistence_id = $pid AND e.sequence_nr >= $from AND e.sequence_nr <= $to AND e.is_deleted = 0 ORDER BY e.sequence_nr LIMIT $max",
            ("$pid", persistenceId),
            ("$from", fromSequenceNr),
            ("$to", toSequenceNr),
            ("$max", max));
    }

    /// <summary>Events carrying <paramref name="tag"/> with ordering &gt; <paramref name="offset"/>, in ordering.</summary>
    public IEnumerable<JournalEnvelope> EventsByTag(string tag, long offset = 0)
    {
        ArgumentNullException.ThrowIfNull(tag);
        return Query(
            $"SELECT {Columns} FROM tags t JOIN event_journal e ON e.ordering = t.ordering_id WHERE t.tag = $tag AND t.ordering_id > $offset AND e.is_deleted = 0 ORDER BY t.ordering_id",
            ("$tag", tag),
            ("$offset", offset));
    }

    /// <summary>Every event with ordering &gt; <paramref name="offset"/>, in ordering.</summary>
    public IEnumerable<JournalEnvelope> AllEvents(long offset = 0) =>
        Query($"SELECT {Columns} FROM event_journal e WHERE e.ordering > $offset AND e.is_deleted = 0 ORDER BY e.ordering", ("$offset", offset));

    /// <inheritdoc />
    public IEnumerable<StoredRow> AllRows(long offset = 0)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT ordering, persistence_id, sequence_nr, manifest, timestamp, payload, tags FROM event_journal WHERE ordering > $offset AND is_deleted = 0 ORDER BY ordering";
        cmd.Parameters.AddWithValue("$offset", offset);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var tags = r.IsDBNull(6) ? string.Empty : r.GetString(6);
            yield return new StoredRow(
                r.GetInt64(0),
                r.GetString(1),
                r.GetInt64(2),
                r.IsDBNull(3) ? string.Empty : r.GetString(3),
                r.GetInt64(4),
                r.IsDBNull(5) ? [] : (byte[])r.GetValue(5),
                tags.Split(';', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    /// <inheritdoc />
    public long MaxOrdering()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT coalesce(max(ordering), 0) FROM event_journal";
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Persistence ids, sorted.</summary>
    public IReadOnlyList<string> PersistenceIds()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT DISTINCT persistence_id FROM event_journal ORDER BY persistence_id";
        using var r = cmd.ExecuteReader();
        var result = new List<string>();
        while (r.Read())
        {
            result.Add(r.GetString(0));
        }

        return result;
    }

    /// <summary>Highest sequence number of a persistence id (0 when unknown), deletes included.</summary>
    public long HighestSequenceNr(string persistenceId)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT coalesce(max(s), 0) FROM (SELECT max(sequence_nr) AS s FROM event_journal WHERE persistence_id = $pid UNION ALL SELECT max(sequence_nr) FROM journal_metadata WHERE persistence_id = $pid)";
        cmd.Parameters.AddWithValue("$pid", persistenceId);
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private IEnumerable<JournalEnvelope> Query(string sql, params (string Name, object Value)[] parameters)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            yield return Decode(r);
        }
    }

    private static JournalEnvelope Decode(SqliteDataReader r)
    {
        var ordering = r.GetInt64(0);
        var pid = r.GetString(1);
        var seq = r.GetInt64(2);
        var timestamp = r.GetInt64(3);
        var manifest = r.IsDBNull(4) ? string.Empty : r.GetString(4);
        var tagsText = r.IsDBNull(6) ? string.Empty : r.GetString(6);
        var serializer = r.IsDBNull(7) ? -1 : r.GetInt32(7);
        if (serializer != ScoreEventSerializer.SerializerId)
        {
            throw new JournalCorruptException(pid, seq, ordering, $"serializer_id {serializer} is not {ScoreEventSerializer.SerializerId} (MarketSim score events)");
        }

        ScoreEvent evt;
        try
        {
            var payload = r.IsDBNull(5) ? [] : (byte[])r.GetValue(5);
            evt = ScoreEventSerializer.Deserialize(manifest, payload);
        }
        catch (JournalFormatException e)
        {
            throw new JournalCorruptException(pid, seq, ordering, $"{manifest}: {e.Message}", e);
        }
        catch (InvalidCastException e)
        {
            throw new JournalCorruptException(pid, seq, ordering, $"{manifest}: payload is not a BLOB", e);
        }

        var tags = tagsText.Split(';', StringSplitOptions.RemoveEmptyEntries);
        return new JournalEnvelope(ordering, pid, seq, timestamp, evt, tags);
    }

    /// <summary>Closes the database.</summary>
    public void Dispose() => _connection.Dispose();
}
