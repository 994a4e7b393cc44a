using MarketSim.Actors;
using MarketSim.Markets.Journal;
using MarketSim.Markets.Scenarios;

namespace MarketSim.Markets.Run;

/// <summary>How the coordinator finished.</summary>
/// <param name="State">complete, interrupted or failed.</param>
/// <param name="Intervals">Intervals fully played.</param>
/// <param name="LastInterval">Grid index of the last interval fully played (null before the first).</param>
/// <param name="VirtualTime">Virtual time reached.</param>
/// <param name="Predictions">Predictions made.</param>
/// <param name="Rejected">Answers rejected by validators (all validators together).</param>
/// <param name="Error">The failure, when failed.</param>
public sealed record CoordinatorResult(RunState State, long Intervals, long? LastInterval, DateTimeOffset? VirtualTime, long Predictions, long Rejected, Exception? Error);

/// <summary>What the coordinator needs besides the scenario.</summary>
/// <param name="Journal">The single journal writer; only the coordinator appends, in canonical order.</param>
/// <param name="ScenarioHocon">The resolved scenario for <see cref="RunStarted"/>.</param>
/// <param name="Cancellation">Stops the run between intervals.</param>
/// <param name="Progress">Called after every interval on the coordinator's thread.</param>
/// <param name="Warning">Called with each first rejection per miner and validator.</param>
/// <param name="Completion">Completed once with the result.</param>
public sealed record CoordinatorContext(
    RunJournalWriter Journal,
    string ScenarioHocon,
    CancellationToken Cancellation,
    Action<RunProgress>? Progress,
    Action<string>? Warning,
    TaskCompletionSource<CoordinatorResult> Completion)
{
    /// <summary>The world, when the caller made it already (else <see cref="RunWorlds.Create"/>).</summary>
    public IRunWorld? World { get; init; }

    /// <summary>
    /// Where the miner shards run (null = child actors of the coordinator, in this process). Given the coordinator's
    /// ref, returns a region actor: it receives every <see cref="IntervalOpened"/> and must send the coordinator exactly
    /// one <see cref="ShardAnswered"/> per shard (or a <see cref="StepFailed"/>) — the cluster's shard region.
    /// </summary>
    public Func<IActorRef, IActorRef>? ShardRegion { get; init; }
}

