namespace MarketSim.Node;

/// <summary>The run a coordinator node is playing, as pbm's <c>run status</c>, <c>shards show</c> and <c>miners show</c> report it (thread-safe).</summary>
public sealed class RunTracker(string runId, MarketSim.Markets.Scenarios.Scenario scenario, string folder, bool resumed)
{
    private readonly Lock _lock = new();
    private IReadOnlyList<ShardHome> _homes = [];
    private long _messages;
    private long _moves;
    private long _redeliveries;
    private long _duplicates;

    public string RunId { get; } = runId;

    public MarketSim.Markets.Scenarios.Scenario Scenario { get; } = scenario;

    /// <summary>This node's run folder.</summary>
    public string Folder { get; } = folder;

    /// <summary>True when this node took the run over from a journal that already held events.</summary>
    public bool Resumed { get; } = resumed;

    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

    /// <summary>Last progress (null before the first interval).</summary>
    public MarketSim.Markets.Run.RunProgress? Progress { get; set; }

    /// <summary>running, complete, interrupted or failed.</summary>
    public string State { get; set; } = "running";

    /// <summary>Broker messages of the run's shard traffic (work, answers, prepare, release).</summary>
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>Shard moves (failover, leave, rebalance).</summary>
    public long Moves => Interlocked.Read(ref _moves);

    /// <summary>Shard work sent again after its node was lost.</summary>
    public long Redeliveries => Interlocked.Read(ref _redeliveries);

    /// <summary>Answers dropped as late or repeated.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    public IReadOnlyList<ShardHome> Homes
    {
        get
        {
            lock (_lock)
            {
                return _homes;
            }
        }
    }

    internal void SetHomes(IReadOnlyList<ShardHome> homes)
    {
        lock (_lock)
        {
            _homes = homes;
        }
    }

    internal void CountMessage() => Interlocked.Increment(ref _messages);

    internal void CountMove() => Interlocked.Increment(ref _moves);

    internal void CountRedelivery() => Interlocked.Increment(ref _redeliveries);

    internal void CountDuplicate() => Interlocked.Increment(ref _duplicates);
}
