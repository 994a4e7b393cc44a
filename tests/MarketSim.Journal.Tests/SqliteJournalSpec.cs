using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Tests.Journal;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace MarketSim.Journal.Tests;

public sealed class SqliteJournalSpec(ITestOutputHelper output) : IDisposable
{
    private readonly TempJournalDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_journal_uses_the_akka_sqlite_layout_and_records_its_schema_version()
    {
        var path = _dir.File("journal.db");
        JournalTestData.Write(path, JournalTestData.SmallRun());
        using var c = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT name FROM pragma_table_info('event_journal') ORDER BY cid";
        var columns = new List<string>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                columns.Add(r.GetString(0));
            }
        }

        Assert.Equal(["ordering", "persistence_id", "sequence_nr", "is_deleted", "manifest", "timestamp", "payload", "tags", "serializer_id"], columns);
        cmd.CommandText = "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('tags') ORDER BY cid)";
        Assert.Equal("ordering_id,tag,persistence_id,sequence_nr", cmd.ExecuteScalar());
        cmd.CommandText = "PRAGMA user_version";
        Assert.Equal((long)JournalSchema.Version, cmd.ExecuteScalar());
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("delete", cmd.ExecuteScalar());
        cmd.CommandText = "SELECT tags FROM event_journal WHERE ordering = 1";
        Assert.Equal(";lifecycle;", cmd.ExecuteScalar());
        cmd.CommandText = "SELECT count(*) FROM journal_metadata";
        Assert.Equal(0L, cmd.ExecuteScalar()); // only deletes write it; a run never deletes
        cmd.CommandText = "SELECT DISTINCT serializer_id FROM event_journal";
        Assert.Equal((long)ScoreEventSerializer.SerializerId, cmd.ExecuteScalar());
        Assert.False(File.Exists(path + "-wal"));
    }

    [Fact]
    public void All_events_come_back_in_ordering_with_their_virtual_timestamps()
    {
        var path = _dir.File("journal.db");
        var run = JournalTestData.SmallRun();
        JournalTestData.Write(path, run, new JournalWriterOptions(FlushEvents: 5));
        using var reader = SqliteJournalReader.Open(path);
        var all = reader.AllEvents().ToList();
        Assert.Equal(run.Count, all.Count);
        for (var i = 0; i < run.Count; i++)
        {
            Assert.Equal(i + 1, all[i].Ordering);
            Assert.Equal(run[i].Pid, all[i].PersistenceId);
            Assert.Equal(run[i].Timestamp, all[i].Timestamp);
            JournalTestData.AssertSame(run[i].Event, all[i].Event);
        }

        Assert.Equal(all.Skip(10).Select(e => e.Ordering), reader.AllEvents(offset: 10).Select(e => e.Ordering));
    }

    [Fact]
    public void Sequence_numbers_are_gap_free_per_persistence_id()
    {
        var path = _dir.File("journal.db");
        JournalTestData.Write(path, JournalTestData.SmallRun());
        using var reader = SqliteJournalReader.Open(path);
        Assert.Equal(["issuer", "run", "shard-0", "shard-1", "validator-peer"], reader.PersistenceIds());
        foreach (var pid in reader.PersistenceIds())
        {
            var seqs = reader.EventsByPersistenceId(pid).Select(e => e.SequenceNr).ToList();
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
            Assert.Equal(seqs.Count, reader.HighestSequenceNr(pid));
        }

        Assert.Equal([2L, 3L], reader.EventsByPersistenceId("issuer", 2, 3).Select(e => e.SequenceNr));
        Assert.Equal([4L], reader.EventsByPersistenceId("issuer", 4, 4).Select(e => e.SequenceNr));
        Assert.Empty(reader.EventsByPersistenceId("issuer", 5, 4));
        Assert.Empty(reader.EventsByPersistenceId("nobody"));
        Assert.Single(reader.EventsByPersistenceId("issuer", max: 1));
    }

    [Fact]
    public void Tag_queries_return_tagged_events_after_an_exclusive_offset()
    {
        var path = _dir.File("journal.db");
        JournalTestData.Write(path, JournalTestData.SmallRun());
        using var reader = SqliteJournalReader.Open(path);
        var batches = reader.EventsByTag(JournalIds.PredictionsTag).ToList();
        Assert.Equal(6, batches.Count);
        Assert.All(batches, b => Assert.IsType<PredictionBatch>(b.Event));
        Assert.All(batches, b => Assert.Equal(["predictions"], b.Tags));
        var rest = reader.EventsByTag(JournalIds.PredictionsTag, batches[1].Ordering).ToList();
        Assert.Equal(batches.Skip(2).Select(b => b.Ordering), rest.Select(b => b.Ordering));
        Assert.Equal(9, reader.EventsByTag(JournalIds.ScoresTag).Count());
        Assert.Equal(2, reader.EventsByTag(JournalIds.LifecycleTag).Count());
        Assert.Equal(8, reader.EventsByTag(JournalIds.EventsTag).Count());
    }

    [Fact]
    public void A_reopened_journal_continues_the_sequence_numbers()
    {
        var path = _dir.File("journal.db");
        JournalTestData.Write(path, JournalTestData.SmallRun().Take(3));
        using (var w = SqliteJournalWriter.Open(path))
        {
            Assert.Equal(2, w.HighestSequenceNr(JournalIds.Issuer));
            Assert.Equal(3, w.Append(JournalIds.Issuer, new EventIssued(9, 0, 0, 0, 0, string.Empty), 0));
            Assert.Equal(4, w.LastOrdering);
        }

        using var reader = SqliteJournalReader.Open(path);
        Assert.Equal([1L, 2L, 3L], reader.EventsByPersistenceId(JournalIds.Issuer).Select(e => e.SequenceNr));
    }

    [Fact]
    public void The_same_events_give_a_byte_identical_file_whatever_the_flush_boundaries()
    {
        var run = JournalTestData.SmallRun();
        for (var k = 3; k < 40; k++)
        {
            run.Add((JournalIds.Shard(k % 3), JournalTestData.Batch(k, k % 3, 64, 42), JournalTestData.T0 + k));
        }

        JournalTestData.Write(_dir.File("a.db"), run);
        JournalTestData.Write(_dir.File("b.db"), run);
        JournalTestData.Write(_dir.File("c.db"), run, new JournalWriterOptions(FlushEvents: 1));
        JournalTestData.Write(_dir.File("d.db"), run, new JournalWriterOptions(FlushEvents: 7, FlushBytes: 50_000));
        var a = File.ReadAllBytes(_dir.File("a.db"));
        Assert.True(a.Length > 100_000);
        Assert.Equal(a, File.ReadAllBytes(_dir.File("b.db")));
        Assert.Equal(a, File.ReadAllBytes(_dir.File("c.db")));
        Assert.Equal(a, File.ReadAllBytes(_dir.File("d.db")));
    }

    [Fact]
    public void A_corrupt_payload_is_reported_with_its_persistence_id_and_sequence_number()
    {
        var path = _dir.File("journal.db");
        JournalTestData.Write(path, JournalTestData.SmallRun());
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE event_journal SET payload = substr(payload, 1, 20) || x'00' || substr(payload, 22) WHERE persistence_id = 'shard-1' AND sequence_nr = 2";
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }

        using var reader = SqliteJournalReader.Open(path);
        Assert.Single(reader.EventsByPersistenceId("shard-1", 1, 1));
        var e = Assert.Throws<JournalCorruptException>(() => reader.EventsByPersistenceId("shard-1").ToList());
        Assert.Equal(("shard-1", 2L), (e.PersistenceId, e.SequenceNr));
        Assert.Contains("shard-1#2", e.Message);
        Assert.Contains("PredictionBatch", e.Message);
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
            using var reader = SqliteJournalReader.Open(path);
            var back = (PredictionBatch)reader.AllEvents().Single().Event;
            return back.Interval == batch.Interval && back.EventIds.SequenceEqual(batch.EventIds) && back.MinerIds.SequenceEqual(batch.MinerIds)
                && JournalTestData.Bits(back.Probabilities).SequenceEqual(JournalTestData.Bits(batch.Probabilities));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));
    }

    [Fact]
    public void Pre_serialized_events_are_stored_as_given()
    {
        var path = _dir.File("journal.db");
        var batch = JournalTestData.Batch(1, 0, 3, 3);
        using (var w = SqliteJournalWriter.Open(path))
        {
            w.Append("shard-0", SerializedEvent.From(batch), 77, ["predictions", "extra"]);
        }

        using var reader = SqliteJournalReader.Open(path);
        var env = Assert.Single(reader.EventsByTag("extra"));
        Assert.Equal(77, env.Timestamp);
        Assert.Equal(["predictions", "extra"], env.Tags);
        JournalTestData.AssertSame(batch, env.Event);
    }

    [Fact]
    public void Journal_throughput_with_subnet_sized_batches_is_measured()
    {
        // bench-subnet: 256 miners, ~42-50 open events per interval. Four shards of 64 miners, 48 events.
        const int Intervals = 200, Shards = 4, MinersPerShard = 64, Events = 48;
        var batches = new List<PredictionBatch>();
        for (var k = 0; k < Intervals; k++)
        {
            for (var s = 0; s < Shards; s++)
            {
                batches.Add(JournalTestData.Batch(k, s, MinersPerShard, Events));
            }
        }

        var path = _dir.File("bench.db");
        var sw = Stopwatch.StartNew();
        using (var w = SqliteJournalWriter.Open(path))
        {
            foreach (var b in batches)
            {
                w.Append(JournalIds.Shard(b.Shard), b, JournalTestData.T0 + b.Interval);
            }
        }

        sw.Stop();
        var predictions = (long)Intervals * Shards * MinersPerShard * Events;
        var readWatch = Stopwatch.StartNew();
        long read = 0;
        using (var reader = SqliteJournalReader.Open(path))
        {
            foreach (var env in reader.EventsByTag(JournalIds.PredictionsTag))
            {
                read += ((PredictionBatch)env.Event).Count;
            }
        }

        readWatch.Stop();
        Assert.Equal(predictions, read);
        output.WriteLine($"wrote {predictions:N0} predictions in {batches.Count} batches ({new FileInfo(path).Length / 1e6:F1} MB) in {sw.Elapsed.TotalMilliseconds:F0} ms: {predictions / sw.Elapsed.TotalSeconds / 1e6:F1} M predictions/s");
        output.WriteLine($"read back in {readWatch.Elapsed.TotalMilliseconds:F0} ms: {predictions / readWatch.Elapsed.TotalSeconds / 1e6:F1} M predictions/s");
    }
}
