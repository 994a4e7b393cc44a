using MarketSim.Actors;
using MarketSim.Cluster;
using MarketSim.Markets.Journal;
using MarketSim.Markets.Run;
using MarketSim.Markets.Scenarios;

namespace MarketSim.Node;

/// <summary>A shard's home as <c>shards show</c> lists it.</summary>
public sealed record ShardHome(int Shard, int FirstMiner, int Count, string Node, bool Pending);

/// <summary>
/// The shard region of one cluster run (an actor of the coordinator node's system): it places the run's miner shards on
/// miner nodes (<see cref="ShardPlacement"/>), sends each <see cref="IntervalOpened"/> as one <see cref="ShardWork"/> per
/// shard, and passes each shard's first answer for the interval to the coordinator as a <see cref="ShardAnswered"/>.
/// When a node hosting unanswered shards becomes unreachable, is downed, leaves or is removed, those shards move to
/// other candidates and their work is sent again; a late or repeated answer is dropped (shards are pure, so any answer
/// for an interval is the same batch). New members get shards at the next interval (rebalance).
/// </summary>
public sealed class ShardRegionActor : ReceiveActor
{
    private readonly string _runId;
    private readonly string _scenarioHocon;
    private readonly Scenario _scenario;
    private readonly ClusterMembership _membership;
    private readonly ClusterNode _node;
    private readonly IActorRef _coordinator;
    private readonly RunTracker _tracker;
    private readonly bool[] _wantsGpu;
    private readonly Dictionary<int, NodeAddress> _home = [];
    private readonly HashSet<NodeAddress> _prepared = [];
    private readonly bool[] _pending;
    private IntervalOpened? _open;
    private ICancelable? _tick;
    private bool _waitingLogged;

    private sealed record Tick
    {
        public static Tick Instance { get; } = new();
    }

