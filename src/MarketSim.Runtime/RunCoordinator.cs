using System.Globalization;
using Akka.Actor;
using Akka.Event;
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
/// <param name="Journal">The single journal writer; only the coordinator appends, in canonical order.</param>
/// <param name="ScenarioHocon">The resolved scenario for <see cref="RunStarted"/>.</param>
/// <param name="Cancellation">Stops the run between intervals.</param>
/// <param name="Progress">Called after every interval on the coordinator's thread.</param>
/// <param name="Warning">Called with each first rejection per miner and validator.</param>
/// <param name="Completion">Completed once with the result.</param>
internal sealed record CoordinatorContext(
    RunJournalWriter Journal,
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

    /// <summary>How long one step (a shard's batch, a validator's ack, a quote) may take before the run fails.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// The coordinator of one run (a child of <see cref="RunSupervisor"/>): owns the event issuer and the journal writer
/// and plays the interval grid with a barrier per interval. Per interval k at time t = epoch + k·L:
/// (1) issue the events due at t (EventIssued); (2) with a market maker, ask it for quotes; (3) IntervalOpened(k, t,
/// open events) to every miner shard and wait for one batch per shard; (4) append the batches in shard order; (5)
/// resolve the events due at t (EventResolved) and, with a market maker, let it trade and settle; (6) one
/// ValidatorStep to every validator and wait for every ack; (7) append the validators' score events in validator
/// order, report progress and go on to k + 1. Each wait is a <c>Become</c> state. Everything is combined in
/// canonical order, so the journal depends neither on Akka's thread interleaving nor on the number of workers.
/// A child that throws is stopped by this actor's supervisor strategy and the run fails naming it (DeathWatch);
/// a late or duplicate batch is dropped; a step that takes longer than the step timeout fails the run.
/// Messages sent are never mutated afterwards: each interval builds fresh arrays and lists.
/// </summary>
internal sealed class RunCoordinator : ReceiveActor, IWithTimers
{
    private const string StepTimer = "step";

    private readonly Scenario _scenario;
    private readonly CoordinatorContext _ctx;
    private readonly RunTally _tally;
    private readonly IRunWorld _issuer;
    private readonly List<IActorRef> _shards = [];
    private readonly List<IActorRef> _validators = [];
    private readonly Dictionary<IActorRef, string> _names = [];
    private readonly Dictionary<IActorRef, Exception> _failures = [];
    private readonly List<long> _openIds = [];
    private readonly List<sbyte> _openChi = [];
    private readonly List<double> _openPrices = [];
    private readonly long _firstInterval;
    private PredictionBatch?[] _batches = [];
    private List<PredictionBatch> _batchesNow = [];
    private ValidatorStepDone?[] _acks = [];
    private IActorRef? _marketMaker;
    private int _pendingShards;
    private int _pendingValidators;
    private long _interval;
    private DateTimeOffset _now;
    private List<IssuedEvent> _issuedNow = [];
    private List<ResolvedEvent> _resolvedNow = [];
    private bool _finished;

    public RunCoordinator(Scenario scenario, CoordinatorContext context)
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
        Receive<StartRun>(_ => Start());
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

        for (var v = 0; v < s.Validators.Count; v++)
        {
            var state = new ValidatorState(s.Validators[v], s.MinerCount, s.Timeline, s.Outputs.RecordIntervalScores);
            var name = "validator-" + v.ToString(CultureInfo.InvariantCulture);
            Adopt(_ctx.Parts.Validator(Context, v, state, name), JournalIds.Validator(state.Name), _validators);
        }

        switch (s.MarketMaker.EffectiveKind(s.World.Kind))
        {
            case "lmsr":
                _marketMaker = Adopt(_ctx.Parts.MarketMaker(Context, new RunMarketMaker(s, null), "marketmaker"), JournalIds.MarketMaker, null);
                break;
            case "replay":
                _marketMaker = Adopt(_ctx.Parts.MarketMaker(Context, new RunMarketMaker(s, _issuer), "marketmaker"), JournalIds.MarketMaker, null);
                break;
        }

        _batches = new PredictionBatch?[s.ShardCount];
        _acks = new ValidatorStepDone?[_validators.Count];
        var start = s.Timeline.Epoch + TimeSpan.FromTicks(_firstInterval * s.Timeline.IntervalLength.Ticks);
        _ctx.Journal.Append(JournalIds.Run, new RunStarted(s.Name, s.Seed, s.MinerCount, s.Validators.Count, _issuer.TotalEvents, _ctx.ScenarioHocon), start);
        Between();
    }

    private IActorRef Adopt(IActorRef child, string name, List<IActorRef>? list)
    {
        Context.Watch(child);
        _names[child] = name;
        list?.Add(child);
        return child;
    }

    // ---- phases -------------------------------------------------------------------------------------------------

    /// <summary>Between intervals: the private <see cref="NextInterval"/> opens the next one.</summary>
    private void Between()
    {
        Become(() =>
        {
            Receive<NextInterval>(_ => OpenInterval());
            Common();
        });
        Self.Tell(NextInterval.Instance, Self);
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
        foreach (var e in _issuer.IssueUpTo(_now))
        {
            _ctx.Journal.Append(JournalIds.Issuer, new EventIssued(e.Id, e.IssuedAt.UtcTicks, e.CutoffAt.UtcTicks, e.ResolvesAt.UtcTicks, e.Inputs, e.Reference), _now);
            _issuedNow.Add(new IssuedEvent(e.Id, e.IssuedAt, e.CutoffAt, e.ResolvesAt));
        }

        _issuer.Answerable(_now, _openIds, _openChi, _openPrices);
        _batches = new PredictionBatch?[_batches.Length];
        if (_marketMaker is not null)
        {
            // The market maker's quotes replace the world's prices.
            Become(() =>
            {
                Receive<Quotes>(OnQuotes);
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
            Receive<ShardAnswered>(OnShard);
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
                if (_scenario.Outputs.RecordPredictions)
                {
                    _ctx.Journal.Append(JournalIds.Shard(b.Shard), b, _now);
                }
            }
        }

        _resolvedNow = [];
        foreach (var e in _issuer.ResolveUpTo(_now))
        {
            _ctx.Journal.Append(JournalIds.Issuer, new EventResolved(e.Id, e.ResolvesAt.UtcTicks, e.Outcome, e.Truth), _now);
            _resolvedNow.Add(new ResolvedEvent(e.Id, e.ResolvesAt, e.Outcome == 1));
        }

        if (_marketMaker is not null)
        {
            Become(() =>
            {
                Receive<Traded>(OnTraded);
                Common();
            });
            Arm("the market maker's trades");
            _marketMaker.Tell(new TradeRequest(_now, batches, _resolvedNow), Self);
            return;
        }

        StepValidators();
    }

    private void OnTraded(Traded t)
    {
        foreach (var settled in t.Settled)
        {
            _ctx.Journal.Append(JournalIds.MarketMaker, settled, _now);
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
            Receive<ValidatorStepDone>(OnValidator);
            Common();
        });
        Arm("the validators' acks");
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

            var pid = JournalIds.Validator(_scenario.Validators[ack.Validator].Name);
            foreach (var e in ack.Events)
            {
                _ctx.Journal.Append(pid, e, _now);
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
        _ctx.Progress?.Invoke(new RunProgress(_tally.IntervalsDone, TotalIntervals, _now, _issuer.Issued, _issuer.Resolved, _issuer.TotalEvents, _tally.Predictions, _ctx.Journal.IsReplaying));
        if (_issuer.Done)
        {
            _ctx.Journal.Append(JournalIds.Run, new RunCompleted(_issuer.Issued, _tally.Predictions, _tally.IntervalsDone), _now);
            Finish(RunState.Complete, null);
            return;
        }

        Between();
    }

    // ---- in every phase -------------------------------------------------------------------------------------------

    private void Common()
    {
        Receive<Terminated>(OnChildTerminated);
        Receive<StepTimedOut>(OnTimeout);
        Receive<ShardAnswered>(m => Context.GetLogger().Warning("dropped a late batch of shard {0} for interval {1} (playing {2})", m.Batch.Shard, m.Batch.Interval, _interval));
        Receive<ValidatorStepDone>(m => Context.GetLogger().Warning("dropped a late ack of validator {0} (playing interval {1})", m.Validator, _interval));
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
        Finish(RunState.Failed, _failures.Remove(t.ActorRef, out var cause)
            ? new InvalidOperationException($"{who}: {cause.Message}", cause)
            : new InvalidOperationException($"{who} stopped during interval {_interval}"));
    }

    private void Finish(RunState state, Exception? error)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        Timers.CancelAll();
        Become(() => ReceiveAny(_ => { }));
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
