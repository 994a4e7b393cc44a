using MarketSim.Actors;

namespace MarketSim.Persistence;

/// <summary>Offered to the recovery handlers before the events after it.</summary>
public sealed record SnapshotOffer(SnapshotMetadata Metadata, object Snapshot);

/// <summary>Always the last message of a recovery (also for a fresh id).</summary>
public sealed record RecoveryCompleted
{
    /// <summary>The instance.</summary>
    public static RecoveryCompleted Instance { get; } = new();
}

/// <summary>Reply to <c>SaveSnapshot</c>.</summary>
public sealed record SaveSnapshotSuccess(SnapshotMetadata Metadata);

/// <summary>Reply to <c>SaveSnapshot</c> when the store failed.</summary>
public sealed record SaveSnapshotFailure(SnapshotMetadata Metadata, Exception Cause);

/// <summary>Reply to <c>DeleteMessages</c>.</summary>
public sealed record DeleteMessagesSuccess(long ToSequenceNr);

/// <summary>Reply to <c>DeleteMessages</c> when the journal failed.</summary>
public sealed record DeleteMessagesFailure(Exception Cause, long ToSequenceNr);

/// <summary>Reply to <c>DeleteSnapshot</c>/<c>DeleteSnapshots</c>.</summary>
public sealed record DeleteSnapshotsSuccess(SnapshotSelectionCriteria Criteria);

/// <summary>Reply to <c>DeleteSnapshot</c>/<c>DeleteSnapshots</c> when the store failed.</summary>
public sealed record DeleteSnapshotsFailure(SnapshotSelectionCriteria Criteria, Exception Cause);

/// <summary>
/// An event-sourced actor with Akka's <c>ReceivePersistentActor</c> API: <see cref="Command{T}(Action{T})"/> handlers for
/// commands, <see cref="Recover{T}"/> handlers for replayed events, <see cref="Persist{T}"/>/<see cref="PersistAll{T}"/>
/// (incoming commands are stashed until the handlers ran). Recovery (snapshot offer, events, <see cref="RecoveryCompleted"/>)
/// starts in <see cref="PreStart"/>: an override must call <c>base.PreStart()</c>.
/// A failed write calls <see cref="OnPersistFailure"/> and stops the actor; a failed replay (a gap in sequence numbers,
/// an undeserializable row, a throwing handler) calls <see cref="OnRecoveryFailure"/> and stops the actor.
/// </summary>
public abstract class ReceivePersistentActor : ReceiveActor, IWithUnboundedStash
{
    private readonly List<Func<object, bool>> _recover = [];
    private readonly List<PendingWrite> _pending = [];
    private readonly Guid _incarnation = Guid.NewGuid();
    private Persistence? _persistence;
    private bool _recovering = true;
    private bool _writing;
    private long _nextSeq;
    private long _replayedLast;
    private bool _replayedAny;
    private long _eventsSinceSnapshot;

    private sealed record PendingWrite(IReadOnlyList<object> Events, Action<object> Handler);

    private sealed record Internal(Guid Incarnation, object Body);

    private sealed record SnapshotLoaded(SelectedSnapshot? Snapshot);

    private sealed record Replayed(Persistent Event);

    private sealed record ReplayDone(long Highest);

    private sealed record ReplayFailed(Exception Cause);

    private sealed record WriteDone(IReadOnlyList<PendingWrite> Writes, IReadOnlyList<AtomicWrite> Batches, IReadOnlyList<Exception?> Results);

    /// <summary>The replay key; stable and unique per entity.</summary>
    public abstract string PersistenceId { get; }

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>Sequence number of the last event persisted or replayed.</summary>
    public long LastSequenceNr { get; private set; }

    /// <summary>Sequence number of the snapshot recovery started from (0 if none).</summary>
    public long SnapshotSequenceNr { get; private set; }

    /// <summary>True until <see cref="RecoveryCompleted"/> was handled.</summary>
    public bool IsRecovering => _recovering;

    /// <summary>Snapshot criteria used for recovery (default: latest).</summary>
    protected virtual SnapshotSelectionCriteria RecoverySnapshotCriteria => SnapshotSelectionCriteria.Latest;

    /// <summary>Save a snapshot automatically every N persisted events (0 = off); default: <c>akka.persistence.snapshot-every</c>.
    /// The state comes from <see cref="GetSnapshotState"/>.</summary>
    protected virtual int SnapshotEvery => Extension.Settings.SnapshotEvery;

    /// <summary>The state to save when <see cref="SnapshotEvery"/> is on (null = do not save).</summary>
    protected virtual object? GetSnapshotState() => null;

    /// <summary>The journal in use.</summary>
    protected IJournal Journal => Extension.Journal;

    /// <summary>The snapshot store in use.</summary>
    protected ISnapshotStore SnapshotStore => Extension.SnapshotStore;

    private Persistence Extension => _persistence ??= Persistence.Get(Context.System);

    /// <summary>Register a command handler.</summary>
    protected void Command<T>(Action<T> handler, Predicate<T>? shouldHandle = null) => Receive(handler, shouldHandle);

