namespace MarketSim.Simulation.Journal;

/// <summary>A stored event could not be read back: names the persistence id, sequence number and ordering.</summary>
public sealed class JournalCorruptException : Exception
{
    /// <summary>An unreadable event <paramref name="persistenceId"/>#<paramref name="sequenceNr"/> at <paramref name="ordering"/>; <paramref name="detail"/> says why.</summary>
    public JournalCorruptException(string persistenceId, long sequenceNr, long ordering, string detail, Exception? inner = null)
        : base($"journal event {persistenceId}#{sequenceNr}{(ordering > 0 ? $" (ordering {ordering})" : string.Empty)} is corrupt: {detail}", inner)
    {
        PersistenceId = persistenceId;
        SequenceNr = sequenceNr;
        Ordering = ordering;
    }

    /// <summary>Persistence id of the event (the actor stream it belongs to).</summary>
    public string PersistenceId { get; }

    /// <summary>Sequence number of the event within its persistence id.</summary>
    public long SequenceNr { get; }

    /// <summary>Journal-wide position of the event (the <c>ordering</c> column; 0 when the row could not be read at all).</summary>
    public long Ordering { get; }
}
