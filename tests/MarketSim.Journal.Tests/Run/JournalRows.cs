using MarketSim.Simulation.Journal;

namespace MarketSim.Journal.Tests.Run;

/// <summary>One stored event as the query side gives it back, with its payload bytes.</summary>
internal sealed record StreamRow(string PersistenceId, long SequenceNr, string Manifest, long Timestamp, string Tags, byte[] Payload);

/// <summary>Stream-by-stream equality of two run journals, whatever their backends.</summary>
internal static class JournalRows
{
    /// <summary>Every event of <paramref name="reader"/> in canonical order (disposes it).</summary>
    public static List<StreamRow> Read(IRunJournalReader reader)
    {
        using (reader)
        {
            return [.. reader.AllEvents().Select(e => new StreamRow(e.PersistenceId, e.SequenceNr, ScoreEventSerializer.ManifestOf(e.Event), e.Timestamp, string.Join(';', e.Tags), ScoreEventSerializer.Serialize(e.Event)))];
        }
    }

    /// <summary>Every event of the SQLite journal <paramref name="journalFile"/>, in canonical order.</summary>
    public static List<StreamRow> Read(string journalFile) => Read(RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(journalFile)));

    /// <summary>Same count, and per event the same persistence id, sequence number, manifest, virtual time, tags and payload bytes.</summary>
    public static void AssertSame(IReadOnlyList<StreamRow> expected, IReadOnlyList<StreamRow> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.Equal((e.PersistenceId, e.SequenceNr, e.Manifest, e.Timestamp, e.Tags), (a.PersistenceId, a.SequenceNr, a.Manifest, a.Timestamp, a.Tags));
            Assert.True(e.Payload.AsSpan().SequenceEqual(a.Payload), $"payload of {e.PersistenceId}#{e.SequenceNr} differs");
        }
    }
}
