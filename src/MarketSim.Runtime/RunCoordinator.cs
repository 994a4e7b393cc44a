using System.Globalization;
using Akka.Actor;
using Akka.Event;
using MarketSim.Journal.Akka;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Run;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Runtime;

/// <summary>How a run's coordinator finished.</summary>
/// <param name="State">complete, interrupted or failed.</param>
/// <param name="Intervals">Intervals fully played.</param>
/// <param name="LastInterval">Grid index of the last interval fully played (null before the first).</param>
/// <param name="VirtualTime">Virtual time reached.</param>
/// <param name="Predictions">Predictions made.</param>
/// <param name="Rejected">Answers rejected by validators (all validators together).</param>
/// <param name="Error">The failure, when failed.</param>
public sealed record CoordinatorResult(RunState State, long Intervals, long? LastInterval, DateTimeOffset? VirtualTime, long Predictions, long Rejected, Exception? Error);

/// <summary>
/// What a coordinator has played so far. Written only by the coordinator; read by its supervisor after the coordinator
/// stopped (DeathWatch orders the two), so a run that dies mid-interval still reports how far it got.
/// </summary>
internal sealed class RunTally
{
    public long IntervalsDone { get; set; }

    public long? LastDone { get; set; }

    public DateTimeOffset? LastDoneTime { get; set; }

    public long Predictions { get; set; }

    public long Rejected { get; set; }

    public CoordinatorResult Result(RunState state, Exception? error) => new(state, IntervalsDone, LastDone, LastDoneTime, Predictions, Rejected, error);
}

