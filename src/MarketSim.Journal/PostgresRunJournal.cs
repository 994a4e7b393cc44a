using MarketSim.Simulation.Journal;
using Npgsql;
using NpgsqlTypes;

namespace MarketSim.Journal;

/// <summary>
/// The PostgreSQL backend of <see cref="RunJournalWriter"/>: one schema per run holding the persistence module's
/// postgresql tables (event_journal with created_at = virtual time, metadata; <see cref="MarketSim.Persistence.PostgreSql.PostgresJournal"/>),
/// each flush one transaction with a binary COPY. Rows, payloads and orderings are those the SQLite backend writes.
/// </summary>
public sealed class PostgresJournalWriter : RunJournalWriter
{
    private readonly NpgsqlConnection _connection;
    private readonly string _table;

    private PostgresJournalWriter(string location, string schema, NpgsqlConnection connection, JournalWriterOptions options)
        : base(location, options)
    {
        Schema = schema;
        _connection = connection;
        _table = schema + ".event_journal";
    }

    /// <summary>The run's schema.</summary>
    public string Schema { get; }

    /// <summary>Connects, creates the schema and tables on first use, and continues an existing journal.</summary>
    public static PostgresJournalWriter Open(string connectionString, string schema, JournalWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ArgumentException.ThrowIfNullOrEmpty(schema);
        var location = PostgresRunJournal.Describe(connectionString, schema);
        var connection = PostgresRunJournal.Connect(connectionString, location);
        try
        {
            using (var ds = NpgsqlDataSource.Create(connectionString))
            {
                MarketSim.Persistence.PostgreSql.PostgresJournal.EnsureSchemaAsync(ds, schema).GetAwaiter().GetResult();
            }

            var writer = new PostgresJournalWriter(location, schema, connection, options ?? new JournalWriterOptions());
            var highest = new List<KeyValuePair<string, long>>();
            long ordering;
            using (var cmd = new NpgsqlCommand($"SELECT persistence_id, max(sequence_nr) FROM (SELECT persistence_id, sequence_nr FROM {schema}.event_journal UNION ALL SELECT persistence_id, sequence_nr FROM {schema}.metadata) s GROUP BY persistence_id", connection))
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read())
                {
                    highest.Add(new(r.GetString(0), r.GetInt64(1)));
                }
            }

            using (var cmd = new NpgsqlCommand($"SELECT coalesce(max(ordering), 0) FROM {schema}.event_journal", connection))
            {
                ordering = Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            }