    public ShardRegionActor(string runId, string scenarioHocon, Scenario scenario, ClusterMembership membership, IActorRef coordinator, RunTracker tracker, TimeSpan checkInterval)
    {
        _runId = runId;
        _scenarioHocon = scenarioHocon;
        _scenario = scenario;
        _membership = membership;
        _node = membership.Node;
        _coordinator = coordinator;
        _tracker = tracker;
        _pending = new bool[scenario.ShardCount];
        _wantsGpu = new bool[scenario.ShardCount];
        for (var s = 0; s < scenario.ShardCount; s++)
        {
            var first = s * scenario.ShardSize;
            var last = Math.Min(scenario.MinerCount, first + scenario.ShardSize) - 1;
            _wantsGpu[s] = scenario.Miners.Any(g => g.Llm is not null && g.FirstMinerId <= last && g.FirstMinerId + g.Count > first);
        }

        Receive<IntervalOpened>(OnOpened);
        Receive<ShardDone>(OnDone);
        Receive<ShardFailed>(OnFailed);
        Receive<ClusterDomainEvent>(_ => CheckPending());
        Receive<Tick>(_ => CheckPending());
        _tick = Context.System.Scheduler.ScheduleTellRepeatedly(checkInterval, checkInterval, Self, Tick.Instance, Self);
    }

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(ClusterDomainEvent));

    protected override void PostStop()
    {
        _tick?.Cancel();
        Context.System.EventStream.Unsubscribe(Self);
        foreach (var node in _prepared)
        {
            HostOf(node).Tell(new RunEnded(_runId), Self);
        }
    }

    private RemoteActorRef HostOf(NodeAddress node) => _node.RemoteRef(node, NodeMessages.ShardHostPath);

    private void OnOpened(IntervalOpened opened)
    {
        _open = opened;
        var candidates = ShardPlacement.Candidates(_membership.Members);
        var placement = ShardPlacement.Place(_scenario.ShardCount, _home, candidates, s => _wantsGpu[s]);
        if (placement.Count > 0)
        {
            Move(placement);
        }

        Array.Fill(_pending, true);
        for (var s = 0; s < _pending.Length; s++)
        {
            if (_home.ContainsKey(s))
            {
                Send(s);
            }
        }

        Publish();
        if (_home.Count < _pending.Length)
        {
            WaitingForMiners();
        }
    }

    /// <summary>Adopts <paramref name="placement"/>: shards whose home changes are released on the old home when it is still there.</summary>
    private void Move(Dictionary<int, NodeAddress> placement)
    {
        var released = new Dictionary<NodeAddress, List<int>>();
        foreach (var (shard, target) in placement)
        {
            if (_home.TryGetValue(shard, out var old) && old != target)
            {
                if (!released.TryGetValue(old, out var list))
                {
                    released[old] = list = [];
                }

                list.Add(shard);
                _tracker.CountMove();
            }

            _home[shard] = target;
        }

        var alive = _membership.Members.Where(m => m.Reachable && m.Status <= MemberStatus.Exiting).Select(m => m.Address).ToHashSet();
        foreach (var (node, shards) in released)
        {
            Context.System.Log.Info("Run {0}: shards [{1}] move off {2}", _runId, string.Join(",", shards), node);
            if (alive.Contains(node))
            {
                HostOf(node).Tell(new ReleaseShards(_runId, [.. shards]), Self);
                _tracker.CountMessage();
            }
        }
    }

    private void Send(int shard)
    {
        var node = _home[shard];
        var host = HostOf(node);
        if (_prepared.Add(node))
        {
            host.Tell(new PrepareRun(_runId, _scenarioHocon), Self);
            _tracker.CountMessage();
        }

        var o = _open!;
        host.Tell(new ShardWork(_runId, shard, o.Interval, o.Time.UtcTicks, o.EventIds, o.Chi, o.Prices), Self);
        _tracker.CountMessage();
    }

    private void OnDone(ShardDone d)
    {
        _tracker.CountMessage();
        if (d.RunId != _runId || _open is null || d.Interval != _open.Interval || d.Shard < 0 || d.Shard >= _pending.Length || !_pending[d.Shard])
        {
            _tracker.CountDuplicate();
            return;
        }

        PredictionBatch batch;
        try
        {
            batch = (PredictionBatch)ScoreEventSerializer.Deserialize(ScoreEventSerializer.PredictionBatchManifest, d.Batch);
        }
        catch (Exception e)
        {
            _coordinator.Tell(new StepFailed(JournalIds.Shard(d.Shard), new InvalidDataException($"shard {d.Shard} sent an unreadable batch from {Sender.Path}: {e.Message}", e)), Self);
            return;
        }

        if (batch.Shard != d.Shard || batch.Interval != d.Interval)
        {
            _coordinator.Tell(new StepFailed(JournalIds.Shard(d.Shard), new InvalidDataException($"shard {d.Shard} sent the batch of shard {batch.Shard}, interval {batch.Interval}")), Self);
            return;
        }

        _pending[d.Shard] = false;
        _coordinator.Tell(new ShardAnswered(batch), Self);
        Publish();
    }

    private void OnFailed(ShardFailed f)
    {
        _tracker.CountMessage();
        if (f.RunId != _runId || _open is null || f.Interval != _open.Interval || f.Shard < 0 || f.Shard >= _pending.Length || !_pending[f.Shard])
        {
            return;
        }

        _pending[f.Shard] = false;
        _coordinator.Tell(new StepFailed(JournalIds.Shard(f.Shard), new InvalidOperationException($"{f.Error} (on {Sender.Path})")), Self);
    }

    /// <summary>Unanswered shards whose home can no longer host move to a candidate and are sent again.</summary>
    private void CheckPending()
    {
        if (_open is null)
        {
            return;
        }

        var candidates = ShardPlacement.Candidates(_membership.Members);
        var homes = candidates.Select(m => m.Address).ToHashSet();
        var lost = Enumerable.Range(0, _pending.Length).Where(s => !_home.TryGetValue(s, out var h) ? _pending[s] : !homes.Contains(h)).ToList();
        if (lost.Count == 0)
        {
            return;
        }

        if (candidates.Count == 0)
        {
            WaitingForMiners();
            return;
        }

        // keep the shards whose home can still host; place the lost ones by least load (answered ones move too, so a
        // leaving node is released at once)
        var keep = _home.Where(kv => homes.Contains(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value);
        var placement = ShardPlacement.Place(_scenario.ShardCount, keep, candidates, s => _wantsGpu[s]);
        foreach (var s in lost.Where(s => _pending[s]))
        {
            var from = _home.TryGetValue(s, out var h) ? h.ToString() : "nowhere";
            Context.System.Log.Warning("Run {0}: shard {1} of interval {2} was on {3}, which cannot answer any more; sending it to {4}", _runId, s, _open.Interval, from, placement[s]);
        }

        Move(lost.ToDictionary(s => s, s => placement[s]));
        foreach (var s in lost.Where(s => _pending[s]))
        {
            Send(s);
            _tracker.CountRedelivery();
        }

        _waitingLogged = false;
        Publish();
    }

    private void WaitingForMiners()
    {
        if (!_waitingLogged)
        {
            _waitingLogged = true;
            Context.System.Log.Warning("Run {0}: no Up member with role miners or gpu; the run waits for one to join", _runId);
        }
    }

    private void Publish()
    {
        var homes = new List<ShardHome>(_pending.Length);
        for (var s = 0; s < _pending.Length; s++)
        {
            var first = s * _scenario.ShardSize;
            homes.Add(new ShardHome(s, first, Math.Min(_scenario.ShardSize, _scenario.MinerCount - first), _home.TryGetValue(s, out var h) ? h.ToString() : "-", _pending[s]));
        }

        _tracker.SetHomes(homes);
    }
}