    /// <summary>Register a command handler that reports whether it handled the message.</summary>
    protected void Command<T>(Func<T, bool> handler) => Receive(handler);

    /// <summary>Register a recovery handler (events, <see cref="SnapshotOffer"/>, <see cref="RecoveryCompleted"/>).</summary>
    protected void Recover<T>(Action<T> handler) => _recover.Add(m =>
    {
        if (m is T t)
        {
            handler(t);
            return true;
        }
        return false;
    });

    /// <summary>Persist one event; <paramref name="handler"/> runs after the write, commands are stashed meanwhile.</summary>
    protected void Persist<T>(T @event, Action<T> handler) where T : notnull =>
        _pending.Add(new PendingWrite([@event], e => handler((T)e)));

    /// <summary>Persist events atomically (one transaction); the handler runs once per event after the write.</summary>
    protected void PersistAll<T>(IEnumerable<T> events, Action<T> handler) where T : notnull
    {
        var list = events.Cast<object>().ToList();
        if (list.Count > 0)
        {
            _pending.Add(new PendingWrite(list, e => handler((T)e)));
        }
    }

    /// <summary>Save a snapshot at <see cref="LastSequenceNr"/>; replies <see cref="SaveSnapshotSuccess"/> or <see cref="SaveSnapshotFailure"/>.</summary>
    protected void SaveSnapshot(object snapshot)
    {
        var meta = new SnapshotMetadata(PersistenceId, LastSequenceNr, DateTime.UtcNow.Ticks);
        var self = Self;
        SnapshotStore.SaveAsync(meta, snapshot).ContinueWith(t => self.Tell(
            t.IsCompletedSuccessfully ? new SaveSnapshotSuccess(meta) : new SaveSnapshotFailure(meta, Cause(t)), ActorRefs.Nobody), TaskScheduler.Default);
    }

    /// <summary>Delete events up to <paramref name="toSequenceNr"/> (the highest sequence number is kept).</summary>
    protected void DeleteMessages(long toSequenceNr)
    {
        var self = Self;
        Journal.DeleteMessagesToAsync(PersistenceId, toSequenceNr).ContinueWith(t => self.Tell(
            t.IsCompletedSuccessfully ? new DeleteMessagesSuccess(toSequenceNr) : new DeleteMessagesFailure(Cause(t), toSequenceNr), ActorRefs.Nobody), TaskScheduler.Default);
    }

    /// <summary>Delete the snapshots matching <paramref name="criteria"/>.</summary>
    protected void DeleteSnapshots(SnapshotSelectionCriteria criteria)
    {
        var self = Self;
        SnapshotStore.DeleteAsync(PersistenceId, criteria).ContinueWith(t => self.Tell(
            t.IsCompletedSuccessfully ? new DeleteSnapshotsSuccess(criteria) : new DeleteSnapshotsFailure(criteria, Cause(t)), ActorRefs.Nobody), TaskScheduler.Default);
    }

    private static Exception Cause(Task t) => t.Exception?.InnerException ?? (Exception?)t.Exception ?? new TaskCanceledException();

    /// <summary>A write failed; the actor is stopped afterwards. Default: log at ERROR.</summary>
    protected virtual void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        Context.GetLogger().Error(cause, "Failed to persist event type [{0}] with sequence number [{1}] for persistenceId [{2}].", @event.GetType().Name, sequenceNr, PersistenceId);

    /// <summary>Recovery failed; the actor is stopped afterwards. Default: log at ERROR.</summary>
    protected virtual void OnRecoveryFailure(Exception reason, object? message = null) =>
        Context.GetLogger().Error(reason, "Persistence failure when replaying events for persistenceId [{0}]. Last known sequence number [{1}]", PersistenceId, LastSequenceNr);

    /// <inheritdoc />
    protected override void PreStart()
    {
        var self = Self;
        var id = _incarnation;
        var pid = PersistenceId;
        var journal = Journal;
        var store = SnapshotStore;
        var criteria = RecoverySnapshotCriteria;
        _ = Task.Run(async () =>
        {
            try
            {
                var snap = criteria.MaxSequenceNr <= 0 ? null : await store.LoadAsync(pid, criteria).ConfigureAwait(false);
                self.Tell(new Internal(id, new SnapshotLoaded(snap)), ActorRefs.Nobody);
                var from = (snap?.Metadata.SequenceNr ?? 0) + 1;
                await journal.ReplayMessagesAsync(pid, from, long.MaxValue, long.MaxValue,
                    p => self.Tell(new Internal(id, new Replayed(p)), ActorRefs.Nobody)).ConfigureAwait(false);
                var highest = await journal.ReadHighestSequenceNrAsync(pid).ConfigureAwait(false);
                self.Tell(new Internal(id, new ReplayDone(highest)), ActorRefs.Nobody);
            }
            catch (Exception e)
            {
                self.Tell(new Internal(id, new ReplayFailed(e)), ActorRefs.Nobody);
            }
        });
    }

