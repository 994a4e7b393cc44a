using FsCheck;
using FsCheck.Fluent;
using MarketSim.Journal.Akka;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Tests.Journal;
using Microsoft.Data.Sqlite;

namespace MarketSim.Journal.Tests;

/// <summary>
/// The run journal on Akka.Persistence.Sql (SQLite): its tables, what the write plugin stores (virtual time, tags, the
/// binary payload) and what the query side (<see cref="QueryJournalReader"/>) gives back — per persistence id in sequence
/// order, across streams in canonical order however the database interleaved them — and the one-line errors for a
/// damaged row, an empty file and a file that is not a journal.
/// </summary>
public sealed class AkkaJournalSpec : IDisposable
{
    private readonly TempJournalDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Rows_are_in_akka_persistence_sql_tables_with_virtual_time_tags_and_the_binary_serializer()
    {
        var path = _dir.File("journal.db");
        JournalTestData.Write(path, JournalTestData.SmallRun());
        using var c = Open(path);
        Assert.Equal("journal,snapshot", Scalar(c, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name)"));
        Assert.Equal("wal", Scalar(c, "PRAGMA journal_mode"));
        Assert.Equal(";lifecycle;", Scalar(c, "SELECT tags FROM journal WHERE persistence_id = 'run' AND sequence_number = 1"));
        Assert.Equal("RunStarted", Scalar(c, "SELECT manifest FROM journal WHERE persistence_id = 'run' AND sequence_number = 1"));
        Assert.Equal(JournalTestData.T0, Scalar(c, "SELECT created FROM journal WHERE persistence_id = 'run' AND sequence_number = 1"));
        Assert.Equal((long)ScoreEventSerializer.SerializerId, Scalar(c, "SELECT DISTINCT identifier FROM journal"));
        // The payload is the score event's own bytes: the serializer's, not a wrapper's.
        var payload = (byte[])Scalar(c, "SELECT message FROM journal WHERE persistence_id = 'shard-1' AND sequence_number = 2")!;
        Assert.Equal(ScoreEventSerializer.Serialize(JournalTestData.Batch(1, 1, 4, 4)), payload);
    }

    [Fact]
    public void Every_stream_reads_back_in_sequence_order_with_its_virtual_timestamps_and_tags()
    {
        var path = _dir.File("journal.db");
        var run = JournalTestData.SmallRun();
        JournalTestData.Write(path, run);
        using var reader = RunJournals.OpenReader(JournalConfig.Sqlite(path));
        Assert.Equal(["issuer", "run", "shard-0", "shard-1", "validator-peer"], reader.PersistenceIds());
        foreach (var pid in reader.PersistenceIds())
        {
            var expected = run.Where(r => r.Pid == pid).ToList();
            var back = reader.EventsByPersistenceId(pid).ToList();
            Assert.Equal(Enumerable.Range(1, expected.Count).Select(i => (long)i), back.Select(e => e.SequenceNr));
            Assert.Equal(expected.Select(e => e.Timestamp), back.Select(e => e.Timestamp));
            Assert.All(back.Zip(expected), p => Assert.Equal([JournalIds.TagOf(p.Item2.Event)], p.Item1.Tags));
            Assert.All(back.Zip(expected), p => JournalTestData.AssertSame(p.Item2.Event, p.Item1.Event));
            Assert.Equal(expected.Count, reader.HighestSequenceNr(pid));
        }

        Assert.Equal([2L, 3L], reader.EventsByPersistenceId("issuer", 2, 3).Select(e => e.SequenceNr));
        Assert.Empty(reader.EventsByPersistenceId("issuer", 5, 4));
        Assert.Empty(reader.EventsByPersistenceId("nobody"));
        Assert.Single(reader.EventsByPersistenceId("issuer", max: 1));
        Assert.Equal(6, reader.EventsByTag(JournalIds.PredictionsTag).Count());
        Assert.Equal(9, reader.EventsByTag(JournalIds.ScoresTag).Count());
        Assert.Equal(8, reader.EventsByTag(JournalIds.EventsTag).Count());
    }

    [Fact]
    public void Streams_merge_in_the_runs_canonical_order_whatever_order_the_database_took_them_in()
    {
        var canonical = JournalTestData.SmallRun();
        // The same streams written with the persistence ids interleaved differently (as concurrent actors do).
        var scrambled = canonical.GroupBy(r => r.Pid).OrderByDescending(g => g.Key, StringComparer.Ordinal).SelectMany(g => g).ToList();
        JournalTestData.Write(_dir.File("a.db"), canonical);
        JournalTestData.Write(_dir.File("b.db"), scrambled);
        using var a = RunJournals.OpenReader(JournalConfig.Sqlite(_dir.File("a.db")));
        using var b = RunJournals.OpenReader(JournalConfig.Sqlite(_dir.File("b.db")));
        var fromA = a.AllEvents().Select(e => (e.PersistenceId, e.SequenceNr, e.Timestamp)).ToList();
        var fromB = b.AllEvents().Select(e => (e.PersistenceId, e.SequenceNr, e.Timestamp)).ToList();
        Assert.Equal(canonical.Count, fromA.Count);
        Assert.Equal(fromA, fromB);
        Assert.NotEqual(a.AllEvents().Select(e => e.Ordering), b.AllEvents().Select(e => e.Ordering));
        // Virtual time never goes back; within a time, the run's start comes first and resolutions after the batches.
        Assert.True(fromA.Zip(fromA.Skip(1)).All(p => p.Item1.Timestamp <= p.Item2.Timestamp));
        Assert.Equal(("run", 1L), (fromA[0].PersistenceId, fromA[0].SequenceNr));
        // The golden runs (MarketSim.Golden.Tests) check the merge against the order a single writer appended in.
    }

    [Fact]
    public void A_damaged_payload_is_reported_with_its_persistence_id_and_sequence_number()
    {
        var path = _dir.File("journal.db");
        JournalTestData.Write(path, JournalTestData.SmallRun());
        using (var c = Open(path, readOnly: false))
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE journal SET message = substr(message, 1, 20) || x'00' || substr(message, 22) WHERE persistence_id = 'shard-1' AND sequence_number = 2";
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }

        using var reader = RunJournals.OpenReader(JournalConfig.Sqlite(path));
        Assert.Single(reader.EventsByPersistenceId("shard-1", 1, 1));
        var e = Assert.Throws<JournalCorruptException>(() => reader.EventsByPersistenceId("shard-1").ToList());
        Assert.Equal(("shard-1", 2L), (e.PersistenceId, e.SequenceNr));
        Assert.Contains("shard-1#2", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("garbage")]
    [InlineData("other-sqlite")]
    public void A_file_that_is_not_a_journal_is_refused_in_one_line_naming_it(string kind)
    {
        var path = _dir.File("journal.db");
        switch (kind)
        {
            case "empty":
                File.WriteAllBytes(path, []);
                break;
            case "garbage":
                File.WriteAllBytes(path, [.. Enumerable.Repeat((byte)0x42, 5000)]);
                break;
            default:
                using (var c = Open(path, readOnly: false))
                {
                    using var cmd = c.CreateCommand();
                    cmd.CommandText = "CREATE TABLE event_journal (ordering INTEGER)";
                    cmd.ExecuteNonQuery();
                }

                break;
        }

        var e = Assert.Throws<InvalidDataException>(() => RunJournals.OpenReader(JournalConfig.Sqlite(path)).Dispose());
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Any_prediction_batch_comes_back_from_the_database_unchanged()
    {
        var gen =
            from miners in Gen.Choose(0, 12)
            from events in Gen.Choose(0, 12)
            from interval in Gen.Choose(-5, 5000)
            from p in Gen.ArrayOf(ArbMap.Default.GeneratorFor<double>(), miners * events)
            select new PredictionBatch(interval, 1, [.. Enumerable.Range(0, events).Select(e => (long)e * 3)], [.. Enumerable.Range(7, miners)], p);
        var n = 0;
        Prop.ForAll(gen.ToArbitrary(), batch =>
        {
            var path = _dir.File($"prop-{n++}.db");
            JournalTestData.Write(path, [("shard-1", batch, 5L)]);
            using var reader = RunJournals.OpenReader(JournalConfig.Sqlite(path));
            var back = (PredictionBatch)reader.AllEvents().Single().Event;
            return back.Interval == batch.Interval && back.EventIds.SequenceEqual(batch.EventIds) && back.MinerIds.SequenceEqual(batch.MinerIds)
                && JournalTestData.Bits(back.Probabilities).SequenceEqual(JournalTestData.Bits(batch.Probabilities));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(10));
    }

    private static SqliteConnection Open(string path, bool readOnly = true)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        c.Open();
        return c;
    }

    private static object? Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
