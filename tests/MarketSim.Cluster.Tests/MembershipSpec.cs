using System.Text;
using MarketSim.Actors;
using MarketSim.Pbm;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace MarketSim.Cluster.Tests;

/// <summary>Three nodes (the TestKit's system "test" = A, "nodeB", "nodeC") in one process, over the real RabbitMQ.</summary>
[Trait("Category", "RabbitMQ")]
public sealed class MembershipSpec(ITestOutputHelper output) : TestKit.TestKit(output: output), IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _cluster = "members-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<ActorSystem> _systems = [];
    private readonly List<ClusterNode> _nodes = [];
    private readonly List<ClusterMembership> _members = [];

    private ClusterSettings Settings(params string[] roles) => TestAmqp.Settings(_cluster) with
    {
        Roles = roles,
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        AcceptableHeartbeatPause = TimeSpan.FromSeconds(3),
        StableAfter = TimeSpan.FromSeconds(1),
    };

    public async Task InitializeAsync()
    {
        _systems.AddRange([Sys, ActorSystem.Create("nodeB"), ActorSystem.Create("nodeC")]);
        string[][] roles = [["frontend"], ["backend", "miner"], []];
        for (var i = 0; i < 3; i++)
        {
            var node = await ClusterNode.StartAsync(_systems[i], TestRegistry.Common(), Settings(roles[i]));
            _nodes.Add(node);
            _members.Add(await ClusterMembership.StartAsync(node));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var m in _members)
        {
            await m.DisposeAsync();
        }
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }
        foreach (var s in _systems.Skip(1))
        {
            await s.Terminate();
        }
    }

    private void AwaitAllUp(IEnumerable<ClusterMembership> members, int count)
    {
        var list = members.ToList();
        AwaitAssert(() =>
        {
            foreach (var m in list)
            {
                Assert.Equal(count, m.Members.Count(x => x.Status == MemberStatus.Up && x.Reachable));
                Assert.Equal(count, m.Members.Count);
            }
            var lowest = list.Select(m => m.SelfAddress).MinBy(a => a.Node, StringComparer.Ordinal);
            Assert.All(list, m => Assert.Equal(lowest, m.Leader));
        }, Timeout, TimeSpan.FromMilliseconds(100));
    }

    private TestKit.TestProbe MemberEventsOf(ActorSystem system)
    {
        var probe = CreateTestProbe();
        system.EventStream.Subscribe(probe.Ref, typeof(ClusterDomainEvent));
        return probe;
    }

    [Fact]
    public void Three_nodes_become_up_with_their_roles_and_agree_on_the_lowest_address_as_leader()
    {
        AwaitAllUp(_members, 3);

        foreach (var m in _members)
        {
            var view = m.Members;
            Assert.Equal(["frontend"], view.Single(x => x.Address == _members[0].SelfAddress).Roles);
            Assert.Equal(["backend", "miner"], view.Single(x => x.Address == _members[1].SelfAddress).Roles);
            Assert.Empty(view.Single(x => x.Address == _members[2].SelfAddress).Roles);
        }
        Assert.All(_members, m => Assert.Equal(MemberStatus.Up, m.Self.Status));
        Assert.All(_members, m => Assert.True(m.HeartbeatsReceived > 0));
    }

    [Fact]
    public async Task A_graceful_leave_of_the_leader_goes_leaving_exiting_removed_on_the_other_members_and_the_next_lowest_leads()
    {
        AwaitAllUp(_members, 3);
        var l = _members.FindIndex(m => m.SelfAddress == _members[0].Leader);
        var leaver = _members[l].SelfAddress;
        var others = Enumerable.Range(0, 3).Where(i => i != l).ToList();
        var probes = others.Select(i => MemberEventsOf(_systems[i])).ToList();

        Assert.True(await _members[l].LeaveAsync(Timeout), "the leaving node never saw itself removed");

        foreach (var probe in probes)
        {
            probe.FishForMessage<MemberLeft>(e => e.Member.Address == leaver, Timeout);
            probe.FishForMessage<MemberExited>(e => e.Member.Address == leaver, Timeout);
            var removed = probe.FishForMessage<MemberRemoved>(e => e.Member.Address == leaver, Timeout);
            Assert.Equal(MemberStatus.Exiting, removed.PreviousStatus);
        }
        AwaitAllUp(others.Select(i => _members[i]), 2);
        Assert.Equal(MemberStatus.Removed, _members[l].Self.Status);
    }

    [Fact]
    public async Task A_node_whose_connection_dies_becomes_unreachable_then_down_by_keep_majority_and_is_removed()
    {
        AwaitAllUp(_members, 3);
        var victim = _members[2].SelfAddress;
        var onA = MemberEventsOf(_systems[0]);
        var onB = MemberEventsOf(_systems[1]);
        var onC = MemberEventsOf(_systems[2]);

        await _nodes[2].DisposeAsync(); // closes the AMQP connection: no leave, no more heartbeats

        foreach (var probe in new[] { onA, onB })
        {
            probe.FishForMessage<UnreachableMember>(e => e.Member.Address == victim, Timeout);
            probe.FishForMessage<MemberDowned>(e => e.Member.Address == victim, Timeout);
            var removed = probe.FishForMessage<MemberRemoved>(e => e.Member.Address == victim, Timeout);
            Assert.Equal(MemberStatus.Down, removed.PreviousStatus);
        }
        AwaitAllUp(_members.Take(2), 2);
        // the isolated node is the minority of its own view (1 against 2): keep-majority downs it there too
        onC.FishForMessage<MemberDowned>(e => e.Member.Address == victim, Timeout);
    }

    [Fact]
    public async Task Cluster_show_over_pbm_lists_every_member_with_roles_and_state_and_leader_and_down_work()
    {
        AwaitAllUp(_members, 3);
        await using var host = new PbmHost(Sys, Hocon.ConfigFactory.ParseString("petabridge.cmd { host = \"127.0.0.1\", port = 0 }"));
        ClusterPbm.Register(host, _members[0]);
        host.Start();
        await using var client = await PbmClient.ConnectAsync("127.0.0.1", host.BoundEndpoint.Port);
        Assert.Contains(client.Palettes, p => p.Name == "cluster");

        var version = _nodes[0].Settings.AppVersion;
        string[] roles = ["[frontend]", "[backend,miner]", "[]"];
        var expected = Enumerable.Range(0, 3)
            .Select(i => $"akka://{_cluster}@localhost:{_nodes[i].Settings.NodeId} | {roles[i]} | up |  | {version}")
            .Order(StringComparer.Ordinal)
            .Append("Count: 3 nodes")
            .ToList();
        var lines = new List<string>();
        // membership is eventually consistent (a busy machine may delay a heartbeat): ask again until the view matches
        await AwaitAssertAsync(async () =>
        {
            lines.Clear();
            var result = await client.ExecuteAsync("cluster show", lines.Add);
            Assert.True(result.Ok, result.Error);
            Assert.Equal(expected, lines);
        }, Timeout, TimeSpan.FromMilliseconds(200));

        await AwaitAssertAsync(async () =>
        {
            lines.Clear();
            Assert.True((await client.ExecuteAsync("cluster leader", lines.Add)).Ok);
            Assert.Equal([_members[0].Leader?.ToString() ?? "no leader"], lines);
        }, Timeout, TimeSpan.FromMilliseconds(200));

        var victim = _members[2].SelfAddress;
        var onB = MemberEventsOf(_systems[1]);
        lines.Clear();
        Assert.True((await client.ExecuteAsync($"cluster down -a {victim}", lines.Add)).Ok);
        Assert.Equal([$"{victim} is down"], lines);
        onB.FishForMessage<MemberDowned>(e => e.Member.Address == victim, Timeout);
        onB.FishForMessage<MemberRemoved>(e => e.Member.Address == victim, Timeout);
        AwaitAllUp(_members.Take(2), 2);

        var bad = await client.ExecuteAsync("cluster down -a akka://nope@localhost:123", _ => { });
        Assert.False(bad.Ok);
        await AwaitAssertAsync(async () =>
        {
            lines.Clear();
            Assert.True((await client.ExecuteAsync("cluster down-unreachable", lines.Add)).Ok);
            Assert.Equal(["Downed: 0 nodes"], lines);
        }, Timeout, TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_heartbeat_from_another_cluster_name_or_corrupt_bytes_are_ignored_and_counted()
    {
        AwaitAllUp(_members, 3);
        await using var raw = await new ConnectionFactory { Uri = new Uri(TestAmqp.Uri) }.CreateConnectionAsync();
        await using var channel = await raw.CreateChannelAsync();
        var exchange = ClusterMembership.GossipExchangeFor(_cluster);
        var foreign = """{"format":1,"cluster":"other","from":"intruder:1","members":[{"node":"intruder:1","status":"Up","roles":[],"appVersion":"9"}]}""";

        await channel.BasicPublishAsync(exchange, "", Encoding.UTF8.GetBytes(foreign));
        await channel.BasicPublishAsync(exchange, "", Encoding.UTF8.GetBytes("not json {"));

        AwaitCondition(() => _members.All(m => m.ForeignHeartbeats == 1 && m.MalformedHeartbeats == 1), Timeout);
        Assert.All(_members, m => Assert.DoesNotContain(m.Members, x => x.Address.Host == "intruder"));
        AwaitAllUp(_members, 3);
    }
}