    /// <inheritdoc />
    protected override bool AroundReceive(Receive receive, object message)
    {
        if (message is Internal i)
        {
            if (i.Incarnation == _incarnation)
            {
                if (_recovering)
                {
                    OnRecoveryMessage(i.Body);
                }
                else if (i.Body is WriteDone w)
                {
                    OnWriteDone(w);
                }
            }
            return true;
        }
        if (_recovering || _writing)
        {
            Stash.Stash();
            return true;
        }
        var handled = base.AroundReceive(receive, message);
        FlushPending();
        if (!_writing && Stash.Count > 0)
        {
            // A command that did not persist: the rest of the stash goes back in front of newer messages.
            Stash.UnstashAll();
        }
        return handled;
    }

    private void OnRecoveryMessage(object body)
    {
        try
        {
            switch (body)
            {
                case SnapshotLoaded { Snapshot: { } s }:
                    LastSequenceNr = SnapshotSequenceNr = _replayedLast = s.Metadata.SequenceNr;
                    RunRecover(new SnapshotOffer(s.Metadata, s.Snapshot));
                    break;
                case SnapshotLoaded:
                    break;
                case Replayed { Event: var p }:
                    if (_replayedAny && p.SequenceNr != _replayedLast + 1)
                    {
                        throw new PersistenceReplayException(PersistenceId, _replayedLast + 1, $"gap in sequence numbers: expected {_replayedLast + 1}, found {p.SequenceNr}");
                    }
                    _replayedAny = true;
                    _replayedLast = LastSequenceNr = p.SequenceNr;
                    try
                    {
                        RunRecover(p.Payload);
                    }
                    catch (Exception e) when (e is not PersistenceReplayException)
                    {
                        throw new PersistenceReplayException(PersistenceId, p.SequenceNr, $"recovery handler threw {e.GetType().Name}: {e.Message}", e);
                    }
                    break;
                case ReplayDone { Highest: var h }:
                    if (_replayedAny && h > _replayedLast)
                    {
                        throw new PersistenceReplayException(PersistenceId, _replayedLast + 1, $"events {_replayedLast + 1}..{h} are missing (highest sequence number {h})");
                    }
                    LastSequenceNr = _nextSeq = Math.Max(LastSequenceNr, h);
                    _recovering = false;
                    RunRecover(RecoveryCompleted.Instance);
                    Stash.UnstashAll();
                    break;
                case ReplayFailed { Cause: var e }:
                    throw e;
            }
        }
        catch (Exception e)
        {
            try
            {
                OnRecoveryFailure(e, body is Replayed r ? r.Event.Payload : null);
            }
            finally
            {
                Context.Stop(Self);
            }
        }
    }

    private void RunRecover(object message)
    {
        foreach (var h in _recover)
        {
            if (h(message))
            {
                return;
            }
        }
    }

    private void FlushPending()
    {
        if (_pending.Count == 0)
        {
            return;
        }
        var writes = _pending.ToList();
        _pending.Clear();
        var batches = new List<AtomicWrite>(writes.Count);
        foreach (var w in writes)
        {
            var tags = Array.Empty<string>();
            batches.Add(new AtomicWrite(w.Events.Select(e => new Persistent(e, PersistenceId, ++_nextSeq, tags)).ToList()));
        }
        _writing = true;
        var self = Self;
        var sender = Sender;
        var id = _incarnation;
        Journal.WriteMessagesAsync(batches).ContinueWith(t =>
        {
            var results = t.IsCompletedSuccessfully ? t.Result : batches.Select(_ => (Exception?)Cause(t)).ToList();
            self.Tell(new Internal(id, new WriteDone(writes, batches, results)), sender);
        }, TaskScheduler.Default);
    }

    private void OnWriteDone(WriteDone done)
    {
        for (var i = 0; i < done.Writes.Count; i++)
        {
            if (done.Results[i] is { } error)
            {
                var first = done.Batches[i].Payload[0];
                try
                {
                    OnPersistFailure(error, first.Payload, first.SequenceNr);
                }
                finally
                {
                    Context.Stop(Self);
                }
                return;
            }
            var events = done.Batches[i].Payload;
            for (var j = 0; j < events.Count; j++)
            {
                LastSequenceNr = events[j].SequenceNr;
                done.Writes[i].Handler(done.Writes[i].Events[j]);
                MaybeSnapshot();
            }
        }
        _writing = false;
        if (_pending.Count > 0)
        {
            FlushPending();
        }
        else if (Stash.Count > 0)
        {
            // As in Akka: one command at a time, so that a stream of persisting commands is not re-stashed over and over.
            Stash.Unstash();
        }
    }

    private void MaybeSnapshot()
    {
        var every = SnapshotEvery;
        if (every <= 0 || ++_eventsSinceSnapshot < every)
        {
            return;
        }
        _eventsSinceSnapshot = 0;
        if (GetSnapshotState() is { } state)
        {
            SaveSnapshot(state);
        }
    }
}
