using MarketSim.Journal;
using MarketSim.Runtime;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Run;
using Microsoft.Data.Sqlite;

namespace MarketSim.Journal.Tests.Run;

/// <summary>
/// Resume through Akka's recovery (SQLite backend): after an interruption, and refused in one line — naming the stream
/// and sequence number, before anything is appended — for a damaged row, a gap, a journal longer than the scenario
/// makes and one written by another seed. (A full disk is RunFailureSpec's, in MarketSim.Cli.Tests, on a real tmpfs.)
/// </summary>
public sealed class ResumeSpec : IDisposable
{
    private static readonly string[] Small = ["timeline.events=60", "shard-size=5"];
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

    private static List<StreamRow> Rows(string journal) => JournalRows.Read(RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(journal)));

    private static void Exec(string journal, string sql)
    {
        using var c = new SqliteConnection($"Data Source={journal};Pooling=false");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        Assert.Equal(1, cmd.ExecuteNonQuery());
    }

    [Fact]
    public void An_interrupted_run_resumes_to_the_streams_and_summary_of_an_uninterrupted_run()
    {
        var reference = Reference();
        var stopped = Interrupted(afterIntervals: 40);
        Assert.Contains("--resume", File.ReadAllText(stopped.Folder.StatusFile), StringComparison.Ordinal);

        var progress = new List<RunProgress>();
        var resumed = Resume(stopped.Folder, new RunOptions(Progress: progress.Add));

        Assert.Equal(RunState.Complete, resumed.State);
        JournalRows.AssertSame(Rows(reference.Folder.JournalFile), Rows(stopped.Folder.JournalFile));
        Assert.Equal(File.ReadAllBytes(reference.Folder.SummaryJsonFile), File.ReadAllBytes(stopped.Folder.SummaryJsonFile));
        Assert.True(progress[0].Replaying, "the first intervals are replayed against the stored journal");
        Assert.False(progress[^1].Replaying, "the last intervals are new");
    }

    [Fact]
    public void A_damaged_row_stops_the_resume_in_recovery_naming_persistence_id_and_sequence_number_and_writes_nothing()
    {
        var stopped = Interrupted(afterIntervals: 40);
        var journal = stopped.Folder.JournalFile;
        var before = Rows(journal);
        // Flip one bit of the 5th event of the issuer's stream (its CRC-32C no longer matches).
        using (var c = new SqliteConnection($"Data Source={journal};Pooling=false"))
        {
            c.Open();
            using var read = c.CreateCommand();
            read.CommandText = "SELECT message FROM journal WHERE persistence_id = 'issuer' AND sequence_number = 5";
            var payload = (byte[])read.ExecuteScalar()!;
            payload[8] ^= 1;
            using var write = c.CreateCommand();
            write.CommandText = "UPDATE journal SET message = $p WHERE persistence_id = 'issuer' AND sequence_number = 5";
            write.Parameters.AddWithValue("$p", payload);
            Assert.Equal(1, write.ExecuteNonQuery());
        }

        var resumed = Resume(stopped.Folder);

        Assert.Equal(RunState.Failed, resumed.State);
        var e = Assert.IsType<JournalStreamException>(resumed.Error);
        Assert.Contains("issuer #5", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("\"failed\"", File.ReadAllText(stopped.Folder.StatusFile), StringComparison.Ordinal);
        // Nothing was appended anywhere: every stream is as it was (the damaged row is kept as it is).
        using var c2 = Open(journal);
        using var count = c2.CreateCommand();
        count.CommandText = "SELECT count(*) FROM journal";
        Assert.Equal((long)before.Count, count.ExecuteScalar());
    }

    [Fact]
    public void A_gap_in_a_stream_stops_the_resume_before_anything_is_appended()
    {
        var stopped = Interrupted(afterIntervals: 40);
        Exec(stopped.Folder.JournalFile, "DELETE FROM journal WHERE persistence_id = 'issuer' AND sequence_number = 7");
        var before = Rows(stopped.Folder.JournalFile);

        var resumed = Resume(stopped.Folder);

        Assert.Equal(RunState.Failed, resumed.State);
        var e = Assert.IsType<JournalStreamException>(resumed.Error);
        Assert.Contains("issuer jumps from #6 to #8", e.Message, StringComparison.Ordinal);
        JournalRows.AssertSame(before, Rows(stopped.Folder.JournalFile));
    }

    [Fact]
    public void A_journal_holding_more_than_the_scenario_makes_is_refused_at_the_end_of_the_replay()
    {
        var reference = Reference();
        var stopped = Interrupted(afterIntervals: 40);
        File.Copy(reference.Folder.JournalFile, stopped.Folder.JournalFile, overwrite: true);
        Exec(stopped.Folder.JournalFile, "INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier) SELECT created, deleted, persistence_id, sequence_number + 1, message, tags, manifest, identifier FROM journal WHERE persistence_id = 'issuer' ORDER BY sequence_number DESC LIMIT 1");

        var resumed = Resume(stopped.Folder);

        Assert.Equal(RunState.Failed, resumed.State);
        Assert.Contains("past the end of the replayed run", Assert.IsType<JournalStreamException>(resumed.Error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_resume_of_another_scenario_is_refused_naming_the_first_event_that_differs()
    {
        var stopped = Interrupted(afterIntervals: 40);
        // The run's first event records the scenario; a journal written by another seed cannot be continued.
        var other = _runs.Run("parity-cliff-fog.conf", Small, seed: 4);
        File.Copy(other.Folder.JournalFile, stopped.Folder.JournalFile, overwrite: true);

        var resumed = Resume(stopped.Folder);

        Assert.Equal(RunState.Failed, resumed.State);
        Assert.Contains("differs from what the replay makes", Assert.IsType<JournalStreamException>(resumed.Error).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    public void A_journal_file_that_is_not_a_database_any_more_fails_the_resume_in_one_line_naming_it(string damage)
    {
        var stopped = Interrupted(afterIntervals: 40);
        var journal = stopped.Folder.JournalFile;
        var bytes = File.ReadAllBytes(journal);
        File.WriteAllBytes(journal, damage == "truncated" ? bytes[..(bytes.Length / 3)] : [.. Enumerable.Repeat((byte)0x5A, bytes.Length)]);
        var before = File.ReadAllBytes(journal);

        var resumed = Resume(stopped.Folder);

        Assert.Equal(RunState.Failed, resumed.State);
        Assert.Contains(journal, resumed.Error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', resumed.Error.Message);
        Assert.Contains("\"failed\"", File.ReadAllText(stopped.Folder.StatusFile), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(journal));
    }

    private static SqliteConnection Open(string journal)
    {
        var c = new SqliteConnection($"Data Source={journal};Mode=ReadOnly;Pooling=false");
        c.Open();
        return c;
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
