using System.Text.Json;

namespace MarketSim.Persistence;

/// <summary>One persisted event as the journal stores and replays it.</summary>
public sealed record Persistent(object Payload, string PersistenceId, long SequenceNr, IReadOnlyList<string> Tags, long Timestamp = 0);

/// <summary>Events written all or nothing (one transaction); one persistence id per write.</summary>
public sealed record AtomicWrite(IReadOnlyList<Persistent> Payload)
{
    /// <summary>The persistence id of the batch.</summary>
    public string PersistenceId => Payload[0].PersistenceId;
}

/// <summary>Wrap an event in this to attach tags (Akka's <c>Tagged</c>); the payload is stored, the tags are indexed.</summary>
public sealed record Tagged(object Payload, IReadOnlyList<string> Tags);

/// <summary>A snapshot's identity.</summary>
public sealed record SnapshotMetadata(string PersistenceId, long SequenceNr, long Timestamp = 0);

/// <summary>A loaded snapshot.</summary>
public sealed record SelectedSnapshot(SnapshotMetadata Metadata, object Snapshot);

/// <summary>Which snapshots qualify (inclusive bounds; timestamps are UTC ticks).</summary>
public sealed record SnapshotSelectionCriteria(long MaxSequenceNr, long MaxTimestamp = long.MaxValue, long MinSequenceNr = 0, long MinTimestamp = 0)
{
    /// <summary>Any snapshot.</summary>
    public static SnapshotSelectionCriteria Latest { get; } = new(long.MaxValue);

    /// <summary>No snapshot (recovery from events only).</summary>
    public static SnapshotSelectionCriteria None { get; } = new(0, 0);
}

/// <summary>Query offsets (exclusive).</summary>
public abstract record Offset;

/// <summary>From the beginning.</summary>
public sealed record NoOffset : Offset
{
    /// <summary>The instance.</summary>
    public static NoOffset Instance { get; } = new();
}

/// <summary>The journal's <c>ordering</c> column; a query returns only rows with a greater ordering.</summary>
public sealed record Sequence(long Value) : Offset;

/// <summary>One event returned by a query.</summary>
public sealed record EventEnvelope(Offset Offset, string PersistenceId, long SequenceNr, object Event, long Timestamp, IReadOnlyList<string> Tags);

/// <summary>Thrown when a stored row cannot be turned back into an event; names the row.</summary>
public sealed class PersistenceReplayException(string persistenceId, long sequenceNr, string reason, Exception? inner = null)
    : Exception($"Replay of persistence id [{persistenceId}] failed at sequence number {sequenceNr}: {reason}", inner)
{
    /// <summary>The persistence id.</summary>
    public string PersistenceId { get; } = persistenceId;

    /// <summary>The failing sequence number.</summary>
    public long SequenceNr { get; } = sequenceNr;
}

/// <summary>Turns events and snapshots into bytes and back.</summary>
public interface IEventSerializer
{
    /// <summary>Stored in <c>serializer_id</c>.</summary>
    int Identifier { get; }

    /// <summary>Stored in <c>manifest</c>.</summary>
    string Manifest(object value);

    /// <summary>Serialize.</summary>
    byte[] ToBinary(object value);

    /// <summary>Deserialize.</summary>
    object FromBinary(byte[] bytes, string manifest);
}

/// <summary>System.Text.Json serializer; manifest = type name with its assembly (no version).</summary>
public sealed class JsonEventSerializer : IEventSerializer
{
    /// <summary>Shared instance.</summary>
    public static JsonEventSerializer Instance { get; } = new();

    private static readonly JsonSerializerOptions Options = new() { IncludeFields = false };

    /// <inheritdoc />
    public int Identifier => 1;

    /// <inheritdoc />
    public string Manifest(object value)
    {
        var t = value.GetType();
        return $"{t.FullName}, {t.Assembly.GetName().Name}";
    }

    /// <inheritdoc />
    public byte[] ToBinary(object value) => JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), Options);

    /// <inheritdoc />
    public object FromBinary(byte[] bytes, string manifest)
    {
        var type = Type.GetType(manifest, throwOnError: false) ?? throw new InvalidOperationException($"Unknown manifest [{manifest}]");
        return JsonSerializer.Deserialize(bytes, type, Options) ?? throw new InvalidOperationException($"Null payload for manifest [{manifest}]");
    }
}

/// <summary>A journal provider.</summary>
public interface IJournal : IAsyncDisposable
{
    /// <summary>Write batches; each completes (or faults) on its own: the returned list has one entry per write, null = success.</summary>
    Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken ct = default);

    /// <summary>Replay events with from ≤ seq ≤ to, at most <paramref name="max"/>, in sequence order.</summary>
    Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<Persistent> onReplayed, CancellationToken ct = default);

    /// <summary>The highest sequence number ever written for the id (survives deletes); 0 if unknown.</summary>
    Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken ct = default);

    /// <summary>Delete events up to and including <paramref name="toSequenceNr"/>.</summary>
    Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken ct = default);

    /// <summary>Events with the tag and ordering &gt; <paramref name="afterOrdering"/>, in ordering order, at most max.</summary>
    Task<IReadOnlyList<EventEnvelope>> EventsByTagAsync(string tag, long afterOrdering, int max, CancellationToken ct = default);

    /// <summary>Events of one id, from ≤ seq ≤ to.</summary>
    Task<IReadOnlyList<EventEnvelope>> EventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, int max, CancellationToken ct = default);
}

/// <summary>A snapshot store provider.</summary>
public interface ISnapshotStore : IAsyncDisposable
{
    /// <summary>Save (overwrites the same id and sequence number).</summary>
    Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken ct = default);

    /// <summary>The newest snapshot matching the criteria, or null.</summary>
    Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken ct = default);

    /// <summary>Delete one.</summary>
    Task DeleteAsync(SnapshotMetadata metadata, CancellationToken ct = default);

    /// <summary>Delete all matching.</summary>
    Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken ct = default);
}

internal static class TagCsv
{
    public static string? Join(IReadOnlyList<string> tags) => tags.Count == 0 ? null : string.Join(';', tags);

    public static IReadOnlyList<string> Split(string? csv) => string.IsNullOrEmpty(csv) ? [] : csv.Split(';');

    public static Persistent Unwrap(Persistent p) =>
        p.Payload is Tagged t ? p with { Payload = t.Payload, Tags = [.. p.Tags, .. t.Tags] } : p;

    public static object Decode(IEventSerializer ser, string pid, long seq, byte[] bytes, string? manifest)
    {
        try
        {
            return ser.FromBinary(bytes, manifest ?? "");
        }
        catch (Exception e)
        {
            throw new PersistenceReplayException(pid, seq, $"cannot deserialize payload (manifest [{manifest}]): {e.Message}", e);
        }
    }
}
