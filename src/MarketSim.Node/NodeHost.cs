using MarketSim.Actors;
using MarketSim.Cluster;
using MarketSim.Hocon;
using MarketSim.Pbm;

namespace MarketSim.Node;

/// <summary>
/// <c>marketsim node</c>: one cluster node — the actor system, its RabbitMQ node and membership, the pbm host, and by
/// role the shard host (<c>miners</c>, <c>gpu</c>) and the run service (<c>coordinator</c> with <c>validator</c>).
/// It runs until it is stopped (SIGTERM, Ctrl-C: graceful leave with handoff) or removed from the cluster
/// (<c>pbm … cluster leave</c>, or downed). Exit code 0 after a leave, 1 when downed or on a start-up error.
/// </summary>
public static class NodeHost
{
    public const string CoordinatorRole = "coordinator";
    public const string ValidatorRole = "validator";

    /// <summary>Runs a node with <paramref name="config"/> (the node file with overrides, references underneath) until stopped; returns the exit code.</summary>
    public static async Task<int> RunAsync(Config config, TextWriter stdout, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(stdout);
        var clusterSettings = ClusterSettings.FromConfig(config);
        var settings = NodeSettings.FromConfig(config);
        var roles = clusterSettings.Roles;
        if (roles.Contains(CoordinatorRole) && !roles.Contains(ValidatorRole))
        {
            throw new InvalidOperationException("role coordinator needs role validator on the same node: a run's validators play beside its coordinator (docs/cluster.md)");
        }

        if (roles.Count == 0)
        {
            throw new InvalidOperationException("the node has no role: give --roles coordinator,validator,miners,gpu (any of them) or marketsim.cluster.roles");
        }

        var connectionString = config.GetString("marketsim.persistence.postgres.connection-string");
        if (roles.Contains(CoordinatorRole) && string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("a coordinator node journals runs to PostgreSQL: set MARKETSIM_POSTGRES or marketsim.persistence.postgres.connection-string");
        }

        var system = ActorSystem.Create("marketsim-node", config);
        var removal = new TaskCompletionSource<MemberStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        ClusterNode? node = null;
        ClusterMembership? membership = null;
        RunService? runs = null;
        PbmHost? pbm = null;
        try
        {
            node = await ClusterNode.StartAsync(system, NodeMessages.Registry(), clusterSettings, stop).ConfigureAwait(false);
            var self = node.Address;
            system.ActorOf(Props.Create(() => new SelfRemovalWatcher(self, removal)), "removal-watcher");
            membership = await ClusterMembership.StartAsync(node, stop).ConfigureAwait(false);
            ShardHostState? shards = null;
            if (roles.Contains(ShardPlacement.MinersRole) || roles.Contains(ShardPlacement.GpuRole))
            {
                shards = new ShardHostState();
                var state = shards;
                system.ActorOf(Props.Create(() => new ShardHostActor(settings, state)), "shards");
            }

            if (roles.Contains(CoordinatorRole))
            {
                runs = await RunService.StartAsync(membership, settings, connectionString, stop).ConfigureAwait(false);
            }

            pbm = new PbmHost(system, config);
            ClusterPbm.Register(pbm, membership);
            NodePbm.Register(pbm, runs, shards);
            pbm.Start();
            stdout.WriteLine($"marketsim node {node.Address} up; roles [{string.Join(",", roles)}]; pbm {pbm.BoundEndpoint}");
            stdout.Flush();

            var stopped = Task.Delay(Timeout.Infinite, stop);
            var removed = membership.WhenRemoved;
            await Task.WhenAny(stopped, removed).ConfigureAwait(false);
            var downed = removed.IsCompleted && await removal.Task.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(t => t.IsCompletedSuccessfully && t.Result == MemberStatus.Down, TaskScheduler.Default).ConfigureAwait(false);
            if (!removed.IsCompleted)
            {
                stdout.WriteLine($"marketsim node {node.Address}: leaving the cluster");
                membership.Leave(membership.SelfAddress);
            }

            if (runs is not null)
            {
                // a run in progress is interrupted and goes back to the queue for another coordinator
                await runs.DisposeAsync().ConfigureAwait(false);
                runs = null;
            }

            if (shards is not null)
            {
                await HandOffAsync(shards, settings.HandoffTimeout, stdout, node.Address).ConfigureAwait(false);
            }

            if (!downed)
            {
                await membership.WhenRemoved.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }

            stdout.WriteLine(downed ? $"marketsim node {node.Address}: downed by the cluster; stopping" : $"marketsim node {node.Address}: left the cluster");
            stdout.Flush();
            return downed ? 1 : 0;
        }
        finally
        {
            if (runs is not null)
            {
                await runs.DisposeAsync().ConfigureAwait(false);
            }

            if (pbm is not null)
            {
                await pbm.DisposeAsync().ConfigureAwait(false);
            }

            if (membership is not null)
            {
                await membership.DisposeAsync().ConfigureAwait(false);
            }

            if (node is not null)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }

            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the coordinators have moved every shard off this node (or the timeout).</summary>
    private static async Task HandOffAsync(ShardHostState shards, TimeSpan timeout, TextWriter stdout, NodeAddress self)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (shards.Hosted.Count > 0 && clock.Elapsed < timeout)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        var left = shards.Hosted;
        stdout.WriteLine(left.Count == 0
            ? $"marketsim node {self}: handoff done (no shard left here; {shards.Released} shards moved to other nodes by their coordinators)"
            : $"marketsim node {self}: handoff timed out after {timeout.TotalSeconds:F0} s with {left.Count} shards still here ({string.Join(", ", left.Select(h => $"{h.RunId}/shard-{h.Shard}"))}); their coordinators re-place them when this node is gone");
    }

    /// <summary>Completes with the status this node had when the cluster removed it (Exiting after a leave, Down when downed).</summary>
    private sealed class SelfRemovalWatcher : ReceiveActor
    {
        public SelfRemovalWatcher(NodeAddress self, TaskCompletionSource<MemberStatus> removal) =>
            Receive<MemberRemoved>(m =>
            {
                if (m.Member.Address == self)
                {
                    removal.TrySetResult(m.PreviousStatus);
                }
            });

        protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(MemberRemoved));
    }
}
