using MarketSim.Runtime;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Run;
using Microsoft.Data.Sqlite;

namespace MarketSim.Journal.Tests.Run;

/// <summary>Resume after an interruption, a damaged journal, and a failed write (SQLite backend).</summary>
public sealed class ResumeSpec : IDisposable
{
    // Small flushes, so that a capped journal fills up mid-run.
    private static readonly string[] Small = ["timeline.events=60", "shard-size=5", "outputs.journal.flush-events=16"];
    private readonly RunTestSupport _runs = new();

    public void Dispose() => _runs.Dispose();

    private RunOutcome Interrupted(int afterIntervals)
    {
        using var cts = new CancellationTokenSource();
        var outcome = _runs.Run("parity-cliff-fog.conf", Small, seed: 3, options: new RunOptions(cts.Token, p =>
        {
            if (p.Interval >= afterIntervals)
            {
                cts.Cancel();
            }
        }));
        Assert.Equal(RunState.Interrupted, outcome.State);
        return outcome;
    }

    private RunOutcome Reference() => _runs.Run("parity-cliff-fog.conf", Small, seed: 3);

    private static RunOutcome Resume(RunFolder folder, RunOptions? options = null) =>
        ScenarioRunner.Run(RunPreparation.Resume(folder.Path, null), options);

    private static long Rows(string journal)
    {
        using var r = SqliteJournalReader.Open(journal);
        return r.AllRows().LongCount();
    }

