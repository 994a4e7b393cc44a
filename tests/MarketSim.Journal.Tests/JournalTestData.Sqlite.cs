using MarketSim.Journal;
using MarketSim.Simulation.Journal;

namespace MarketSim.Simulation.Tests.Journal;

internal sealed class TempJournalDir : IDisposable
{
    public TempJournalDir()
    {
        Directory = Path.Combine(Path.GetTempPath(), "marketsim-journal-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string File(string name) => Path.Combine(Directory, name);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The SQLite part of the journal test data (the rest is linked from MarketSim.Simulation.Tests).</summary>
internal static partial class JournalTestData
{
    public static void Write(string path, IEnumerable<(string Pid, ScoreEvent Event, long Timestamp)> events, JournalWriterOptions? options = null)
    {
        using var w = SqliteJournalWriter.Open(path, options);
        foreach (var (pid, evt, ts) in events)
        {
            w.Append(pid, evt, ts);
        }
    }
}
