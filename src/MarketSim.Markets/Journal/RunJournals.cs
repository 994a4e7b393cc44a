namespace MarketSim.Markets.Journal;

/// <summary>Opens the journal of a run folder, whichever backend the run used (docs/persistence.md).</summary>
public static class RunJournals
{
    /// <summary>
    /// Opens the journal of the run folder <paramref name="runDir"/> for reading. Throws <see cref="FileNotFoundException"/>
    /// when the folder has no journal.
    /// </summary>
    public static IRunJournalReader OpenReader(string runDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDir);
        var file = Path.Combine(runDir, Scenarios.RunFolder.JournalFileName);
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"{runDir} has no {Scenarios.RunFolder.JournalFileName} (not a run folder?)", file);
        }

        return SqliteJournalReader.Open(file);
    }
}
