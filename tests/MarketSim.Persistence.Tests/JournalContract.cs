using FsCheck;
using FsCheck.Fluent;

namespace MarketSim.Persistence.Tests;

/// <summary>The journal contract (Akka TCK JournalSpec), written once for every provider.</summary>
public abstract class JournalSpec(IStoreFactory factory) : IAsyncLifetime
{
    private const string Pid = "p-1";
    protected IJournal Journal { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Journal = await factory.CreateJournalAsync();
        await WriteAsync(Pid, 1, 5);
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    protected async Task WriteAsync(string pid, long from, long to, params string[] tags)
    {
        var writes = new List<AtomicWrite>();
        for (var s = from; s <= to; s++)
        {
            writes.Add(new AtomicWrite([new Persistent(new Evt($"{pid}-{s}"), pid, s, tags)]));
        }
        var results = await Journal.WriteMessagesAsync(writes);
        Assert.All(results, r => Assert.Null(r));
    }

    protected async Task<List<long>> ReplayAsync(string pid, long from, long to, long max)
    {
        var seen = new List<long>();
        await Journal.ReplayMessagesAsync(pid, from, to, max, p =>
        {
            Assert.Equal(new Evt($"{pid}-{p.SequenceNr}"), p.Payload);
            seen.Add(p.SequenceNr);
        });
        return seen;
    }

    [Fact]
    public async Task Journal_should_replay_all_messages() =>
        Assert.Equal([1, 2, 3, 4, 5], await ReplayAsync(Pid, 1, long.MaxValue, long.MaxValue));

    [Fact]
    public async Task Journal_should_replay_messages_using_a_lower_sequence_number_bound() =>
        Assert.Equal([3, 4, 5], await ReplayAsync(Pid, 3, long.MaxValue, long.MaxValue));

    [Fact]
    public async Task Journal_should_replay_messages_using_an_upper_sequence_number_bound() =>
        Assert.Equal([1, 2, 3], await ReplayAsync(Pid, 1, 3, long.MaxValue));

    [Fact]
    public async Task Journal_should_replay_messages_using_a_count_limit() =>
        Assert.Equal([1, 2], await ReplayAsync(Pid, 1, long.MaxValue, 2));

    [Fact]
    public async Task Journal_should_replay_messages_using_lower_and_upper_bounds_and_a_count_limit() =>
        Assert.Equal([2, 3], await ReplayAsync(Pid, 2, 4, 2));

    [Fact]
    public async Task Journal_should_replay_a_single_message_if_lower_and_upper_bounds_are_equal() =>
        Assert.Equal([2], await ReplayAsync(Pid, 2, 2, long.MaxValue));

    [Fact]
    public async Task Journal_should_not_replay_messages_if_count_limit_is_zero() =>
        Assert.Empty(await ReplayAsync(Pid, 1, long.MaxValue, 0));

    [Fact]
    public async Task Journal_should_not_replay_messages_if_lower_bound_is_greater_than_upper_bound() =>
        Assert.Empty(await ReplayAsync(Pid, 3, 2, long.MaxValue));

    [Fact]
    public async Task Journal_should_not_replay_messages_for_an_unknown_persistence_id() =>
        Assert.Empty(await ReplayAsync("unknown", 1, long.MaxValue, long.MaxValue));

    [Fact]
    public void Journal_should_replay_exactly_the_requested_range_for_any_bounds_and_limit()
    {
        var gen =
            from lo in Gen.Choose(-1, 7)
            from hi in Gen.Choose(-1, 7)
            from max in Gen.Choose(-1, 7)
            select (lo, hi, max);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var expected = Enumerable.Range(1, 5).Where(s => s >= t.lo && s <= t.hi).Take(Math.Max(0, t.max)).Select(s => (long)s);
            return ReplayAsync(Pid, t.lo, t.hi, t.max).GetAwaiter().GetResult().SequenceEqual(expected);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public async Task Journal_should_return_zero_as_highest_sequence_number_for_an_unknown_id() =>
        Assert.Equal(0, await Journal.ReadHighestSequenceNrAsync("unknown"));

    [Fact]
    public async Task Journal_should_return_the_highest_sequence_number() =>
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(Pid));

    [Fact]
    public async Task Journal_should_not_replay_permanently_deleted_messages()
    {
        await Journal.DeleteMessagesToAsync(Pid, 3);
        Assert.Equal([4, 5], await ReplayAsync(Pid, 1, long.MaxValue, long.MaxValue));
    }

    [Fact]
    public async Task Journal_should_keep_the_highest_sequence_number_after_deleting_all_messages()
    {
        await Journal.DeleteMessagesToAsync(Pid, 5);
        Assert.Empty(await ReplayAsync(Pid, 1, long.MaxValue, long.MaxValue));
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(Pid));
        await WriteAsync(Pid, 6, 6);
        Assert.Equal([6], await ReplayAsync(Pid, 1, long.MaxValue, long.MaxValue));
    }

