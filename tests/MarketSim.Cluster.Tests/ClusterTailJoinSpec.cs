using MarketSim.Actors;
using MarketSim.Pbm;
using Xunit.Abstractions;

namespace MarketSim.Cluster.Tests;

/// <summary>
/// pbm <c>cluster tail</c> and <c>cluster join</c>, and <c>auto-join = off</c>: several nodes (the TestKit's system "test" first) in one
/// process, over the real RabbitMQ.
/// </summary>
[Trait("Category", "RabbitMQ")]
public sealed class ClusterTailJoinSpec(ITestOutputHelper output) : TestKit.TestKit(output: output), IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _cluster = "tailjoin-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<ActorSystem> _systems = [];
    private readonly List<ClusterNode> _nodes = [];
    private readonly List<ClusterMembership> _members = [];
    private readonly List<PbmHost> _hosts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var h in _hosts)
        {
            await h.DisposeAsync();
        }
        foreach (var m in _members)
        {
            await m.DisposeAsync();
        }
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }
        foreach (var s in _systems.Where(s => s != Sys))
        {
            await s.Terminate();
        }
    }

    /// <summary>A node and its membership on a new actor system (the TestKit's own for the first one).</summary>
    private async Task<ClusterMembership> StartMember(bool autoJoin = true)
    {
        var system = _systems.Count == 0 ? Sys : ActorSystem.Create("node" + _systems.Count);
        _systems.Add(system);
        var node = await ClusterNode.StartAsync(system, TestRegistry.Common(), TestAmqp.Settings(_cluster) with
        {
            AutoJoin = autoJoin,
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
            AcceptableHeartbeatPause = TimeSpan.FromSeconds(3),
            StableAfter = TimeSpan.FromSeconds(1),
        });
        _nodes.Add(node);
        var membership = await ClusterMembership.StartAsync(node);
        _members.Add(membership);
        return membership;
    }

    private async Task<PbmClient> PbmOn(ClusterMembership membership)
    {
        var host = new PbmHost(membership.Node.System, Hocon.ConfigFactory.ParseString("petabridge.cmd { host = \"127.0.0.1\", port = 0 }"));
        _hosts.Add(host);
        ClusterPbm.Register(host, membership);
        host.Start();
        return await PbmClient.ConnectAsync("127.0.0.1", host.BoundEndpoint.Port);
    }

    private void AwaitAllUp(IReadOnlyList<ClusterMembership> members)
    {
        AwaitAssert(() =>
        {
            foreach (var m in members)
            {
                Assert.Equal(members.Count, m.Members.Count(x => x.Status == MemberStatus.Up && x.Reachable));
                Assert.Equal(members.Count, m.Members.Count);
            }
        }, Timeout, TimeSpan.FromMilliseconds(100));
    }

    private static async Task<(bool Ok, string? Error, List<string> Lines)> Run(PbmClient client, string command)
    {
        var lines = new List<string>();
        var result = await client.ExecuteAsync(command, lines.Add);
        return (result.Ok, result.Error, lines);
    }

    [Fact]
    public async Task Cluster_tail_prints_the_members_then_member_up_unreachable_and_removed_and_stops_when_cancelled()
    {
        var a = await StartMember();
        var b = await StartMember();
        AwaitAllUp([a, b]);
        await using var client = await PbmOn(a);
        var version = _nodes[0].Settings.AppVersion;
        var lines = new List<string>();
        var gate = new Lock();
        string[] Lines()
        {
            lock (gate)
            {
                return [.. lines];
            }
        }
        using var cancel = new CancellationTokenSource();

        var tail = client.ExecuteAsync("cluster tail", line =>
        {
            lock (gate)
            {
                lines.Add(line);
            }
        }, cancel.Token);

        var snapshot = new[] { a, b }.Select(m => $"{m.SelfAddress} | [] | up |  | {version}").Order(StringComparer.Ordinal).Append("Count: 2 nodes").ToArray();
        AwaitAssert(() => Assert.Equal(snapshot, Lines().Take(3)), Timeout, TimeSpan.FromMilliseconds(50));
        AwaitCondition(() => Sys.GetChildren(Sys.Guardian).Any(c => c.Path.Name.StartsWith("cluster-tail-", StringComparison.Ordinal)), Timeout);

        var c = await StartMember();
        AwaitCondition(() => Lines().Contains($"MemberUp: {c.SelfAddress} | [] | up |  | {version}"), Timeout);

        await _nodes[2].DisposeAsync(); // its connection closes: no more heartbeats, keep-majority downs and removes it
        AwaitCondition(() => Lines().Contains($"UnreachableMember: {c.SelfAddress} | [] | up | unreachable | {version}"), Timeout);
        AwaitCondition(() => Lines().Contains($"MemberRemoved: {c.SelfAddress} | [] | removed | unreachable | {version} (previous: down)"), Timeout);
        Assert.True(Lines().Skip(3).All(l => l.Split(':')[0] is "MemberJoined" or "MemberUp" or "UnreachableMember" or "MemberDowned" or "MemberRemoved" or "LeaderChanged"),
            string.Join("\n", Lines()));
        Assert.False(tail.IsCompleted, "cluster tail ended before it was cancelled");

        await cancel.CancelAsync();
        var result = await tail.WaitAsync(Timeout);
        Assert.True(result.Ok, result.Error);
        Assert.True(result.Cancelled);
        // the subscriber actor is stopped (and unsubscribed); the connection takes the next command
        AwaitCondition(() => !Sys.GetChildren(Sys.Guardian).Any(x => x.Path.Name.StartsWith("cluster-tail-", StringComparison.Ordinal)), Timeout);
        var show = await Run(client, "cluster show");
        Assert.True(show.Ok, show.Error);
    }

    [Fact]
    public async Task With_auto_join_off_a_node_stays_out_of_the_cluster_until_it_joins_then_it_is_up()
    {
        var a = await StartMember();
        var b = await StartMember();
        var late = await StartMember(autoJoin: false);
        AwaitAllUp([a, b]);
        // the late node hears the cluster but nobody sees it, and it publishes nothing
        AwaitAssert(() => Assert.Equal(new[] { a, b }.Select(m => m.SelfAddress).OrderBy(x => x.Node, StringComparer.Ordinal), late.Members.Select(m => m.Address)), Timeout);
        Assert.False(late.Joined);
        Assert.Equal(0, late.HeartbeatsSent);
        Assert.All(new[] { a, b }, m => Assert.DoesNotContain(m.Members, x => x.Address == late.SelfAddress));
        await using var client = await PbmOn(late);
        var status = await Run(client, "cluster status");
        Assert.Equal([$"{late.SelfAddress} has not joined the cluster (auto-join = off): cluster join -a ADDRESS"], status.Lines);

        var join = await Run(client, $"cluster join -a {b.SelfAddress}");

        Assert.True(join.Ok, join.Error);
        Assert.Equal([$"{late.SelfAddress} is joining through {b.SelfAddress}"], join.Lines);
        Assert.True(late.Joined);
        AwaitAllUp([a, b, late]);
        Assert.True(late.HeartbeatsSent > 0);
    }

    [Fact]
    public async Task A_node_with_auto_join_off_joins_itself_to_form_the_cluster_and_after_it_left_cannot_rejoin()
    {
        var alone = await StartMember(autoJoin: false);
        Assert.Throws<InvalidOperationException>(() => alone.Join(NodeAddress.Parse($"akka://{_cluster}@localhost:nobody1")));

        Assert.True(alone.Join(alone.SelfAddress));
        AwaitAllUp([alone]);
        Assert.Equal(alone.SelfAddress, alone.Leader);
        var other = await StartMember();
        AwaitAllUp([alone, other]);

        Assert.True(await alone.LeaveAsync(Timeout)); // a leaving member is removed by another leader
        var ex = Assert.Throws<InvalidOperationException>(() => alone.Join(alone.SelfAddress));
        Assert.Contains("restart the node", ex.Message);
    }

    [Fact]
    public async Task Join_of_an_address_in_another_cluster_fails_naming_both_cluster_names()
    {
        var node = await StartMember(autoJoin: false);
        await using var client = await PbmOn(node);
        var foreign = $"akka://other-{_cluster}@localhost:0123456789ab";

        var join = await Run(client, $"cluster join -a {foreign}");

        Assert.False(join.Ok);
        Assert.Contains($"[other-{_cluster}]", join.Error);
        Assert.Contains($"[{_cluster}]", join.Error);
        Assert.False(node.Joined);
        var ex = Assert.Throws<InvalidOperationException>(() => node.Join(NodeAddress.Parse(foreign)));
        Assert.Equal(join.Error, ex.Message);
    }

    [Fact]
    public async Task Cluster_join_on_a_node_that_already_joined_says_it_is_already_a_member()
    {
        var a = await StartMember();
        var b = await StartMember();
        AwaitAllUp([a, b]);
        await using var client = await PbmOn(a);

        var join = await Run(client, $"cluster join -a {b.SelfAddress}");

        Assert.True(join.Ok, join.Error);
        Assert.Equal([$"{a.SelfAddress} is already a member of cluster [{_cluster}] (up)"], join.Lines);
        Assert.False(a.Join(a.SelfAddress));
        AwaitAllUp([a, b]);
    }
}

/// <summary><c>marketsim.cluster.auto-join</c> (no broker needed).</summary>
public sealed class AutoJoinSettingsSpec
{
    private static ClusterSettings Read(string autoJoin) => ClusterSettings.FromConfig(Hocon.ConfigFactory.ParseString(
        $"marketsim.cluster {{ amqp-uri = \"amqp://localhost/\"{(autoJoin.Length > 0 ? $", auto-join = {autoJoin}" : "")} }}"));

    [Fact]
    public void Auto_join_is_on_by_default_and_reads_on_and_off()
    {
        Assert.True(Read("").AutoJoin);
        Assert.True(Read("on").AutoJoin);
        Assert.False(Read("off").AutoJoin);
        Assert.False(Read("false").AutoJoin);
    }

    [Fact]
    public void Another_auto_join_value_is_refused_naming_the_key()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Read("sometimes"));
        Assert.Equal("marketsim.cluster.auto-join [sometimes] must be on or off.", ex.Message);
    }
}
