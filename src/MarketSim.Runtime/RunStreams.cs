using System.Collections.Concurrent;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Persistence;
using MarketSim.Journal.Akka;
using MarketSim.Simulation.Journal;

namespace MarketSim.Runtime;

/// <summary>
/// What every persistent actor of one run shares: where the journal is (for messages) and where a stream reports the
/// failure that stops it (a damaged row, a gap, a failed write, a replay that differs), so that the coordinator and the
/// supervisor can name it when the actor's <see cref="Terminated"/> arrives.
/// </summary>
internal sealed class RunStreams(string location, int recordsPerWrite = 1)
{
    /// <summary>How many records a stream gathers into one write (<see cref="RunStreamActor.RecordsPerWrite"/>).</summary>
    public int RecordsPerWrite { get; } = Math.Max(1, recordsPerWrite);

    /// <summary>Where the journal lives: journal.db's path or <c>postgres:schema</c>.</summary>
    public string Location { get; } = location;

    /// <summary>The failure of each stream that stopped, by persistence id.</summary>
    public ConcurrentDictionary<string, Exception> Failures { get; } = new(StringComparer.Ordinal);

    /// <summary>The recorded failure of <paramref name="persistenceId"/>, if any.</summary>
    public Exception? FailureOf(string persistenceId) => Failures.TryGetValue(persistenceId, out var e) ? e : null;
}

/// <summary>A stream's journal cannot be used: damaged, with a gap, not written, or not what the replay makes.</summary>
internal sealed class JournalStreamException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One score stream (docs/journal.md), owned by a persistent actor on Akka.Persistence.Sql. Recovery is Akka's: the
/// stored events of the persistence id are replayed into the actor, which checks that their sequence numbers have no
/// gap and keeps a SHA-256 digest of each. A run (fresh or resumed) then plays from its start, deterministically: each
/// event the actor records with a sequence number the journal already holds is compared with the stored one instead of
/// being written — a difference stops the run naming the persistence id and sequence number — and every later event is
/// persisted with <c>PersistAllAsync</c>, stamped with its virtual time (<see cref="Stamped"/>). So a stream is always
/// a prefix of the scenario's canonical stream, whatever moment a crash hit, and a resumed run never appends after a
/// gap or a damaged row. Recording never waits for the database: <see cref="Record"/> runs its continuation once the
/// events are stored, and the coordinator bounds how far the run may get ahead of its journal.
/// </summary>
internal abstract class RunStreamActor : ReceivePersistentActor
{
    private readonly RunStreams _streams;
    private readonly List<Stamped> _pending = [];
    private readonly List<Action> _pendingCallbacks = [];
    private List<byte[]>? _stored = [];
    private long _storedCount;
    private long _recorded;
    private int _pendingRecords;

    protected RunStreamActor(string persistenceId, RunStreams streams, int recordsPerWrite = 1)
    {
        PersistenceId = persistenceId;
        _streams = streams;
        RecordsPerWrite = Math.Max(1, recordsPerWrite);
        Recover<ScoreEvent>(OnRecover);
        Recover<RecoveryCompleted>(_ => OnRecovered(_storedCount));
        Command<FlushStream>(_ =>
        {
            var to = Sender;
            WritePending();
            AfterStored(() => to.Tell(new Flushed(PersistenceId, Unverified), Self));
        });
    }

    /// <inheritdoc/>
    public override string PersistenceId { get; }

    /// <summary>
    /// How many <see cref="Record"/> calls are gathered into one write (one <c>PersistAllAsync</c>, one database round
    /// trip): fewer, larger writes cost the journal plugin far less than one per interval. The coordinator's window
    /// (<see cref="CoordinatorContext.JournalWindow"/>) must exceed it, or the run would wait for records never written.
    /// </summary>
    protected int RecordsPerWrite { get; }

    /// <summary>Events recorded so far (verified against the journal or persisted).</summary>
    protected long RecordedEvents => _recorded;

    /// <summary>Stored events the replay has not reached yet.</summary>
    protected long Unverified => _storedCount - _recorded;

    /// <summary>Where the journal lives (for messages).</summary>
    protected string Location => _streams.Location;

    /// <summary>Called once recovery is over, with the number of events the journal held: tells the parent (<see cref="StreamReady"/>).</summary>
    protected virtual void OnRecovered(long storedEvents) => Context.Parent.Tell(new StreamReady(PersistenceId, storedEvents), Self);

    /// <summary>The replay has reached the last stored event: from now on events are written. Tells the parent (<see cref="CaughtUp"/>).</summary>
    protected virtual void OnCaughtUp() => Context.Parent.Tell(new CaughtUp(PersistenceId), Self);

