using MarketSim.Hocon;

namespace MarketSim.Node;

/// <summary>The <c>marketsim.node</c> section (hocon/node.conf, docs/cluster.md).</summary>
/// <param name="RunsDir">Parent folder of a coordinator node's run folders.</param>
/// <param name="ComputeParallelism">Shards a miner node computes at once.</param>
/// <param name="HandoffTimeout">How long a leaving node waits for its shards to move away.</param>
/// <param name="PlacementCheckInterval">How often a coordinator re-checks the homes of unanswered shards.</param>
/// <param name="ShardDelay">Demonstrations and failover tests: a miner node's wait before each answer.</param>
public sealed record NodeSettings(string RunsDir, int ComputeParallelism, TimeSpan HandoffTimeout, TimeSpan PlacementCheckInterval, TimeSpan ShardDelay)
{
    /// <summary>The module's reference.conf.</summary>
    public static Config Reference() => ConfigFactory.FromResource(typeof(NodeSettings).Assembly, "MarketSim.Node.reference.conf");

    /// <summary>Reads <c>marketsim.node</c> from <paramref name="config"/> (over the reference). Invalid values throw with the key's name.</summary>
    public static NodeSettings FromConfig(Config? config)
    {
        var c = (config ?? Config.Empty).WithFallback(Reference());
        const string p = "marketsim.node.";
        var parallelism = c.GetInt(p + "compute-parallelism", 0);
        if (parallelism < 0)
        {
            throw new InvalidOperationException($"marketsim.node.compute-parallelism [{parallelism}] must be 0 (one per processor) or positive.");
        }

        var runsDir = c.GetString(p + "runs-dir");
        if (string.IsNullOrWhiteSpace(runsDir))
        {
            throw new InvalidOperationException("marketsim.node.runs-dir must name a folder.");
        }

        return new NodeSettings(
            runsDir,
            parallelism == 0 ? Environment.ProcessorCount : parallelism,
            NonNegative(c.GetTimeSpan(p + "handoff-timeout", TimeSpan.FromSeconds(30), allowInfinite: false), "handoff-timeout"),
            Positive(c.GetTimeSpan(p + "placement-check-interval", TimeSpan.FromMilliseconds(500), allowInfinite: false), "placement-check-interval"),
            NonNegative(c.GetTimeSpan(p + "shard-delay", TimeSpan.Zero, allowInfinite: false), "shard-delay"));
    }

    private static TimeSpan Positive(TimeSpan t, string key) =>
        t > TimeSpan.Zero ? t : throw new InvalidOperationException($"marketsim.node.{key} [{t}] must be positive.");

    private static TimeSpan NonNegative(TimeSpan t, string key) =>
        t >= TimeSpan.Zero ? t : throw new InvalidOperationException($"marketsim.node.{key} [{t}] must not be negative.");
}
