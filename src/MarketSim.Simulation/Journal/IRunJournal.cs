namespace MarketSim.Simulation.Journal;

/// <summary>One stored event with its envelope (Akka persistence-query style).</summary>
/// <param name="Ordering">The <c>ordering</c> column: the order in which the database took the row (it interleaves streams differently from run to run; the queries present events in canonical order instead).</param>
/// <param name="PersistenceId">Persistence id.</param>
/// <param name="SequenceNr">Sequence number within the persistence id (1, 2, 3, … without gaps).</param>
/// <param name="Timestamp">Virtual time, UTC ticks.</param>
/// <param name="Event">The decoded event.</param>
/// <param name="Tags">Tags.</param>
public sealed record JournalEnvelope(long Ordering, string PersistenceId, long SequenceNr, long Timestamp, ScoreEvent Event, IReadOnlyList<string> Tags);

/// <summary>
/// Read side of a run journal, whatever the backend (SQLite file or PostgreSQL schema). Streams are read per persistence
/// id, in sequence order; queries over several streams (<see cref="EventsByTag"/>, <see cref="AllEvents"/>) merge them in
/// the run's canonical order — by virtual time, then the order in which a run makes events within one interval (run
/// start, issues, the shards' batches in shard order, resolutions, settlements, the validators in scenario order, run
/// end), then sequence number — so that everything read back is the same however the database interleaved the
/// concurrent writes. Decoding failures raise <see cref="JournalCorruptException"/> naming persistence id and sequence
/// number. Queries are lazy.
/// </summary>
public interface IRunJournalReader : IDisposable
{
    /// <summary>Where the journal lives, for messages (a file path, or <c>postgres:schema</c>).</summary>
    string Location { get; }

    /// <summary>Events of one persistence id with from ≤ sequence_nr ≤ to, in sequence order, at most <paramref name="max"/>.</summary>
    IEnumerable<JournalEnvelope> EventsByPersistenceId(string persistenceId, long fromSequenceNr = 1, long toSequenceNr = long.MaxValue, long max = long.MaxValue);

    /// <summary>Events carrying <paramref name="tag"/>, in canonical order.</summary>
    IEnumerable<JournalEnvelope> EventsByTag(string tag);

    /// <summary>Every event, in canonical order.</summary>
    IEnumerable<JournalEnvelope> AllEvents();

    /// <summary>Persistence ids, sorted (ordinal).</summary>
    IReadOnlyList<string> PersistenceIds();

    /// <summary>Highest sequence number of a persistence id (0 when unknown).</summary>
    long HighestSequenceNr(string persistenceId);
}