    [Fact]
    public async Task Journal_should_write_an_atomic_batch_all_or_nothing()
    {
        var good = new AtomicWrite([new Persistent(new Evt("q-1"), "q", 1, []), new Persistent(new Evt("q-2"), "q", 2, [])]);
        // 6 and 7 are new, 3 already exists: the whole batch must be rejected.
        var bad = new AtomicWrite([new Persistent(new Evt("p-1-6"), Pid, 6, []), new Persistent(new Evt("p-1-7"), Pid, 7, []), new Persistent(new Evt("dup"), Pid, 3, [])]);
        var results = await Journal.WriteMessagesAsync([good, bad]);
        Assert.Null(results[0]);
        Assert.NotNull(results[1]);
        Assert.Equal([1, 2, 3, 4, 5], await ReplayAsync(Pid, 1, long.MaxValue, long.MaxValue));
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(Pid));
        var q = new List<long>();
        await Journal.ReplayMessagesAsync("q", 1, long.MaxValue, long.MaxValue, p => q.Add(p.SequenceNr));
        Assert.Equal([1, 2], q);
    }

    [Fact]
    public async Task Journal_should_accept_concurrent_writers_to_different_persistence_ids()
    {
        var tasks = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var s = 1; s <= 25; s++)
            {
                var r = await Journal.WriteMessagesAsync([new AtomicWrite([new Persistent(new Evt($"w{w}-{s}"), $"w{w}", s, ["all"])])]);
                Assert.Null(r[0]);
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        for (var w = 0; w < 8; w++)
        {
            Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), await ReplayAsync($"w{w}", 1, long.MaxValue, long.MaxValue));
        }
        var all = await Journal.EventsByTagAsync("all", 0, 1000);
        Assert.Equal(200, all.Count);
        var orderings = all.Select(e => ((Sequence)e.Offset).Value).ToList();
        Assert.Equal(orderings.Order(), orderings);
        Assert.Equal(orderings.Count, orderings.Distinct().Count());
    }

    [Fact]
    public async Task Journal_should_write_a_large_batch_in_one_call()
    {
        var events = Enumerable.Range(1, 500).Select(s => new Persistent(new Evt($"big-{s}"), "big", s, ["t"])).ToList();
        var r = await Journal.WriteMessagesAsync([new AtomicWrite(events)]);
        Assert.Null(r[0]);
        Assert.Equal(500, (await ReplayAsync("big", 1, long.MaxValue, long.MaxValue)).Count);
        Assert.Equal(500, await Journal.ReadHighestSequenceNrAsync("big"));
    }

    [Fact]
    public async Task Journal_should_store_the_tags_of_tagged_events()
    {
        var r = await Journal.WriteMessagesAsync([new AtomicWrite([new Persistent(new Tagged(new Evt("t-1"), ["red", "blue"]), "t", 1, [])])]);
        Assert.Null(r[0]);
        var red = await Journal.EventsByTagAsync("red", 0, 10);
        var e = Assert.Single(red);
        Assert.Equal(new Evt("t-1"), e.Event);
        Assert.Equal(["red", "blue"], e.Tags);
        Assert.NotEqual(0, e.Timestamp);
        Assert.Empty(await Journal.EventsByTagAsync("re", 0, 10));
    }

    [Fact]
    public async Task Journal_should_name_persistence_id_and_sequence_number_of_an_undeserializable_row()
    {
        var journal = await factory.CreateJournalAsync(new PoisonSerializer());
        await journal.WriteMessagesAsync([new AtomicWrite([new Persistent(new Evt("ok"), "x", 1, []), new Persistent(new Poison("bad"), "x", 2, [])])]);
        var ex = await Assert.ThrowsAsync<PersistenceReplayException>(() => journal.ReplayMessagesAsync("x", 1, long.MaxValue, long.MaxValue, _ => { }));
        Assert.Equal("x", ex.PersistenceId);
        Assert.Equal(2, ex.SequenceNr);
    }

    [Fact]
    public async Task Query_current_events_by_tag_should_use_exclusive_offsets_and_complete()
    {
        await WriteAsync("a", 1, 3, "tag");
        await WriteAsync("b", 1, 2, "tag", "other");
        var rj = new ReadJournal(Journal, TimeSpan.FromMilliseconds(20), maxBufferSize: 2);
        var all = await rj.CurrentEventsByTag("tag").ToListAsync();
        Assert.Equal(5, all.Count);
        Assert.Equal(["a", "a", "a", "b", "b"], all.Select(e => e.PersistenceId));
        var afterThird = await rj.CurrentEventsByTag("tag", all[2].Offset).ToListAsync();
        static (long, string, long) Key(EventEnvelope e) => (((Sequence)e.Offset).Value, e.PersistenceId, e.SequenceNr);
        Assert.Equal(all.Skip(3).Select(Key), afterThird.Select(Key));
        Assert.Empty(await rj.CurrentEventsByTag("tag", all[^1].Offset).ToListAsync());
        Assert.Equal(all.Skip(3).Select(Key), (await rj.CurrentEventsByTag("other").ToListAsync()).Select(Key));
    }

    [Fact]
    public async Task Query_current_events_by_persistence_id_should_return_the_range_and_complete()
    {
        var rj = new ReadJournal(Journal, TimeSpan.FromMilliseconds(20), maxBufferSize: 2);
        var events = await rj.CurrentEventsByPersistenceId(Pid, 2, 4).ToListAsync();
        Assert.Equal([2L, 3L, 4L], events.Select(e => e.SequenceNr));
        Assert.Equal(new Evt("p-1-3"), events[1].Event);
        Assert.Equal(5, (await rj.CurrentEventsByPersistenceId(Pid).ToListAsync()).Count);
    }

    [Fact]
    public async Task Query_live_events_by_tag_should_deliver_events_written_later()
    {
        var rj = new ReadJournal(Journal, TimeSpan.FromMilliseconds(20));
        await WriteAsync("live", 1, 2, "live");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<EventEnvelope>();
        await foreach (var e in rj.EventsByTag("live", NoOffset.Instance, cts.Token))
        {
            seen.Add(e);
            if (seen.Count == 2)
            {
                await WriteAsync("live", 3, 4, "live");
            }
            if (seen.Count == 4)
            {
                break;
            }
        }
        Assert.Equal([1L, 2L, 3L, 4L], seen.Select(e => e.SequenceNr));
    }

    [Fact]
    public async Task Query_live_events_by_persistence_id_should_deliver_events_written_later_and_complete_at_the_upper_bound()
    {
        var rj = new ReadJournal(Journal, TimeSpan.FromMilliseconds(20));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<long>();
        await foreach (var e in rj.EventsByPersistenceId(Pid, 4, 7, cts.Token))
        {
            seen.Add(e.SequenceNr);
            if (e.SequenceNr == 5)
            {
                await WriteAsync(Pid, 6, 8);
            }
        }
        Assert.Equal([4L, 5L, 6L, 7L], seen);
    }

    [Fact]
    public async Task Projection_should_resume_after_the_stored_offset()
    {
        await WriteAsync("proj", 1, 3, "p");
        var rj = new ReadJournal(Journal, TimeSpan.FromMilliseconds(20));
        var store = new InMemoryOffsetStore();
        var handled = new List<long>();
        Assert.Equal(3, await Projection.RunAsync(rj, "view", "p", store, e => { handled.Add(e.SequenceNr); return Task.CompletedTask; }));
        await WriteAsync("proj", 4, 5, "p");
        Assert.Equal(2, await Projection.RunAsync(rj, "view", "p", store, e => { handled.Add(e.SequenceNr); return Task.CompletedTask; }));
        Assert.Equal([1L, 2L, 3L, 4L, 5L], handled);
    }
}