/// <summary>
/// The coordinator of a run: owns the virtual clock, the event issuer and the journal writer, and plays the interval
/// grid with a barrier per interval. Per interval k at time t = epoch + k·L:
/// (1) issue the events due at t (EventIssued); (2) IntervalOpened(k, t, open events) to every miner shard and wait for
/// one PredictionBatch per shard; (3) append the batches in shard order; (4) resolve the events due at t (EventResolved);
/// (5) one ValidatorStep to every validator and wait for every ValidatorStepDone, then IntervalDone(k, t); (6) append the
/// validators' score events in validator order; (7) report progress and go on to k + 1. Everything is combined in canonical order, so the
/// journal does not depend on thread timing or the number of workers.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor
{
    private readonly Scenario _scenario;
    private readonly CoordinatorContext _ctx;
    private readonly IRunWorld _issuer;
    private readonly List<IActorRef> _shards = [];
    private readonly List<IActorRef> _validators = [];
    private readonly SemaphoreSlim _gate;
    private readonly List<long> _openIds = [];
    private readonly List<sbyte> _openChi = [];
    private readonly List<double> _openPrices = [];
    private readonly long _firstInterval;
    private readonly long _lastInterval;
    private PredictionBatch?[] _batches = [];
    private List<PredictionBatch> _batchesNow = [];
    private IActorRef? _marketMaker;
    private IActorRef? _region;
    private int _shardCount;
    private ValidatorStepDone?[] _acks = [];
    private int _pendingShards;
    private int _pendingValidators;
    private long _interval;
    private DateTimeOffset _now;
    private List<IssuedEvent> _issuedNow = [];
    private List<ResolvedEvent> _resolvedNow = [];
    private long _intervalsDone;
    private long? _lastDone;
    private DateTimeOffset? _lastDoneTime;
    private long _predictions;
    private long _rejected;
    private bool _finished;

    public CoordinatorActor(Scenario scenario, CoordinatorContext context)
    {
        _scenario = scenario;
        _ctx = context;
        _issuer = context.World ?? RunWorlds.Create(scenario);
        _gate = new SemaphoreSlim(scenario.Parallelism, scenario.Parallelism);
        var t = scenario.Timeline;
        _firstInterval = t.IntervalIndex(_issuer.FirstIssue);
        var end = t.IntervalIndex(_issuer.LastResolution);
        _lastInterval = t.Epoch + TimeSpan.FromTicks(end * t.IntervalLength.Ticks) < _issuer.LastResolution ? end + 1 : end;
        TotalIntervals = _lastInterval - _firstInterval + 1;
        _interval = _firstInterval - 1;

        Receive<StartRun>(_ => Guard(Start));
        Receive<NextInterval>(_ => Guard(OpenInterval));
        Receive<ShardAnswered>(m => Guard(() => OnShard(m)));
        Receive<ValidatorStepDone>(m => Guard(() => OnValidator(m)));
        Receive<Quotes>(m => Guard(() => OnQuotes(m)));
        Receive<Traded>(m => Guard(() => OnTraded(m)));
        Receive<IntervalDone>(m => Guard(() => OnIntervalDone(m)));
        Receive<StepFailed>(m => Finish(RunState.Failed, new InvalidOperationException($"{m.Who}: {m.Error.Message}", m.Error)));
    }

    /// <summary>Grid intervals from the first issue to the last resolution, inclusive.</summary>
    public long TotalIntervals { get; }

    private void Start()
    {
        var s = _scenario;
        _shardCount = s.ShardCount;
        if (_ctx.ShardRegion is { } region)
        {
            _region = region(Self);
        }

        for (var shard = 0; _region is null && shard < s.ShardCount; shard++)
        {
            var first = shard * s.ShardSize;
            var count = Math.Min(s.ShardSize, s.MinerCount - first);
            var model = _issuer.CreateShard(shard, first, count);
            _shards.Add(Context.ActorOf(Props.Create(() => new MinerShardActor(model, _gate)), JournalIds.Shard(shard)));
        }

        for (var v = 0; v < s.Validators.Count; v++)
        {
            var state = new ValidatorState(s.Validators[v], s.MinerCount, s.Timeline, s.Outputs.RecordIntervalScores);
            var index = v;
            _validators.Add(Context.ActorOf(Props.Create(() => new ValidatorActor(index, state)), "validator-" + v.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        switch (s.MarketMaker.EffectiveKind(s.World.Kind))
        {
            case "lmsr":
                _marketMaker = Context.ActorOf(Props.Create(() => new MarketMakerActor(s, null)), "marketmaker");
                break;
            case "replay":
                var world = _issuer;
                _marketMaker = Context.ActorOf(Props.Create(() => new MarketMakerActor(s, world)), "marketmaker");
                break;
        }

        _batches = new PredictionBatch?[_shardCount];
        _acks = new ValidatorStepDone?[_validators.Count];
        var start = s.Timeline.Epoch + TimeSpan.FromTicks(_firstInterval * s.Timeline.IntervalLength.Ticks);
        _ctx.Journal.Append(JournalIds.Run, new RunStarted(s.Name, s.Seed, s.MinerCount, s.Validators.Count, _issuer.TotalEvents, _ctx.ScenarioHocon), start);
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
        if (Context.System.Scheduler is VirtualTimeScheduler clock)
        {
            clock.AdvanceTo(_now);
        }

        _issuedNow = [];
        foreach (var e in _issuer.IssueUpTo(_now))
        {
            _ctx.Journal.Append(JournalIds.Issuer, new EventIssued(e.Id, e.IssuedAt.UtcTicks, e.CutoffAt.UtcTicks, e.ResolvesAt.UtcTicks, e.Inputs, e.Reference), _now);
            _issuedNow.Add(new IssuedEvent(e.Id, e.IssuedAt, e.CutoffAt, e.ResolvesAt));
        }

        _issuer.Answerable(_now, _openIds, _openChi, _openPrices);
        Array.Clear(_batches);
        if (_marketMaker is not null)
        {
            // The LMSR's quotes replace the world's prices: ask, and go on in OnQuotes.
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
        if (_openIds.Count == 0 || _shardCount == 0)
        {
            _pendingShards = 0;
            AfterPredictions();
            return;
        }

        var opened = new IntervalOpened(_interval, _now, [.. _openIds], [.. _openChi], [.. _openPrices]);
        _pendingShards = _shardCount;
        if (_region is not null)
        {
            _region.Tell(opened, Self);
            return;
        }

        foreach (var shard in _shards)
        {
            shard.Tell(opened, Self);
        }
    }

    private void OnShard(ShardAnswered m)
    {
        if (m.Batch.Interval != _interval || _batches[m.Batch.Shard] is not null)
        {
            throw new InvalidOperationException($"unexpected batch of shard {m.Batch.Shard} for interval {m.Batch.Interval} (playing {_interval})");
        }

        _batches[m.Batch.Shard] = m.Batch;
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
                _predictions += b.AnsweredCount;
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
        var batches = _batchesNow;
        Array.Clear(_acks);
        _pendingValidators = _validators.Count;
        if (_pendingValidators == 0)
        {
            Self.Tell(new IntervalDone(_interval, _now), Self);
            return;
        }

        var step = new ValidatorStep(_interval, _now, _issuedNow, batches, _resolvedNow) { Prices = batches.Count > 0 ? [.. _openPrices] : [] };
        foreach (var v in _validators)
        {
            v.Tell(step, Self);
        }
    }

    private void OnValidator(ValidatorStepDone m)
    {
        _acks[m.Validator] = m;
        if (--_pendingValidators == 0)
        {
            Self.Tell(new IntervalDone(_interval, _now), Self);
        }
    }

    private void OnIntervalDone(IntervalDone done)
    {
        if (done.Interval != _interval)
        {
            throw new InvalidOperationException($"IntervalDone for {done.Interval} while playing {_interval}");
        }

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

            _rejected += ack.Rejected;
            foreach (var r in ack.FirstRejections)
            {
                _ctx.Warning?.Invoke($"validator {r.Validator}: rejected answer {r.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} ({r.Reason}) of miner {r.MinerId} for event {r.EventId} at interval {r.Interval} ({r.Time:O}); further rejections of this miner are counted, not logged");
            }
        }

        _intervalsDone++;
        _lastDone = _interval;
        _lastDoneTime = _now;
        _ctx.Progress?.Invoke(new RunProgress(_intervalsDone, TotalIntervals, _now, _issuer.Issued, _issuer.Resolved, _issuer.TotalEvents, _predictions, _ctx.Journal.IsReplaying));
        if (_issuer.Done)
        {
            _ctx.Journal.Append(JournalIds.Run, new RunCompleted(_issuer.Issued, _predictions, _intervalsDone), _now);
            Finish(RunState.Complete, null);
            return;
        }

        Self.Tell(NextInterval.Instance, Self);
    }

    private void Guard(Action action)
    {
        if (_finished)
        {
            return;
        }

        try
        {
            action();
        }
        catch (Exception e)
        {
            Finish(RunState.Failed, e);
        }
    }

    private void Finish(RunState state, Exception? error)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        _ctx.Completion.TrySetResult(new CoordinatorResult(state, _intervalsDone, _lastDone, _lastDoneTime, _predictions, _rejected, error));
    }

    protected override void PostStop() => _gate.Dispose();
}