            writer.Restore(ordering, highest);
            return writer;
        }
        catch (NpgsqlException e)
        {
            connection.Dispose();
            throw new IOException($"{location}: cannot open the journal: {e.Message}", e);
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
            using (var copy = _connection.BeginBinaryImport($"COPY {_table} (ordering, persistence_id, sequence_nr, is_deleted, created_at, manifest, payload, tags, serializer_id) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var p in rows)
                {
                    copy.StartRow();
                    copy.Write(p.Ordering, NpgsqlDbType.Bigint);
                    copy.Write(p.PersistenceId, NpgsqlDbType.Varchar);
                    copy.Write(p.SequenceNr, NpgsqlDbType.Bigint);
                    copy.Write(false, NpgsqlDbType.Boolean);
                    copy.Write(p.Timestamp, NpgsqlDbType.Bigint);
                    copy.Write(p.Manifest, NpgsqlDbType.Varchar);
                    copy.Write(p.Payload, NpgsqlDbType.Bytea);
                    if (p.Tags.Count == 0)
                    {
                        copy.WriteNull();
                    }
                    else
                    {
                        copy.Write(string.Join(';', p.Tags), NpgsqlDbType.Varchar);
                    }

                    copy.Write(ScoreEventSerializer.SerializerId, NpgsqlDbType.Integer);
                }

                copy.Complete();
            }

            tx.Commit();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            throw new IOException($"{Location}: writing {rows.Count} journal events (ordering {rows[0].Ordering}..{rows[^1].Ordering}) failed and was rolled back: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    protected override void Finish()
    {
        using var tx = _connection.BeginTransaction();
        using var cmd = new NpgsqlCommand(
            $"SELECT setval(pg_get_serial_sequence('{_table}', 'ordering'), greatest(1, (SELECT coalesce(max(ordering), 0) FROM {_table})));",
            _connection,
            tx);
        cmd.ExecuteNonQuery();
        tx.Commit();
    }

    /// <inheritdoc />
    protected override void Close() => _connection.Dispose();
}

/// <summary>Reads a run journal stored in PostgreSQL (see <see cref="PostgresJournalWriter"/>).</summary>
public sealed class PostgresRunJournal : IRunJournalReader
{
    private const string Columns = "ordering, persistence_id, sequence_nr, created_at, manifest, payload, tags, serializer_id";
    private readonly NpgsqlConnection _connection;
    private readonly string _schema;

    private PostgresRunJournal(NpgsqlConnection connection, string schema, string location)
    {
        _connection = connection;
        _schema = schema;
        Location = location;
    }

    /// <inheritdoc />
    public string Location { get; }

    /// <summary>Opens the journal in <paramref name="schema"/>; throws when the schema holds no journal.</summary>
    public static PostgresRunJournal Open(string connectionString, string schema)
    {
        var location = Describe(connectionString, schema);
        var connection = Connect(connectionString, location);
        try
        {
            using var cmd = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", connection);
            cmd.Parameters.AddWithValue("t", schema + ".event_journal");
            if (cmd.ExecuteScalar() is not true)
            {
                throw new InvalidOperationException($"{location}: no journal (table {schema}.event_journal does not exist)");
            }

            return new PostgresRunJournal(connection, schema, location);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>"postgres://host:port/database (schema s)" without credentials, for messages.</summary>
    public static string Describe(string connectionString, string schema)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            return $"postgres://{b.Host}:{b.Port}/{b.Database} (schema {schema})";
        }
        catch (ArgumentException)
        {
            return $"postgres (schema {schema})";
        }
    }

    internal static NpgsqlConnection Connect(string connectionString, string location)
    {
        NpgsqlConnection connection;
        try
        {
            connection = new NpgsqlConnection(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"invalid PostgreSQL connection string: {e.Message}", e);
        }

        try
        {
            connection.Open();
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            connection.Dispose();
            throw new IOException($"{location}: cannot connect: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public IEnumerable<JournalEnvelope> EventsByPersistenceId(string persistenceId, long fromSequenceNr = 1, long toSequenceNr = long.MaxValue, long max = long.MaxValue) =>
        Envelopes(Query($"SELECT {Columns} FROM {_schema}.event_journal WHERE persistence_id = @p AND sequence_nr >= @f AND sequence_nr <= @t AND NOT is_deleted ORDER BY sequence_nr LIMIT @n",
            ("p", persistenceId), ("f", fromSequenceNr), ("t", toSequenceNr), ("n", max)));

    /// <inheritdoc />
    public IEnumerable<JournalEnvelope> EventsByTag(string tag, long offset = 0) =>
        Envelopes(Query($"SELECT {Columns} FROM {_schema}.event_journal WHERE tags IS NOT NULL AND ordering > @o AND @g = ANY(string_to_array(tags, ';')) AND NOT is_deleted ORDER BY ordering",
            ("o", offset), ("g", tag)));

    /// <inheritdoc />
    public IEnumerable<JournalEnvelope> AllEvents(long offset = 0) => Envelopes(AllRows(offset));

    /// <inheritdoc />
    public IEnumerable<StoredRow> AllRows(long offset = 0) =>
        Query($"SELECT {Columns} FROM {_schema}.event_journal WHERE ordering > @o AND NOT is_deleted ORDER BY ordering", ("o", offset));

    /// <inheritdoc />
    public long MaxOrdering()
    {
        using var cmd = new NpgsqlCommand($"SELECT coalesce(max(ordering), 0) FROM {_schema}.event_journal", _connection);
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> PersistenceIds()
    {
        using var cmd = new NpgsqlCommand($"SELECT DISTINCT persistence_id FROM {_schema}.event_journal", _connection);
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read())
        {
            list.Add(r.GetString(0));
        }

        list.Sort(StringComparer.Ordinal);
        return list;
    }

    /// <inheritdoc />
    public long HighestSequenceNr(string persistenceId)
    {
        using var cmd = new NpgsqlCommand($"SELECT coalesce(max(s), 0) FROM (SELECT max(sequence_nr) AS s FROM {_schema}.event_journal WHERE persistence_id = @p UNION ALL SELECT max(sequence_nr) FROM {_schema}.metadata WHERE persistence_id = @p) x", _connection);
        cmd.Parameters.AddWithValue("p", persistenceId);
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Drops the run's schema and everything in it.</summary>
    public static void Drop(string connectionString, string schema)
    {
        using var c = Connect(connectionString, Describe(connectionString, schema));
        using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", c);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Closes the connection.</summary>
    public void Dispose() => _connection.Dispose();

    private IEnumerable<StoredRow> Query(string sql, params (string Name, object Value)[] parameters)
    {
        using var cmd = new NpgsqlCommand(sql, _connection);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var ordering = r.GetInt64(0);
            var pid = r.GetString(1);
            var seq = r.GetInt64(2);
            var serializer = r.IsDBNull(7) ? -1 : r.GetInt32(7);
            if (serializer != ScoreEventSerializer.SerializerId)
            {
                throw new JournalCorruptException(pid, seq, ordering, $"serializer_id {serializer} is not {ScoreEventSerializer.SerializerId} (MarketSim score events)");
            }

            var tags = r.IsDBNull(6) ? string.Empty : r.GetString(6);
            yield return new StoredRow(ordering, pid, seq, r.GetString(4), r.GetInt64(3), (byte[])r.GetValue(5), tags.Split(';', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    private static IEnumerable<JournalEnvelope> Envelopes(IEnumerable<StoredRow> rows)
    {
        foreach (var row in rows)
        {
            ScoreEvent evt;
            try
            {
                evt = ScoreEventSerializer.Deserialize(row.Manifest, row.Payload);
            }
            catch (JournalFormatException e)
            {
                throw new JournalCorruptException(row.PersistenceId, row.SequenceNr, row.Ordering, $"{row.Manifest}: {e.Message}", e);
            }

            yield return new JournalEnvelope(row.Ordering, row.PersistenceId, row.SequenceNr, row.Timestamp, evt, row.Tags);
        }
    }
}
