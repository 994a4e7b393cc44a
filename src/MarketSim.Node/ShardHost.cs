using MarketSim.Actors;
using MarketSim.Markets.Journal;
using MarketSim.Markets.Run;
using MarketSim.Markets.Scenarios;

namespace MarketSim.Node;

/// <summary>A shard this miner node answers for: run, shard, miners, the last interval it answered.</summary>
public sealed record HostedShard(string RunId, int Shard, int FirstMiner, int Count, long LastInterval);

/// <summary>What a miner node hosts (shared by its shard host actor, pbm and the leave handoff; thread-safe).</summary>
public sealed class ShardHostState
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Run, int Shard), HostedShard> _hosted = [];

    /// <summary>Hosted shards, by run and shard.</summary>
    public IReadOnlyList<HostedShard> Hosted
    {
        get
        {
            lock (_lock)
            {
                return _hosted.Values.OrderBy(h => h.RunId, StringComparer.Ordinal).ThenBy(h => h.Shard).ToList();
            }
        }
    }

    /// <summary>Shards answered so far (all runs).</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Shards released to other nodes (rebalance, leave) so far.</summary>
    public long Released => Interlocked.Read(ref _released);

    private long _answered;
    private long _released;

    internal void Answer(string run, int shard, int first, int count, long interval)
    {
        lock (_lock)
        {
            _hosted[(run, shard)] = new HostedShard(run, shard, first, count, interval);
        }

        Interlocked.Increment(ref _answered);
    }

    internal void Release(string run, IEnumerable<int> shards)
    {
        lock (_lock)
        {
            foreach (var s in shards)
            {
                if (_hosted.Remove((run, s)))
                {
                    Interlocked.Increment(ref _released);
                }
            }
        }
    }

    internal void EndRun(string run)
    {
        lock (_lock)
        {
            foreach (var key in _hosted.Keys.Where(k => k.Run == run).ToList())
            {
                _hosted.Remove(key);
            }
        }
    }
}

/// <summary>
/// A miner node's shard host (<c>/user/shards</c>): keeps each run's world (from <see cref="PrepareRun"/>), makes a
/// shard's model on its first <see cref="ShardWork"/>, and answers off the actor's thread, at most
/// <c>compute-parallelism</c> shards at once. Shard models are pure functions of the interval, so any node answers
/// any shard identically: moving a shard needs no state transfer.
/// </summary>
public sealed class ShardHostActor : ReceiveActor
{
    private readonly Dictionary<string, HostedRun> _runs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate;
    private readonly NodeSettings _settings;
    private readonly ShardHostState _state;

    private sealed class HostedRun(Scenario? scenario, IRunWorld? world, string? error)
    {
        public Scenario? Scenario { get; } = scenario;

        public IRunWorld? World { get; } = world;

        public string? Error { get; } = error;

        public Dictionary<int, IShardModel> Models { get; } = [];
    }

    public ShardHostActor(NodeSettings settings, ShardHostState state)
    {
        _settings = settings;
        _state = state;
        _gate = new SemaphoreSlim(settings.ComputeParallelism, settings.ComputeParallelism);
        Receive<PrepareRun>(Prepare);
        Receive<ShardWork>(Work);
        Receive<ReleaseShards>(r =>
        {
            _state.Release(r.RunId, r.Shards);
            Context.System.Log.Info("Shard host: released shards [{0}] of run {1} (moved to other nodes)", string.Join(",", r.Shards), r.RunId);
        });
        Receive<RunEnded>(r =>
        {
            _state.EndRun(r.RunId);
            if (_runs.Remove(r.RunId, out var run))
            {
                DisposeModels(run);
            }
        });
    }

    private void Prepare(PrepareRun p)
    {
        if (_runs.TryGetValue(p.RunId, out var existing) && existing.Error is null)
        {
            return;
        }

        try
        {
            var scenario = ScenarioLoader.LoadString(p.ScenarioHocon, "run " + p.RunId);
            _runs[p.RunId] = new HostedRun(scenario, RunWorlds.Create(scenario), null);
            Context.System.Log.Info("Shard host: prepared run {0} ({1}, {2} miners in {3} shards)", p.RunId, scenario.Name, scenario.MinerCount, scenario.ShardCount);
        }
        catch (Exception e)
        {
            _runs[p.RunId] = new HostedRun(null, null, $"cannot prepare run {p.RunId} on this node: {e.Message}");
            Context.System.Log.Error(e, "Shard host: cannot prepare run {0}", p.RunId);
        }
    }

    private void Work(ShardWork w)
    {
        var sender = Sender;
        if (!_runs.TryGetValue(w.RunId, out var run) || run.Error is not null)
        {
            sender.Tell(new ShardFailed(w.RunId, w.Shard, w.Interval, run?.Error ?? $"run {w.RunId} was not prepared on this node"), Self);
            return;
        }

        var s = run.Scenario!;
        if (w.Shard < 0 || w.Shard >= s.ShardCount)
        {
            sender.Tell(new ShardFailed(w.RunId, w.Shard, w.Interval, $"shard {w.Shard} is not a shard of run {w.RunId} ({s.ShardCount} shards)"), Self);
            return;
        }

        var first = w.Shard * s.ShardSize;
        var count = Math.Min(s.ShardSize, s.MinerCount - first);
        IShardModel model;
        try
        {
            if (!run.Models.TryGetValue(w.Shard, out model!))
            {
                model = run.World!.CreateShard(w.Shard, first, count);
                run.Models[w.Shard] = model;
            }
        }
        catch (Exception e)
        {
            sender.Tell(new ShardFailed(w.RunId, w.Shard, w.Interval, $"shard {w.Shard}: {e.Message}"), Self);
            return;
        }

        _state.Answer(w.RunId, w.Shard, first, count, w.Interval);
        var self = Self;
        var delay = _settings.ShardDelay;
        var opened = new IntervalOpened(w.Interval, new DateTimeOffset(w.TimeTicks, TimeSpan.Zero), w.EventIds, w.Chi, w.Prices);
        _ = Task.Run(async () =>
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay).ConfigureAwait(false);
                }

                var batch = model.Answer(opened);
                sender.Tell(new ShardDone(w.RunId, w.Shard, w.Interval, ScoreEventSerializer.Serialize(batch)), self);
            }
            catch (Exception e)
            {
                sender.Tell(new ShardFailed(w.RunId, w.Shard, w.Interval, $"shard {w.Shard} at interval {w.Interval}: {e.Message}"), self);
            }
            finally
            {
                _gate.Release();
            }
        });
    }

    private static void DisposeModels(HostedRun run)
    {
        foreach (var m in run.Models.Values)
        {
            (m as IDisposable)?.Dispose();
        }
    }

    protected override void PostStop()
    {
        foreach (var run in _runs.Values)
        {
            DisposeModels(run);
        }

        _gate.Dispose();
    }
}
