namespace MarketSim.Simulation.Journal;

/// <summary>
/// One journal row exactly as stored (no decoding): what a resumed run compares its replay against, and what a
/// byte-level comparison of two journals (SQLite against PostgreSQL, resumed against uninterrupted) reads.
/// </summary>
/// <param name="Ordering">The <c>ordering</c> column.</param>
/// <param name="PersistenceId">Persistence id.</param>
/// <param name="SequenceNr">Sequence number.</param>
/// <param name="Manifest">Manifest (event type).</param>
/// <param name="Timestamp">Virtual time, UTC ticks.</param>
/// <param name="Payload">Serialized event (<see cref="ScoreEventSerializer"/>).</param>
/// <param name="Tags">Tags, in the order written.</param>
public sealed record StoredRow(long Ordering, string PersistenceId, long SequenceNr, string Manifest, long Timestamp, byte[] Payload, IReadOnlyList<string> Tags);

/// <summary>One stored event with its envelope (Akka persistence-query style).</summary>
/// <param name="Ordering">Global order (the <c>ordering</c> column; the offset of tag and all-events queries).</param>
/// <param name="PersistenceId">Persistence id.</param>
/// <param name="SequenceNr">Sequence number within the persistence id (1, 2, 3, … without gaps).</param>
/// <param name="Timestamp">Virtual time, UTC ticks.</param>
/// <param name="Event">The decoded event.</param>
/// <param name="Tags">Tags.</param>
public sealed record JournalEnvelope(long Ordering, string PersistenceId, long SequenceNr, long Timestamp, ScoreEvent Event, IReadOnlyList<string> Tags);

/// <summary>
/// Read side of a run journal, whatever the backend (SQLite file or PostgreSQL schema). Offsets are exclusive: a query
/// from the last envelope's ordering returns only later events. Decoding failures raise <see cref="JournalCorruptException"/>
/// naming persistence id and sequence number. Queries are lazy: finish (or dispose) one enumeration before starting the next.
/// </summary>
public interface IRunJournalReader : IDisposable
{
    /// <summary>Where the journal lives, for messages (a file path, or <c>postgres:schema</c>).</summary>
    string Location { get; }

    /// <summary>Events of one persistence id with from ≤ sequence_nr ≤ to, in sequence order, at most <paramref name="max"/>.</summary>
    IEnumerable<JournalEnvelope> EventsByPersistenceId(string persistenceId, long fromSequenceNr = 1, long toSequenceNr = long.MaxValue, long max = long.MaxValue);

    /// <summary>Events carrying <paramref name="tag"/> with ordering &gt; <paramref name="offset"/>, in ordering.</summary>
    IEnumerable<JournalEnvelope> EventsByTag(string tag, long offset = 0);

    /// <summary>Every event with ordering &gt; <paramref name="offset"/>, in ordering.</summary>
    IEnumerable<JournalEnvelope> AllEvents(long offset = 0);

    /// <summary>Every row with ordering &gt; <paramref name="offset"/>, in ordering, undecoded.</summary>
    IEnumerable<StoredRow> AllRows(long offset = 0);

    /// <summary>The highest <c>ordering</c> stored (0 for an empty journal).</summary>
    long MaxOrdering();

    /// <summary>Persistence ids, sorted (ordinal).</summary>
    IReadOnlyList<string> PersistenceIds();

    /// <summary>Highest sequence number of a persistence id (0 when unknown), deletes included.</summary>
    long HighestSequenceNr(string persistenceId);
}