/// <summary>The snapshot store contract (Akka TCK SnapshotStoreSpec).</summary>
public abstract class SnapshotStoreSpec(IStoreFactory factory) : IAsyncLifetime
{
    private const string Pid = "s-1";
    private ISnapshotStore _store = null!;
    private readonly List<SnapshotMetadata> _saved = [];

    public async Task InitializeAsync()
    {
        _store = await factory.CreateSnapshotStoreAsync();
        for (var s = 1; s <= 5; s++)
        {
            var meta = new SnapshotMetadata(Pid, s * 10, 1000 + s);
            await _store.SaveAsync(meta, $"state-{s}");
            _saved.Add(meta);
        }
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task SnapshotStore_should_not_load_a_snapshot_for_an_unknown_id() =>
        Assert.Null(await _store.LoadAsync("unknown", SnapshotSelectionCriteria.Latest));

    [Fact]
    public async Task SnapshotStore_should_load_the_latest_snapshot()
    {
        var s = await _store.LoadAsync(Pid, SnapshotSelectionCriteria.Latest);
        Assert.NotNull(s);
        Assert.Equal(_saved[4], s.Metadata);
        Assert.Equal("state-5", s.Snapshot);
    }

    [Fact]
    public async Task SnapshotStore_should_load_the_latest_snapshot_matching_a_max_sequence_number()
    {
        var s = await _store.LoadAsync(Pid, new SnapshotSelectionCriteria(35));
        Assert.Equal(_saved[2], s?.Metadata);
    }

    [Fact]
    public async Task SnapshotStore_should_load_the_latest_snapshot_matching_a_max_timestamp()
    {
        var s = await _store.LoadAsync(Pid, new SnapshotSelectionCriteria(long.MaxValue, 1002));
        Assert.Equal(_saved[1], s?.Metadata);
        Assert.Null(await _store.LoadAsync(Pid, new SnapshotSelectionCriteria(long.MaxValue, 1000)));
    }

    [Fact]
    public async Task SnapshotStore_should_delete_a_single_snapshot()
    {
        await _store.DeleteAsync(_saved[4]);
        Assert.Equal(_saved[3], (await _store.LoadAsync(Pid, SnapshotSelectionCriteria.Latest))?.Metadata);
    }

    [Fact]
    public async Task SnapshotStore_should_delete_all_snapshots_matching_criteria()
    {
        await _store.DeleteAsync(Pid, new SnapshotSelectionCriteria(40));
        Assert.Null(await _store.LoadAsync(Pid, new SnapshotSelectionCriteria(40)));
        Assert.Equal(_saved[4], (await _store.LoadAsync(Pid, SnapshotSelectionCriteria.Latest))?.Metadata);
    }

    [Fact]
    public async Task SnapshotStore_should_overwrite_a_snapshot_with_the_same_sequence_number()
    {
        await _store.SaveAsync(_saved[4], "replaced");
        Assert.Equal("replaced", (await _store.LoadAsync(Pid, SnapshotSelectionCriteria.Latest))?.Snapshot);
    }

    [Fact]
    public async Task SnapshotStore_should_save_and_load_a_large_snapshot()
    {
        var text = new string('x', 4 * 1024 * 1024);
        await _store.SaveAsync(new SnapshotMetadata("large", 1, 1), new BigState(text));
        var s = await _store.LoadAsync("large", SnapshotSelectionCriteria.Latest);
        Assert.Equal(new BigState(text), s?.Snapshot);
    }
}
