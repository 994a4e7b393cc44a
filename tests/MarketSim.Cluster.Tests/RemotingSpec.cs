using System.Text;
using MarketSim.Actors;
using MarketSim.Actors.Event;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Xunit.Abstractions;

namespace MarketSim.Cluster.Tests;

/// <summary>Two nodes (the TestKit's system "test" = A, and "nodeB") in one process, over the real RabbitMQ.</summary>
[Trait("Category", "RabbitMQ")]
public sealed class RemotingSpec(ITestOutputHelper output) : TestKit.TestKit(output: output), IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly string _cluster = "spec-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<ClusterNode> _extraNodes = [];
    private ActorSystem _sysB = null!;
    private ClusterNode _nodeA = null!;
    private ClusterNode _nodeB = null!;
    private IConnection _raw = null!;

    public async Task InitializeAsync()
    {
        _sysB = ActorSystem.Create("nodeB");
        _nodeA = await ClusterNode.StartAsync(Sys, TestRegistry.Common().Register("test.only-a", TestMessagesContext.Default.OnlyOnA), TestAmqp.Settings(_cluster));
        _nodeB = await ClusterNode.StartAsync(_sysB, TestRegistry.Common(), TestAmqp.Settings(_cluster));
        _raw = await new ConnectionFactory { Uri = new Uri(TestAmqp.Uri) }.CreateConnectionAsync();
        Sys.ActorOf(Props.Create(() => new Echo()), "echo");
        _sysB.ActorOf(Props.Create(() => new Echo()), "echo");
    }

    public async Task DisposeAsync()
    {
        foreach (var n in _extraNodes)
        {
            await n.DisposeAsync();
        }
        await _nodeA.DisposeAsync();
        await _nodeB.DisposeAsync();
        await _raw.CloseAsync();
        await _raw.DisposeAsync();
        await _sysB.Terminate();
    }

    private RemoteActorRef EchoOnB => _nodeA.RemoteRef(_nodeB.Address, "/user/echo");

    private RemoteActorRef EchoOnA => _nodeB.RemoteRef(_nodeA.Address, "/user/echo");

    private async Task PublishRawToB(byte[] body)
    {
        await using var channel = await _raw.CreateChannelAsync();
        await channel.BasicPublishAsync("", _nodeB.QueueName, body);
    }

    private TestKit.TestProbe DeadLettersOf(ActorSystem system)
    {
        var probe = CreateTestProbe();
        system.EventStream.Subscribe(probe.Ref, typeof(DeadLetter));
        return probe;
    }

    private string Envelope(string cluster, string manifest, int version, string payload, string to = "/user/echo") =>
        $$"""{"format":1,"cluster":"{{cluster}}","to":"{{to}}","fromNode":"{{_nodeA.Address.Node}}","from":"{{TestActor.Path.ToStringWithoutAddress()}}","manifest":"{{manifest}}","version":{{version}},"payload":{{payload}}}""";

    [Fact]
    public void A_tell_reaches_an_actor_on_the_other_node_and_the_reply_reaches_the_sender()
    {
        EchoOnB.Tell(new Ping(1), TestActor);

        ExpectMsg<Pong>(p => p.N == 1 && p.By == "nodeB", Timeout);
        var sender = Assert.IsType<RemoteActorRef>(LastSender);
        Assert.Equal($"akka://{_cluster}@localhost:{_nodeB.Settings.NodeId}/user/echo", sender.Path.ToString());
        Assert.Equal(_nodeB.Address, sender.Node);
    }

    [Fact]
    public void An_actor_on_the_second_node_tells_an_actor_on_the_first_and_receives_the_reply()
    {
        var relay = _sysB.ActorOf(Props.Create(() => new Relay(EchoOnA, TestActor)), "relay");

        relay.Tell(new Ping(7), ActorRefs.Nobody);

        var reply = ExpectMsg<Relay.Reply>(Timeout);
        Assert.Equal(new Pong(7, "test"), reply.Pong);
        Assert.Equal(EchoOnA.Path, reply.From.Path);
    }

    [Fact]
    public async Task Ask_through_a_ref_typed_as_IActorRef_also_gets_its_response()
    {
        IActorRef echo = EchoOnB; // Futures.Ask: the temporary ref lives in the last created system, here nodeB

        Assert.Equal(new Pong(11, "nodeB"), await echo.Ask<Pong>(new Ping(11), Timeout));
    }

    [Fact]
    public async Task Ask_to_a_path_where_nobody_answers_times_out_naming_the_remote_path()
    {
        var ghost = _nodeA.RemoteRef(_nodeB.Address, "/user/ghost");

        var ex = await Assert.ThrowsAsync<AskTimeoutException>(() => ghost.Ask<Pong>(new Ping(12), TimeSpan.FromMilliseconds(500)));

        Assert.Contains(ghost.Path.ToString(), ex.Message);
    }

    [Fact]
    public async Task Ask_gets_a_response_from_the_other_node_in_both_directions()
    {
        var fromB = await EchoOnB.Ask<Pong>(new Ping(2), Timeout);
        var fromA = await EchoOnA.Ask<Pong>(new Ping(3), Timeout);

        Assert.Equal(new Pong(2, "nodeB"), fromB);
        Assert.Equal(new Pong(3, "test"), fromA);
    }

    [Fact]
    public void Messages_from_one_sender_to_one_receiver_arrive_in_the_order_sent()
    {
        const int count = 300;
        var echo = EchoOnB;
        for (var i = 0; i < count; i++)
        {
            echo.Tell(new Seq(i), TestActor);
        }

        for (var i = 0; i < count; i++)
        {
            ExpectMsg(new Seq(i), Timeout);
        }
        AwaitCondition(() => _nodeA.Stats.Sent >= count && _nodeB.Stats.Delivered >= count, Timeout);
    }

    [Fact]
    public async Task Corrupt_bytes_are_rejected_and_counted_and_the_node_keeps_working()
    {
        var deadLetters = DeadLettersOf(_sysB);

        await PublishRawToB([0xff, 0x00, 0x13, 0x37, 0x7b, 0x22]);
        await PublishRawToB(Encoding.UTF8.GetBytes(Envelope(_cluster, "test.ping", 1, """{"N":"not a number"}""")));

        await AwaitAssertAsync(() =>
        {
            Assert.Equal(2, _nodeB.Stats.Rejected(RejectionReason.MalformedPayload));
            return Task.CompletedTask;
        }, Timeout);
        var first = deadLetters.ExpectMsg<DeadLetter>(Timeout);
        Assert.Equal(RejectionReason.MalformedPayload, Assert.IsType<RejectedRemoteMessage>(first.Message).Reason);
        Assert.Equal(new Pong(4, "nodeB"), await EchoOnB.Ask<Pong>(new Ping(4), Timeout));
        Assert.Equal(0, _nodeB.Stats.Rejected(RejectionReason.UnknownRecipient));
    }

    [Fact]
    public async Task A_node_of_another_cluster_name_is_rejected_and_counted_and_the_node_keeps_working()
    {
        var otherSys = ActorSystem.Create("nodeC");
        try
        {
            var foreign = await ClusterNode.StartAsync(otherSys, TestRegistry.Common(), TestAmqp.Settings(_cluster + "-other"));
            _extraNodes.Add(foreign);

            foreign.RemoteRef(_nodeB.Address, "/user/echo").Tell(new Ping(5), ActorRefs.Nobody);

            AwaitCondition(() => _nodeB.Stats.Rejected(RejectionReason.ForeignCluster) == 1, Timeout);
            Assert.Equal(1, foreign.Stats.Sent);
            Assert.Equal(0, _nodeB.Stats.Delivered);
            Assert.Equal(new Pong(6, "nodeB"), await EchoOnB.Ask<Pong>(new Ping(6), Timeout));
        }
        finally
        {
            await otherSys.Terminate();
        }
    }

    [Fact]
    public async Task An_unknown_manifest_and_an_unsupported_version_are_rejected_and_counted()
    {
        EchoOnB.Tell(new OnlyOnA("B does not know me"), TestActor);
        await PublishRawToB(Encoding.UTF8.GetBytes(Envelope(_cluster, "test.ping", 99, """{"N":1}""")));

        AwaitCondition(() => _nodeB.Stats.Rejected(RejectionReason.UnknownManifest) == 1
            && _nodeB.Stats.Rejected(RejectionReason.UnsupportedVersion) == 1, Timeout);
        Assert.Equal(0, _nodeB.Stats.Delivered);
        Assert.Equal(new Pong(8, "nodeB"), await EchoOnB.Ask<Pong>(new Ping(8), Timeout));
    }

    [Fact]
    public void A_message_for_an_unknown_path_becomes_a_counted_dead_letter_on_the_receiving_node()
    {
        var deadLetters = DeadLettersOf(_sysB);

        _nodeA.RemoteRef(_nodeB.Address, "/user/ghost").Tell(new Ping(9), TestActor);

        var dl = deadLetters.ExpectMsg<DeadLetter>(Timeout);
        var rejected = Assert.IsType<RejectedRemoteMessage>(dl.Message);
        Assert.Equal(RejectionReason.UnknownRecipient, rejected.Reason);
        Assert.Equal(new Ping(9), rejected.Message);
        Assert.Equal(TestActor.Path.ToStringWithoutAddress(), Assert.IsType<RemoteActorRef>(dl.Sender).PathWithoutAddress);
        Assert.Equal(1, _nodeB.Stats.Rejected(RejectionReason.UnknownRecipient));
    }

    [Fact]
    public void An_unregistered_message_type_is_dead_lettered_on_the_sending_node_without_throwing()
    {
        var deadLetters = DeadLettersOf(Sys);

        EchoOnB.Tell(new NotRegistered(1), TestActor);

        var dl = deadLetters.ExpectMsg<DeadLetter>(Timeout);
        Assert.Equal(RejectionReason.NotSerializable, Assert.IsType<RejectedRemoteMessage>(dl.Message).Reason);
        Assert.Equal(1, _nodeA.Stats.Rejected(RejectionReason.NotSerializable));
        Assert.Equal(0, _nodeA.Stats.Sent);
    }

    [Fact]
    public async Task A_node_that_disconnects_loses_its_queue_and_messages_for_it_come_back_unroutable()
    {
        await using (var channel = await _raw.CreateChannelAsync())
        {
            // while B is connected its queue exists and is exclusive to B's connection
            var locked = await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.QueueDeclarePassiveAsync(_nodeB.QueueName));
            Assert.Equal((ushort)405, locked.ShutdownReason?.ReplyCode);
        }

        await _nodeB.DisposeAsync();

        await AwaitAssertAsync(async () =>
        {
            await using var channel = await _raw.CreateChannelAsync();
            var ex = await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.QueueDeclarePassiveAsync(_nodeB.QueueName));
            Assert.Equal((ushort)404, ex.ShutdownReason?.ReplyCode);
        }, Timeout);
        EchoOnB.Tell(new Ping(10), TestActor);
        AwaitCondition(() => _nodeA.Stats.Rejected(RejectionReason.Unroutable) == 1, Timeout);
        Assert.Equal(0, _nodeA.Stats.Sent);
    }
}