/// <summary>What a coordinator needs besides the scenario.</summary>
/// <param name="Streams">The run's journal (location) and the failures its streams report.</param>
/// <param name="ScenarioHocon">The resolved scenario for <see cref="RunStarted"/>.</param>
/// <param name="Cancellation">Stops the run between intervals.</param>
/// <param name="Progress">Called after every interval on the coordinator's thread.</param>
/// <param name="Warning">Called with each first rejection per miner and validator.</param>
/// <param name="Completion">Completed once with the result.</param>
internal sealed record CoordinatorContext(
    RunStreams Streams,
    string ScenarioHocon,
    CancellationToken Cancellation,
    Action<RunProgress>? Progress,
    Action<string>? Warning,
    TaskCompletionSource<CoordinatorResult> Completion)
{
    /// <summary>The world, when the caller made it already (else <see cref="RunWorlds.Create"/>).</summary>
    public IRunWorld? World { get; init; }

    /// <summary>How far the run got (shared with the supervisor, see <see cref="RunTally"/>).</summary>
    public RunTally Tally { get; } = new();

    /// <summary>Makes the run's shard, validator and market-maker actors (tests put probes here).</summary>
    public IRunParts Parts { get; init; } = RunParts.Default;

    /// <summary>The dispatcher the miner shards run on (its thread count is the run's parallelism).</summary>
    public string? ShardDispatcher { get; init; }

    /// <summary>Called on the coordinator's thread once every stream has recovered (the journal's tables exist), before the first write.</summary>
    public Action? JournalReady { get; init; }

    /// <summary>True for <c>run --resume</c>: the journal may hold the run's first events (else it must be empty).</summary>
    public bool Resume { get; init; }

    /// <summary>How many intervals the run may play ahead of its journal's writes before it waits for them.</summary>
    public int JournalWindow { get; init; } = 32;

    /// <summary>How long one step (a shard's batch, a validator's ack, a quote) may take before the run fails.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// The coordinator of one run (a child of <see cref="RunSupervisor"/>) and the owner of the <c>run</c> stream: owns
/// the event issuer and plays the interval grid with a barrier per interval. At start it makes its children — miner
/// shards, validators, market maker, and the stream actors of <c>issuer</c> and <c>shard-n</c> — and waits until every
/// persistent one has recovered (a damaged or gapped journal fails the run before anything is written). Per interval k
/// at time t = epoch + k·L: (1) issue the events due at t (EventIssued to the issuer stream); (2) with a market maker,
/// ask it for quotes; (3) IntervalOpened(k, t, open events) to every miner shard and wait for one batch per shard;
/// (4) record each batch on its shard's stream; (5) resolve the events due at t (EventResolved) and, with a market
/// maker, let it trade and settle (it records MarketSettled itself); (6) one ValidatorStep to every validator (each
/// records its own score events) and wait for every ack; (7) report progress and go on to k + 1. Journal writes run
/// behind the play: each stream confirms its records (<see cref="Recorded"/>), and the coordinator waits before an
/// interval when more than <see cref="CoordinatorContext.JournalWindow"/> intervals' records are unconfirmed, and at
/// the end until every stream has flushed. Every stream's contents are in canonical order, so the journal depends
/// neither on Akka's thread interleaving nor on the number of workers. A child that throws or whose stream fails is
/// stopped and the run fails naming it (DeathWatch); a late or duplicate batch is dropped; a step that takes longer
/// than the step timeout fails the run. Messages sent are never mutated afterwards: each interval builds fresh arrays.
/// </summary>
internal sealed class RunCoordinator : RunStreamActor, IWithTimers
{
    private const string StepTimer = "step";

    private readonly Scenario _scenario;
    private readonly CoordinatorContext _ctx;
    private readonly RunTally _tally;
    private readonly IRunWorld _issuer;
    private readonly List<IActorRef> _shards = [];
    private readonly List<IActorRef> _validators = [];
    private readonly List<IActorRef> _streamActors = [];
    private readonly Dictionary<IActorRef, string> _names = [];
    private readonly Dictionary<IActorRef, Exception> _failures = [];
    private readonly HashSet<string> _replaying = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _unreplayed = new(StringComparer.Ordinal);
    private readonly List<long> _openIds = [];
    private readonly List<sbyte> _openChi = [];
    private readonly List<double> _openPrices = [];
    private readonly long _firstInterval;
    private IActorRef? _issuerStream;
    private IActorRef[] _shardStreams = [];
    private PredictionBatch?[] _batches = [];
    private List<PredictionBatch> _batchesNow = [];
    private ValidatorStepDone?[] _acks = [];
    private IActorRef? _marketMaker;
    private int _pendingShards;
    private int _pendingValidators;
    private int _pendingReady;
    private int _pendingFlush;
    private long _inFlight;
    private long _maxInFlight;
    private long _unverified;
    private long _interval;
    private DateTimeOffset _now;
    private List<IssuedEvent> _issuedNow = [];
    private List<ResolvedEvent> _resolvedNow = [];
    private bool _finished;

    public RunCoordinator(Scenario scenario, CoordinatorContext context)
        : base(JournalIds.Run, context.Streams)
    {
        _scenario = scenario;
        _ctx = context;
        _tally = context.Tally;
        _issuer = context.World ?? RunWorlds.Create(scenario);
        var t = scenario.Timeline;
        _firstInterval = t.IntervalIndex(_issuer.FirstIssue);
        var end = t.IntervalIndex(_issuer.LastResolution);
        var last = t.Epoch + TimeSpan.FromTicks(end * t.IntervalLength.Ticks) < _issuer.LastResolution ? end + 1 : end;
        TotalIntervals = last - _firstInterval + 1;
        _interval = _firstInterval - 1;
        Command<StartRun>(_ => Start());
        Common();
    }

    /// <summary>Grid intervals from the first issue to the last resolution, inclusive.</summary>
    public long TotalIntervals { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The coordinator of <paramref name="scenario"/>; send it <see cref="StartRun"/> to play.</summary>
    public static Props Props(Scenario scenario, CoordinatorContext context) =>
        Akka.Actor.Props.Create(() => new RunCoordinator(scenario, context));

    /// <summary>A failing child is stopped (never restarted: its state is part of the run) and remembered for <see cref="Terminated"/>.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new StopAndRecord((child, cause) => _failures[child] = cause);

    protected override void OnRecovered(long storedEvents) => NoteStored(JournalIds.Run, storedEvents);

    private void Start()
    {
        var s = _scenario;
        for (var shard = 0; shard < s.ShardCount; shard++)
        {
            var first = shard * s.ShardSize;
            var count = Math.Min(s.ShardSize, s.MinerCount - first);
            var name = JournalIds.Shard(shard);
            Adopt(_ctx.Parts.Shard(Context, _issuer.CreateShard(shard, first, count), name, _ctx.ShardDispatcher), name, _shards);
        }

        _issuerStream = Stream(JournalIds.Issuer);
        if (s.Outputs.RecordPredictions)
        {
            _shardStreams = [.. Enumerable.Range(0, s.ShardCount).Select(i => Stream(JournalIds.Shard(i)))];
        }

        for (var v = 0; v < s.Validators.Count; v++)
        {
            var state = new ValidatorState(s.Validators[v], s.MinerCount, s.Timeline, s.Outputs.RecordIntervalScores);
            var name = "validator-" + v.ToString(CultureInfo.InvariantCulture);
            var pid = JournalIds.Validator(state.Name);
            _streamActors.Add(Adopt(_ctx.Parts.Validator(Context, v, state, name, pid, _ctx.Streams), pid, _validators));
        }

        switch (s.MarketMaker.EffectiveKind(s.World.Kind))
        {
            case "lmsr":
                _marketMaker = Adopt(_ctx.Parts.MarketMaker(Context, new RunMarketMaker(s, null), "marketmaker", _ctx.Streams), JournalIds.MarketMaker, null);
                break;
            case "replay":
                _marketMaker = Adopt(_ctx.Parts.MarketMaker(Context, new RunMarketMaker(s, _issuer), "marketmaker", _ctx.Streams), JournalIds.MarketMaker, null);
                break;
        }

        if (_marketMaker is not null)
        {
            _streamActors.Add(_marketMaker);
        }

        // The issuer may record twice per interval (issues, resolutions); a stream holds fewer than RecordsPerWrite records
        // unwritten, so the window must leave room for those on every stream, or the run would wait for writes never made.
        var streams = 1 + _shardStreams.Length + _validators.Count + (_marketMaker is null ? 0 : 1);
        _maxInFlight = (long)Math.Max(2 * _ctx.Streams.RecordsPerWrite, _ctx.JournalWindow) * streams;
        _batches = new PredictionBatch?[s.ShardCount];
        _acks = new ValidatorStepDone?[_validators.Count];

        // Every stream recovers before the first interval: a damaged or gapped journal fails the run before anything is written.
        _pendingReady = _streamActors.Count;
        Become(() =>
        {
            Command<StreamReady>(r =>
            {
                NoteStored(r.PersistenceId, r.StoredEvents);
                if (--_pendingReady == 0 && !_finished)
                {
                    Begin();
                }
            });
            Common();
        });
        Arm("the journal's recovery");
        if (_pendingReady == 0)
        {
            Begin();
        }
    }

    private IActorRef Stream(string persistenceId)
    {
        var child = Context.ActorOf(EventStreamActor.Props(persistenceId, _ctx.Streams, _ctx.Streams.RecordsPerWrite), "stream-" + persistenceId);
        _streamActors.Add(Adopt(child, persistenceId, null));
        return child;
    }

    private void NoteStored(string persistenceId, long stored)
    {
        if (stored == 0)
        {
            return;
        }

        if (!_ctx.Resume)
        {
            Finish(RunState.Failed, new InvalidOperationException($"{_ctx.Streams.Location} already holds a journal ({persistenceId} has {stored} events); a new run needs an empty one (use --resume to continue it, or another schema)"));
            return;
        }

        _replaying.Add(persistenceId);
        _unreplayed[persistenceId] = stored;
    }

    private void Begin()
    {
        try
        {
            _ctx.JournalReady?.Invoke();
        }
        catch (IOException e)
        {
            Finish(RunState.Failed, e);
            return;
        }

        var s = _scenario;
        var start = s.Timeline.Epoch + TimeSpan.FromTicks(_firstInterval * s.Timeline.IntervalLength.Ticks);
        RecordOwn(new RunStarted(s.Name, s.Seed, s.MinerCount, s.Validators.Count, _issuer.TotalEvents, _ctx.ScenarioHocon), start);
        Between();
    }

    private IActorRef Adopt(IActorRef child, string name, List<IActorRef>? list)
    {
        Context.Watch(child);
        _names[child] = name;
        list?.Add(child);
        return child;
    }

    // ---- the journal ------------------------------------------------------------------------------------------------

    private void RecordOwn(ScoreEvent e, DateTimeOffset at)
    {
        _inFlight++;
        var self = Self;
        Record([e], at.UtcTicks, () => self.Tell(new Recorded(PersistenceId), self));
    }

    private void RecordOn(IActorRef stream, IReadOnlyList<ScoreEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        _inFlight++;
        stream.Tell(new RecordEvents(events, _now.UtcTicks), Self);
        // The coordinator feeds its own child streams: it knows at once when one has been replayed past its stored events
        // (the stream's CaughtUp would come later, after the progress of this interval is reported).
        var pid = _names[stream];
        if (_unreplayed.TryGetValue(pid, out var left) && (_unreplayed[pid] = left - events.Count) <= 0)
        {
            _replaying.Remove(pid);
        }
    }

    private void OnRecorded(Recorded r) => _inFlight--;

    protected override void OnCaughtUp() => _replaying.Remove(PersistenceId);

    // ---- phases -------------------------------------------------------------------------------------------------

    /// <summary>Between intervals: the private <see cref="NextInterval"/> opens the next one once the journal is close enough behind.</summary>
    private void Between()
    {
        if (_inFlight <= _maxInFlight)
        {
            Become(() =>
            {
                Command<NextInterval>(_ => OpenInterval());
                Common();
            });
            Self.Tell(NextInterval.Instance, Self);
            return;
        }

        Become(() =>
        {
            Command<Recorded>(r =>
            {
                OnRecorded(r);
                if (_inFlight <= _maxInFlight / 2)
                {
                    Between();
                }
            });
            Common();
        });
        Arm("the journal's writes");
    }

    private void OpenInterval()
    {
        if (_ctx.Cancellation.IsCancellationRequested)
        {
            Finish(RunState.Interrupted, null);
            return;
        }

        _interval++;
        var tl = _scenario.Timeline;
        _now = tl.Epoch + TimeSpan.FromTicks(_interval * tl.IntervalLength.Ticks);
        _issuedNow = [];
        var issued = new List<ScoreEvent>();
        foreach (var e in _issuer.IssueUpTo(_now))
        {
            issued.Add(new EventIssued(e.Id, e.IssuedAt.UtcTicks, e.CutoffAt.UtcTicks, e.ResolvesAt.UtcTicks, e.Inputs, e.Reference));
            _issuedNow.Add(new IssuedEvent(e.Id, e.IssuedAt, e.CutoffAt, e.ResolvesAt));
        }

        RecordOn(_issuerStream!, issued);
        _issuer.Answerable(_now, _openIds, _openChi, _openPrices);
        _batches = new PredictionBatch?[_batches.Length];
        if (_marketMaker is not null)
        {
            // The market maker's quotes replace the world's prices.
            Become(() =>
            {
                Command<Quotes>(OnQuotes);
                Common();
            });
            Arm("the market maker's quotes");
            _marketMaker.Tell(new QuoteRequest(_now, [.. _issuedNow.Select(e => e.EventId)], [.. _openIds]), Self);
            return;
        }

        DispatchToShards();
    }

    private void OnQuotes(Quotes q)
    {
        _openPrices.Clear();
        _openPrices.AddRange(q.Prices);
        DispatchToShards();
    }

    private void DispatchToShards()
    {
        if (_openIds.Count == 0 || _shards.Count == 0)
        {
            AfterPredictions();
            return;
        }

        var opened = new IntervalOpened(_interval, _now, [.. _openIds], [.. _openChi], [.. _openPrices]);
        _pendingShards = _shards.Count;
        Become(() =>
        {
            Command<ShardAnswered>(OnShard);
            Common();
        });
        Arm("the miner shards' batches");
        foreach (var shard in _shards)
        {
            shard.Tell(opened, Self);
        }
    }

    private void OnShard(ShardAnswered m)
    {
        var b = m.Batch;
        if (b.Interval != _interval || b.Shard < 0 || b.Shard >= _batches.Length || _batches[b.Shard] is not null)
        {
            // A late batch of an earlier interval, or the second copy of one: the barrier counts each shard once.
            Context.GetLogger().Warning("dropped a {0} batch of shard {1} for interval {2} (playing {3})", b.Interval == _interval ? "duplicate" : "late", b.Shard, b.Interval, _interval);
            return;
        }

        _batches[b.Shard] = b;
        if (--_pendingShards == 0)
        {
            AfterPredictions();
        }
    }

    private void AfterPredictions()
    {
        var batches = _batchesNow = new List<PredictionBatch>(_batches.Length);
        foreach (var b in _batches)
        {
            if (b is not null)
            {
                batches.Add(b);
                _tally.Predictions += b.AnsweredCount;
                if (_shardStreams.Length > 0)
                {
                    RecordOn(_shardStreams[b.Shard], [b]);
                }
            }
        }

        _resolvedNow = [];
        var resolved = new List<ScoreEvent>();
        foreach (var e in _issuer.ResolveUpTo(_now))
        {
            resolved.Add(new EventResolved(e.Id, e.ResolvesAt.UtcTicks, e.Outcome, e.Truth));
            _resolvedNow.Add(new ResolvedEvent(e.Id, e.ResolvesAt, e.Outcome == 1));
        }

        RecordOn(_issuerStream!, resolved);
        if (_marketMaker is not null)
        {
            Become(() =>
            {
                Command<Traded>(_ => StepValidators());
                Common();
            });
            Arm("the market maker's trades");
            _inFlight++; // the market maker records its settlements and confirms them
            _marketMaker.Tell(new TradeRequest(_now, batches, _resolvedNow), Self);
            return;
        }

        StepValidators();
    }

    private void StepValidators()
    {
        _acks = new ValidatorStepDone?[_validators.Count];
        _pendingValidators = _validators.Count;
        if (_pendingValidators == 0)
        {
            IntervalDone();
            return;
        }

        var step = new ValidatorStep(_interval, _now, _issuedNow, _batchesNow, _resolvedNow) { Prices = _batchesNow.Count > 0 ? [.. _openPrices] : [] };
        Become(() =>
        {
            Command<ValidatorStepDone>(OnValidator);
            Common();
        });
        Arm("the validators' acks");
        _inFlight += _validators.Count; // each validator records its score events and confirms them
        foreach (var v in _validators)
        {
            v.Tell(step, Self);
        }
    }

    private void OnValidator(ValidatorStepDone m)
    {
        if (m.Validator < 0 || m.Validator >= _acks.Length || _acks[m.Validator] is not null)
        {
            Context.GetLogger().Warning("dropped a duplicate ack of validator {0} for interval {1}", m.Validator, _interval);
            return;
        }

        _acks[m.Validator] = m;
        if (--_pendingValidators == 0)
        {
            IntervalDone();
        }
    }

    private void IntervalDone()
    {
        Timers.Cancel(StepTimer);
        foreach (var ack in _acks)
        {
            if (ack is null)
            {
                continue;
            }

            _tally.Rejected += ack.Rejected;
            foreach (var r in ack.FirstRejections)
            {
                _ctx.Warning?.Invoke($"validator {r.Validator}: rejected answer {r.Value.ToString("R", CultureInfo.InvariantCulture)} ({r.Reason}) of miner {r.MinerId} for event {r.EventId} at interval {r.Interval} ({r.Time:O}); further rejections of this miner are counted, not logged");
            }
        }

        _tally.IntervalsDone++;
        _tally.LastDone = _interval;
        _tally.LastDoneTime = _now;
        _ctx.Progress?.Invoke(new RunProgress(_tally.IntervalsDone, TotalIntervals, _now, _issuer.Issued, _issuer.Resolved, _issuer.TotalEvents, _tally.Predictions, _replaying.Count > 0));
        if (_issuer.Done)
        {
            RecordOwn(new RunCompleted(_issuer.Issued, _tally.Predictions, _tally.IntervalsDone), _now);
            Finish(RunState.Complete, null);
            return;
        }

        Between();
    }

    // ---- in every phase -------------------------------------------------------------------------------------------

    private void Common()
    {
        Command<Terminated>(OnChildTerminated);
        Command<StepTimedOut>(OnTimeout);
        Command<Recorded>(OnRecorded);
        Command<CaughtUp>(c => _replaying.Remove(c.PersistenceId));
        Command<ShardAnswered>(m => Context.GetLogger().Warning("dropped a late batch of shard {0} for interval {1} (playing {2})", m.Batch.Shard, m.Batch.Interval, _interval));
        Command<ValidatorStepDone>(m => Context.GetLogger().Warning("dropped a late ack of validator {0} (playing interval {1})", m.Validator, _interval));
    }

    private void Arm(string waitingFor) =>
        Timers.StartSingleTimer(StepTimer, new StepTimedOut(_interval, waitingFor), _ctx.StepTimeout);

    private void OnTimeout(StepTimedOut t)
    {
        if (t.Interval == _interval)
        {
            Finish(RunState.Failed, new TimeoutException($"interval {t.Interval}: {t.WaitingFor} did not arrive within {_ctx.StepTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s"));
        }
    }

    private void OnChildTerminated(Terminated t)
    {
        var who = _names.GetValueOrDefault(t.ActorRef, t.ActorRef.Path.Name);
        if (_ctx.Streams.FailureOf(who) is { } streamFailure)
        {
            Finish(RunState.Failed, streamFailure);
            return;
        }

        Finish(RunState.Failed, _failures.Remove(t.ActorRef, out var cause)
            ? new InvalidOperationException($"{who}: {cause.Message}", cause)
            : new InvalidOperationException($"{who} stopped during interval {_interval}"));
    }

    /// <summary>
    /// Ends the run. A complete or interrupted run first waits until every stream has written everything (its journal then
    /// holds every interval played); a complete run whose journal holds more than the replay made fails. A failed run
    /// ends at once: what is stored stays a prefix of each stream.
    /// </summary>
    private void Finish(RunState state, Exception? error)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        if (state == RunState.Failed)
        {
            Complete(state, error);
            return;
        }

        _pendingFlush = _streamActors.Count + 1;
        _unverified = 0;
        Become(() =>
        {
            Command<Flushed>(f =>
            {
                _unverified += f.Unverified;
                if (--_pendingFlush == 0)
                {
                    Flushed(state);
                }
            });
            Command<Recorded>(OnRecorded);
            Command<Terminated>(t =>
            {
                _finished = false;
                OnChildTerminated(t);
            });
            Command<StepTimedOut>(_ => Complete(RunState.Failed, new TimeoutException($"the journal did not finish its writes within {_ctx.StepTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s")));
            CommandAny(_ => { });
        });
        Arm("the journal's last writes");
        foreach (var stream in _streamActors)
        {
            stream.Tell(FlushStream.Instance, Self);
        }

        var self = Self;
        AfterStored(() => self.Tell(new Flushed(PersistenceId, Unverified), self));
    }

    private void Flushed(RunState state)
    {
        if (state == RunState.Complete && _unverified > 0)
        {
            Complete(RunState.Failed, new JournalStreamException($"journal {_ctx.Streams.Location}: it holds {_unverified} events past the end of the replayed run (made by another scenario or build?); nothing was written"));
            return;
        }

        Complete(state, null);
    }

    private void Complete(RunState state, Exception? error)
    {
        _finished = true;
        Timers.CancelAll();
        Become(() => CommandAny(_ => { }));
        _ctx.Completion.TrySetResult(_tally.Result(state, error));
        Context.Stop(Self);
    }

    /// <summary>Private self-message: the step armed for <paramref name="Interval"/> is overdue.</summary>
    private sealed record StepTimedOut(long Interval, string WaitingFor);
}

/// <summary>One-for-one, stop on any failure, no log line: the parent reports the failure itself when the child's <see cref="Terminated"/> arrives.</summary>
internal sealed class StopAndRecord(Action<IActorRef, Exception> record) : OneForOneStrategy(_ => Directive.Stop, loggingEnabled: false)
{
    public override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause, Akka.Actor.Internal.ChildRestartStats stats, IReadOnlyCollection<Akka.Actor.Internal.ChildRestartStats> children)
    {
        record(child, cause);
        base.ProcessFailure(context, restart, child, cause, stats, children);
    }
}