    private static void Exec(string journal, string sql)
    {
        using var c = new SqliteConnection($"Data Source={journal};Pooling=false");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public void An_interrupted_run_resumes_to_the_journal_and_summary_of_an_uninterrupted_run()
    {
        var reference = Reference();
        var stopped = Interrupted(afterIntervals: 40);
        Assert.Contains("--resume", File.ReadAllText(stopped.Folder.StatusFile), StringComparison.Ordinal);

        var progress = new List<RunProgress>();
        var resumed = Resume(stopped.Folder, new RunOptions(Progress: progress.Add));

        Assert.Equal(RunState.Complete, resumed.State);
        Assert.Equal(File.ReadAllBytes(reference.Folder.JournalFile), File.ReadAllBytes(stopped.Folder.JournalFile));
        Assert.Equal(File.ReadAllBytes(reference.Folder.SummaryJsonFile), File.ReadAllBytes(stopped.Folder.SummaryJsonFile));
        Assert.True(progress[0].Replaying, "the first intervals are replayed against the stored journal");
        Assert.False(progress[^1].Replaying, "the last intervals are new");
    }

    [Fact]
    public void A_damaged_payload_stops_the_resume_naming_persistence_id_and_sequence_number_and_writes_nothing()
    {
        var stopped = Interrupted(afterIntervals: 40);
        var journal = stopped.Folder.JournalFile;
        var before = Rows(journal);
        // Flip one bit of the 5th event of the issuer's stream.
        using (var c = new SqliteConnection($"Data Source={journal};Pooling=false"))
        {
            c.Open();
            using var read = c.CreateCommand();
            read.CommandText = "SELECT payload FROM event_journal WHERE persistence_id = 'issuer' AND sequence_nr = 5";
            var payload = (byte[])read.ExecuteScalar()!;
            payload[8] ^= 1;
            using var write = c.CreateCommand();
            write.CommandText = "UPDATE event_journal SET payload = $p WHERE persistence_id = 'issuer' AND sequence_nr = 5";
            write.Parameters.AddWithValue("$p", payload);
            Assert.Equal(1, write.ExecuteNonQuery());
        }

        var resumed = Resume(stopped.Folder);

        Assert.Equal(RunState.Failed, resumed.State);
        var e = Assert.IsType<JournalDivergedException>(resumed.Error);
        Assert.Equal("issuer", e.PersistenceId);
        Assert.Equal(5, e.SequenceNr);
        Assert.Contains("'issuer'", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, Rows(journal));
        Assert.Contains("\"failed\"", File.ReadAllText(stopped.Folder.StatusFile), StringComparison.Ordinal);
    }

    [Fact]
    public void A_gap_in_the_journal_stops_the_resume_at_the_missing_row()
    {
        var stopped = Interrupted(afterIntervals: 40);
        Exec(stopped.Folder.JournalFile, "DELETE FROM event_journal WHERE ordering = 7");

        var resumed = Resume(stopped.Folder);

        Assert.Equal(RunState.Failed, resumed.State);
        var e = Assert.IsType<JournalDivergedException>(resumed.Error);
        Assert.Equal(7, e.Ordering);
        Assert.Contains("gap", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_journal_holding_more_than_the_scenario_makes_is_refused_at_the_end_of_the_replay()
    {
        var reference = Reference();
        var stopped = Interrupted(afterIntervals: 40);
        File.Copy(reference.Folder.JournalFile, stopped.Folder.JournalFile, overwrite: true);
        Exec(stopped.Folder.JournalFile, "INSERT INTO event_journal (ordering, persistence_id, sequence_nr, is_deleted, manifest, timestamp, payload, tags, serializer_id) SELECT ordering + 1000000, persistence_id, sequence_nr + 1000000, 0, manifest, timestamp, payload, tags, serializer_id FROM event_journal WHERE ordering = 1");

        var resumed = Resume(stopped.Folder);

        Assert.Equal(RunState.Failed, resumed.State);
        Assert.Contains("goes on past the end", Assert.IsType<JournalDivergedException>(resumed.Error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_full_disk_fails_the_run_loudly_leaves_a_consistent_journal_and_the_run_resumes_once_there_is_room()
    {
        var reference = Reference();
        var pages = new FileInfo(reference.Folder.JournalFile).Length / 4096;

        var full = _runs.Run("parity-cliff-fog.conf", Small, seed: 3, options: new RunOptions { MaxJournalPages = pages / 2 });

        Assert.Equal(RunState.Failed, full.State);
        Assert.Contains("full", full.Error!.Message, StringComparison.OrdinalIgnoreCase);
        var status = File.ReadAllText(full.Folder.StatusFile);
        Assert.Contains("\"failed\"", status, StringComparison.Ordinal);
        Assert.Contains("--resume", status, StringComparison.Ordinal);
        using (var c = new SqliteConnection($"Data Source={full.Folder.JournalFile};Mode=ReadOnly;Pooling=false"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", cmd.ExecuteScalar());
        }

        var kept = Rows(full.Folder.JournalFile);
        Assert.InRange(kept, 1, Rows(reference.Folder.JournalFile) - 1);

        var resumed = Resume(full.Folder);

        Assert.Equal(RunState.Complete, resumed.State);
        Assert.Equal(File.ReadAllBytes(reference.Folder.JournalFile), File.ReadAllBytes(full.Folder.JournalFile));
        Assert.Equal(File.ReadAllBytes(reference.Folder.SummaryJsonFile), File.ReadAllBytes(full.Folder.SummaryJsonFile));
    }

    [Fact]
    public void A_run_folder_in_use_by_another_process_is_not_touched()
    {
        var stopped = Interrupted(afterIntervals: 10);
        var status = File.ReadAllText(stopped.Folder.StatusFile);
        using (stopped.Folder.Lock())
        {
            var second = Resume(stopped.Folder);
            Assert.Equal(RunState.Failed, second.State);
            Assert.Contains("in use by another marketsim process", second.Error!.Message, StringComparison.Ordinal);
        }

        Assert.Equal(status, File.ReadAllText(stopped.Folder.StatusFile));
    }

    [Fact]
    public void Resume_accepts_only_deployment_overrides()
    {
        var stopped = Interrupted(afterIntervals: 10);

        var e = Assert.Throws<ResumeException>(() => RunPreparation.Resume(stopped.Folder.Path, ["timeline.events=10"]));
        Assert.Contains("keeps its scenario", e.Message, StringComparison.Ordinal);
        Assert.True(RunPreparation.Resume(stopped.Folder.Path, ["marketsim.parallelism=1"]).Resume);
        Assert.Throws<ResumeException>(() => RunPreparation.Resume(Path.Combine(_runs.Directory, "nope"), null));
    }
}