    /// <summary>
    /// Records <paramref name="events"/> (in order) at virtual time <paramref name="ticks"/>: verified against the journal
    /// where it already holds them, persisted after. <paramref name="stored"/> runs once all of them are in the journal.
    /// </summary>
    protected void Record(IReadOnlyList<ScoreEvent> events, long ticks, Action? stored = null)
    {
        List<Stamped>? fresh = null;
        foreach (var e in events)
        {
            var seq = ++_recorded;
            if (seq <= _storedCount)
            {
                var digest = SHA256.HashData(ScoreEventSerializer.Serialize(e));
                if (!digest.AsSpan().SequenceEqual(_stored![(int)(seq - 1)]))
                {
                    throw Fail(new JournalStreamException($"journal {Location}: {PersistenceId} #{seq} ({ScoreEventSerializer.ManifestOf(e)}) differs from what the replay makes: the stored run was made by another scenario, seed or build; nothing was written (start a new run)"));
                }

                if (seq == _storedCount)
                {
                    _stored = null;
                    OnCaughtUp();
                }

                continue;
            }

            (fresh ??= []).Add(Stamped.Of(e, ticks));
        }

        if (fresh is not null)
        {
            _pending.AddRange(fresh);
        }

        if (stored is not null)
        {
            _pendingCallbacks.Add(stored);
        }

        if (++_pendingRecords >= RecordsPerWrite)
        {
            WritePending();
        }
    }

    /// <summary>Writes the gathered records now (one <c>PersistAllAsync</c>) and runs their continuations once stored.</summary>
    protected void WritePending()
    {
        _pendingRecords = 0;
        if (_pending.Count > 0)
        {
            PersistAllAsync([.. _pending], _ => { });
            _pending.Clear();
        }

        if (_pendingCallbacks.Count > 0)
        {
            var callbacks = _pendingCallbacks.ToArray();
            _pendingCallbacks.Clear();
            DeferAsync(callbacks.Length, _ =>
            {
                foreach (var c in callbacks)
                {
                    c();
                }
            });
        }
    }

    /// <summary>Runs <paramref name="then"/> once everything recorded so far is in the journal (gathered records are written first).</summary>
    protected void AfterStored(Action then)
    {
        WritePending();
        DeferAsync(0, _ => then());
    }

    /// <inheritdoc/>
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        var cause = reason is JournalStreamException ? reason : new JournalStreamException(
            $"journal {Location}: {PersistenceId} #{LastSequenceNr + 1} cannot be read ({QueryJournalReader.Describe(reason)}); the stored events are kept as they are, and the run cannot be resumed past a damaged row",
            reason);
        Fail(cause);
        base.OnRecoveryFailure(reason, message);
    }

    /// <inheritdoc/>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Fail(new JournalStreamException($"journal {Location}: writing {PersistenceId} #{sequenceNr} failed: {QueryJournalReader.Describe(cause)}", cause));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <inheritdoc/>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        Fail(new JournalStreamException($"journal {Location}: {PersistenceId} #{sequenceNr} was rejected: {QueryJournalReader.Describe(cause)}", cause));
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    /// <summary>Remembers <paramref name="e"/> as this stream's failure and returns it (to throw).</summary>
    protected Exception Fail(Exception e)
    {
        _streams.Failures.TryAdd(PersistenceId, e);
        return e;
    }

    private void OnRecover(ScoreEvent e)
    {
        var expected = _storedCount + 1;
        if (LastSequenceNr != expected)
        {
            throw Fail(new JournalStreamException($"journal {Location}: {PersistenceId} jumps from #{_storedCount} to #{LastSequenceNr}: rows are missing, and a resumed run never appends after a gap (the stored events are kept as they are)"));
        }

        _stored!.Add(SHA256.HashData(ScoreEventSerializer.Serialize(e)));
        _storedCount = expected;
    }
}

/// <summary>Coordinator → a stream actor of its own (issuer, miner shards): record these events at this virtual time.</summary>
internal sealed record RecordEvents(IReadOnlyList<ScoreEvent> Events, long Ticks);

/// <summary>A stream → the coordinator: a step's events are in the journal.</summary>
internal sealed record Recorded(string PersistenceId);

/// <summary>A stream → the coordinator: its replay reached the last stored event; what it records from now on is new.</summary>
internal sealed record CaughtUp(string PersistenceId);

/// <summary>A stream → the coordinator: recovery is over; the journal held <see cref="StoredEvents"/> events of it.</summary>
internal sealed record StreamReady(string PersistenceId, long StoredEvents);

/// <summary>Coordinator → every stream at the end: answer <see cref="Flushed"/> once everything is in the journal.</summary>
internal sealed record FlushStream
{
    public static FlushStream Instance { get; } = new();
}

/// <summary>A stream → the coordinator: everything is stored; <see cref="Unverified"/> stored events were never reached by the replay.</summary>
internal sealed record Flushed(string PersistenceId, long Unverified);

/// <summary>
/// A stream the coordinator writes on behalf of the run (<c>issuer</c>, <c>shard-n</c>): it records what it is sent.
/// </summary>
internal sealed class EventStreamActor : RunStreamActor
{
    public EventStreamActor(string persistenceId, RunStreams streams, int recordsPerWrite)
        : base(persistenceId, streams, recordsPerWrite)
    {
        Command<RecordEvents>(m =>
        {
            var parent = Context.Parent;
            Record(m.Events, m.Ticks, () => parent.Tell(new Recorded(PersistenceId), Self));
        });
    }

    public static Props Props(string persistenceId, RunStreams streams, int recordsPerWrite) => Akka.Actor.Props.Create(() => new EventStreamActor(persistenceId, streams, recordsPerWrite));
}
