using System.Text.Json.Serialization;
using MarketSim.Cluster;

namespace MarketSim.Node;

/// <summary>Coordinator → a miner node, before the first work of a run there: the run's resolved scenario.</summary>
/// <param name="RunId">Run id (the run folder's name).</param>
/// <param name="ScenarioHocon">The scenario as the journal records it (deployment-neutral HOCON).</param>
public sealed record PrepareRun(string RunId, string ScenarioHocon);

/// <summary>
/// Coordinator → the miner node hosting <paramref name="Shard"/>: answer grid interval <paramref name="Interval"/>
/// (the fields of <c>IntervalOpened</c>). The node replies <see cref="ShardDone"/> or <see cref="ShardFailed"/>.
/// </summary>
public sealed record ShardWork(string RunId, int Shard, long Interval, long TimeTicks, long[] EventIds, sbyte[] Chi, double[] Prices);

/// <summary>Miner node → coordinator: the shard's batch, serialised as the journal stores it (payload v3).</summary>
public sealed record ShardDone(string RunId, int Shard, long Interval, byte[] Batch);

/// <summary>Miner node → coordinator: the shard's model failed (the run fails, as it would embedded).</summary>
public sealed record ShardFailed(string RunId, int Shard, long Interval, string Error);

/// <summary>Coordinator → a miner node: these shards of the run have moved away (rebalance or the node is leaving).</summary>
public sealed record ReleaseShards(string RunId, int[] Shards);

/// <summary>Coordinator → the miner nodes of a run: the run is over; drop its models.</summary>
public sealed record RunEnded(string RunId);

/// <summary>Client → the run queue (not an envelope: the queue's own message): play this run and report to the client.</summary>
/// <param name="RunId">Run id; also names the coordinator's run folder.</param>
/// <param name="ScenarioHocon">The scenario (rendered, without passwords).</param>
/// <param name="Schema">The run's PostgreSQL journal schema.</param>
/// <param name="ClientPath">Full address of the client's actor (<c>akka://cluster@host:id/user/run-client</c>).</param>
public sealed record RunSubmission(int Format, string RunId, string ScenarioHocon, string Schema, string ClientPath)
{
    public const int CurrentFormat = 1;
}

/// <summary>Coordinator → client: progress (at most a few per second).</summary>
public sealed record RunProgressUpdate(string RunId, string Coordinator, long Interval, long TotalIntervals, long EventsResolved, long TotalEvents, long Predictions, bool Replaying);

/// <summary>Coordinator → client: the run ended. <paramref name="SummaryJson"/> and <paramref name="SummaryMarkdown"/> are the run folder's files (complete runs).</summary>
public sealed record RunFinished(string RunId, string Coordinator, string State, string? Error, long Intervals, long Predictions, long? LastInterval, byte[]? SummaryJson, string? SummaryMarkdown, string? Report, long BrokerMessages, int Shards);

/// <summary>Client → coordinator: stop the run after the current interval (Ctrl-C on the client).</summary>
public sealed record CancelRun(string RunId);

/// <summary>Client → coordinator: a warning of the run (a rejected answer), for the client's log.</summary>
public sealed record RunWarning(string RunId, string Message);

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(PrepareRun))]
[JsonSerializable(typeof(ShardWork))]
[JsonSerializable(typeof(ShardDone))]
[JsonSerializable(typeof(ShardFailed))]
[JsonSerializable(typeof(ReleaseShards))]
[JsonSerializable(typeof(RunEnded))]
[JsonSerializable(typeof(RunSubmission))]
[JsonSerializable(typeof(RunProgressUpdate))]
[JsonSerializable(typeof(RunFinished))]
[JsonSerializable(typeof(CancelRun))]
[JsonSerializable(typeof(RunWarning))]
internal sealed partial class NodeJsonContext : JsonSerializerContext;

/// <summary>The messages MarketSim nodes exchange (manifests <c>marketsim.*</c>, version 1).</summary>
public static class NodeMessages
{
    /// <summary>A registry with every node message.</summary>
    public static MessageRegistry Registry() => new MessageRegistry()
        .Register("marketsim.prepare-run", NodeJsonContext.Default.PrepareRun)
        .Register("marketsim.shard-work", NodeJsonContext.Default.ShardWork)
        .Register("marketsim.shard-done", NodeJsonContext.Default.ShardDone)
        .Register("marketsim.shard-failed", NodeJsonContext.Default.ShardFailed)
        .Register("marketsim.release-shards", NodeJsonContext.Default.ReleaseShards)
        .Register("marketsim.run-ended", NodeJsonContext.Default.RunEnded)
        .Register("marketsim.run-progress", NodeJsonContext.Default.RunProgressUpdate)
        .Register("marketsim.run-finished", NodeJsonContext.Default.RunFinished)
        .Register("marketsim.cancel-run", NodeJsonContext.Default.CancelRun)
        .Register("marketsim.run-warning", NodeJsonContext.Default.RunWarning);

    /// <summary>The durable run queue of a cluster (single active consumer: one coordinator node plays each run).</summary>
    public static string RunQueueFor(string clusterName) => ClusterNode.ExchangeFor(clusterName) + ".runs";

    /// <summary>Path of a miner node's shard host.</summary>
    public const string ShardHostPath = "/user/shards";

    /// <summary>Path of the run client's actor.</summary>
    public const string RunClientPath = "/user/run-client";
}
