using MarketSim.Actors;
using Xunit.Abstractions;

namespace MarketSim.Persistence.Tests;

public sealed record Add(string Value);

public sealed record AddMany(string[] Values);

public sealed record GetState;

public sealed record State(string Joined, long LastSequenceNr);

public sealed record TakeSnapshot;

public sealed record DeleteTo(long SequenceNr);

public sealed record Recovered(string Joined, long LastSequenceNr, long SnapshotSequenceNr);

public sealed record RecoveryFailed(string Message);

public sealed record PersistFailed(string Message, long SequenceNr);

public sealed record Persisted(string Value, long SequenceNr);

/// <summary>Keeps a list of strings; reports recovery and failures to <paramref name="probe"/>.</summary>
public sealed class ListActor : ReceivePersistentActor
{
    private readonly IActorRef _probe;
    private readonly int _snapshotEvery;
    private List<string> _items = [];

    public ListActor(string persistenceId, IActorRef probe, int snapshotEvery = 0)
    {
        PersistenceId = persistenceId;
        _probe = probe;
        _snapshotEvery = snapshotEvery;
        Recover<SnapshotOffer>(o => _items = [.. ((string)o.Snapshot).Split(',', StringSplitOptions.RemoveEmptyEntries)]);
        Recover<Evt>(e => _items.Add(e.Value));
        Recover<RecoveryCompleted>(_ => _probe.Tell(new Recovered(string.Join(",", _items), LastSequenceNr, SnapshotSequenceNr)));
        Command<Add>(a => Persist(new Evt(a.Value), e =>
        {
            _items.Add(e.Value);
            Sender.Tell(new Persisted(e.Value, LastSequenceNr));
        }));
        Command<AddMany>(a => PersistAll(a.Values.Select(v => new Evt(v)), e =>
        {
            _items.Add(e.Value);
            Sender.Tell(new Persisted(e.Value, LastSequenceNr));
        }));
        Command<GetState>(_ => Sender.Tell(new State(string.Join(",", _items), LastSequenceNr)));
        Command<TakeSnapshot>(_ => SaveSnapshot(string.Join(",", _items)));
        Command<SaveSnapshotSuccess>(s => _probe.Tell(s));
        Command<DeleteTo>(d => DeleteMessages(d.SequenceNr));
        Command<DeleteMessagesSuccess>(s => _probe.Tell(s));
    }

    public override string PersistenceId { get; }

    protected override int SnapshotEvery => _snapshotEvery;

    protected override object? GetSnapshotState() => string.Join(",", _items);

    protected override void OnRecoveryFailure(Exception reason, object? message = null) => _probe.Tell(new RecoveryFailed(reason.Message));

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) => _probe.Tell(new PersistFailed(cause.Message, sequenceNr));
}

/// <summary>Persistent actor behaviour, written once for every provider.</summary>
public abstract class PersistentActorSpec(IStoreFactory factory, ITestOutputHelper output) : TestKit.TestKit(output: output), IAsyncLifetime
{
    private IJournal _journal = null!;
    private ISnapshotStore _store = null!;

    public async Task InitializeAsync()
    {
        _journal = await factory.CreateJournalAsync(new PoisonSerializer());
        _store = await factory.CreateSnapshotStoreAsync();
        Persistence.Register(Sys, new FailingJournal(_journal), _store);
    }

    public async Task DisposeAsync()
    {
        await Sys.Terminate();
        await factory.DisposeAsync();
    }

    private IActorRef Start(string pid, int snapshotEvery = 0)
    {
        var a = Sys.ActorOf(Props.Create(() => new ListActor(pid, TestActor, snapshotEvery)));
        Watch(a);
        return a;
    }

    private void StopAndWait(IActorRef a)
    {
        Sys.Stop(a);
        ExpectTerminated(a);
    }

    [Fact]
    public void PersistentActor_should_complete_recovery_for_a_fresh_id()
    {
        Start("fresh");
        ExpectMsg(new Recovered("", 0, 0));
    }

    [Fact]
    public void PersistentActor_should_recover_its_events_after_a_restart()
    {
        var a = Start("r");
        ExpectMsg<Recovered>();
        a.Tell(new Add("a"));
        a.Tell(new Add("b"));
        ExpectMsg(new Persisted("a", 1));
        ExpectMsg(new Persisted("b", 2));
        StopAndWait(a);
        var b = Start("r");
        ExpectMsg(new Recovered("a,b", 2, 0));
        b.Tell(new Add("c"));
        ExpectMsg(new Persisted("c", 3));
    }

    [Fact]
    public void PersistentActor_should_stash_commands_until_the_persist_handler_ran()
    {
        var a = Start("stash");
        a.Tell(new Add("x"));
        a.Tell(new GetState());
        a.Tell(new Add("y"));
        a.Tell(new GetState());
        ExpectMsg<Recovered>();
        ExpectMsg(new Persisted("x", 1));
        ExpectMsg(new State("x", 1));
        ExpectMsg(new Persisted("y", 2));
        ExpectMsg(new State("x,y", 2));
    }

