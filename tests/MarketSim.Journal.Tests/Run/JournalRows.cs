using MarketSim.Simulation.Journal;

namespace MarketSim.Journal.Tests.Run;

/// <summary>Row-by-row equality of two run journals, whatever their backends (also linked into MarketSim.Node.Tests).</summary>
internal static class JournalRows
{
    /// <summary>Every row of <paramref name="reader"/> (disposes it).</summary>
    public static List<StoredRow> Read(IRunJournalReader reader)
    {
        using (reader)
        {
            return [.. reader.AllRows()];
        }
    }

    /// <summary>Same count, and per row the same ordering, persistence id, sequence number, manifest, timestamp, tags and payload bytes.</summary>
    public static void AssertSame(IReadOnlyList<StoredRow> expected, IReadOnlyList<StoredRow> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.Equal((e.Ordering, e.PersistenceId, e.SequenceNr, e.Manifest, e.Timestamp), (a.Ordering, a.PersistenceId, a.SequenceNr, a.Manifest, a.Timestamp));
            Assert.Equal(e.Tags, a.Tags);
            Assert.True(e.Payload.AsSpan().SequenceEqual(a.Payload), $"payload of row {e.Ordering} differs");
        }
    }
}
