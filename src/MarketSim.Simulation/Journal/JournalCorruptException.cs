namespace MarketSim.Simulation.Journal;

/// <summary>A stored event could not be read back: names the persistence id, sequence number and ordering.</summary>
public sealed class JournalCorruptException : Exception
{
    public JournalCorruptException(string persistenceId, long sequenceNr, long ordering, string detail, Exception? inner = null)
        : base($"journal event {persistenceId}#{sequenceNr} (ordering {ordering}) is corrupt: {detail}", inner)
    {
        PersistenceId = persistenceId;
        SequenceNr = sequenceNr;
        Ordering = ordering;
    }

    public string PersistenceId { get; }

    public long SequenceNr { get; }

    public long Ordering { get; }
}