    [Fact]
    public void PersistentActor_should_persist_all_events_in_order_and_atomically()
    {
        var a = Start("all");
        ExpectMsg<Recovered>();
        a.Tell(new AddMany(["1", "2", "3"]));
        a.Tell(new GetState());
        ExpectMsg(new Persisted("1", 1));
        ExpectMsg(new Persisted("2", 2));
        ExpectMsg(new Persisted("3", 3));
        ExpectMsg(new State("1,2,3", 3));
    }

    [Fact]
    public void PersistentActor_should_recover_from_a_snapshot_and_the_events_after_it()
    {
        var a = Start("snap");
        ExpectMsg<Recovered>();
        a.Tell(new AddMany(["a", "b"]));
        ExpectMsg<Persisted>();
        ExpectMsg<Persisted>();
        a.Tell(new TakeSnapshot());
        Assert.Equal(2, ExpectMsg<SaveSnapshotSuccess>().Metadata.SequenceNr);
        a.Tell(new Add("c"));
        ExpectMsg(new Persisted("c", 3));
        StopAndWait(a);
        Start("snap");
        ExpectMsg(new Recovered("a,b,c", 3, 2));
    }

    [Fact]
    public void PersistentActor_should_save_a_snapshot_every_n_events_when_configured()
    {
        var a = Start("every", snapshotEvery: 2);
        ExpectMsg<Recovered>();
        a.Tell(new AddMany(["a", "b", "c"]));
        var success = FishForMessage(m => m is SaveSnapshotSuccess);
        Assert.Equal(2, ((SaveSnapshotSuccess)success).Metadata.SequenceNr);
        StopAndWait(a);
        Start("every");
        ExpectMsg(new Recovered("a,b,c", 3, 2));
    }

    [Fact]
    public void PersistentActor_should_keep_its_sequence_numbers_after_deleting_messages()
    {
        var a = Start("del");
        ExpectMsg<Recovered>();
        a.Tell(new AddMany(["a", "b", "c"]));
        ReceiveN(3);
        a.Tell(new DeleteTo(3));
        ExpectMsg(new DeleteMessagesSuccess(3));
        StopAndWait(a);
        var b = Start("del");
        ExpectMsg(new Recovered("", 3, 0));
        b.Tell(new Add("d"));
        ExpectMsg(new Persisted("d", 4));
    }

    [Fact]
    public void PersistentActor_should_call_OnPersistFailure_and_stop_when_a_write_fails()
    {
        var a = Start("wf");
        ExpectMsg<Recovered>();
        a.Tell(new Add("ok"));
        ExpectMsg(new Persisted("ok", 1));
        a.Tell(new Add("fail"));
        a.Tell(new GetState());
        var failed = ExpectMsg<PersistFailed>();
        Assert.Equal(2, failed.SequenceNr);
        ExpectTerminated(a);
    }

    [Fact]
    public async Task PersistentActor_should_fail_recovery_on_a_gap_in_sequence_numbers()
    {
        var results = await _journal.WriteMessagesAsync([new AtomicWrite([new Persistent(new Evt("1"), "gap", 1, []), new Persistent(new Evt("2"), "gap", 2, []), new Persistent(new Evt("4"), "gap", 4, [])])]);
        Assert.Null(results[0]);
        var a = Start("gap");
        var failed = await ExpectMsgAsync<RecoveryFailed>();
        Assert.Contains("[gap]", failed.Message);
        Assert.Contains("sequence number 3", failed.Message);
        await ExpectTerminatedAsync(a);
    }

    [Fact]
    public async Task PersistentActor_should_fail_recovery_on_an_undeserializable_event()
    {
        var results = await _journal.WriteMessagesAsync([new AtomicWrite([new Persistent(new Evt("1"), "bad", 1, []), new Persistent(new Poison("2"), "bad", 2, [])])]);
        Assert.Null(results[0]);
        var a = Start("bad");
        var failed = await ExpectMsgAsync<RecoveryFailed>();
        Assert.Contains("[bad]", failed.Message);
        Assert.Contains("sequence number 2", failed.Message);
        await ExpectTerminatedAsync(a);
    }

    [Fact]
    public void PersistentActor_should_batch_writes_of_many_actors()
    {
        var actors = Enumerable.Range(0, 20).Select(i => Start($"many-{i}")).ToList();
        ReceiveN(20);
        for (var round = 0; round < 5; round++)
        {
            foreach (var a in actors)
            {
                a.Tell(new Add($"v{round}"));
            }
        }
        var persisted = ReceiveN(100).Cast<Persisted>().ToList();
        Assert.Equal(100, persisted.Count);
        foreach (var a in actors)
        {
            a.Tell(new GetState());
            ExpectMsg(new State("v0,v1,v2,v3,v4", 5));
        }
    }
}

public sealed class SqlitePersistentActorSpec(ITestOutputHelper output) : PersistentActorSpec(new SqliteStoreFactory(), output);

[Trait("Category", "Postgres")]
public sealed class PostgresPersistentActorSpec(ITestOutputHelper output) : PersistentActorSpec(new PostgresStoreFactory(), output);
