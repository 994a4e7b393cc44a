using System.Text.Json.Serialization;
using MarketSim.Actors;

namespace MarketSim.Cluster.Tests;

public sealed record Ping(int N);

public sealed record Pong(int N, string By);

public sealed record Seq(int N);

public sealed record OnlyOnA(string Text);

public sealed record NotRegistered(int X);

[JsonSerializable(typeof(Ping))]
[JsonSerializable(typeof(Pong))]
[JsonSerializable(typeof(Seq))]
[JsonSerializable(typeof(OnlyOnA))]
internal sealed partial class TestMessagesContext : JsonSerializerContext;

internal static class TestRegistry
{
    public static MessageRegistry Common() => new MessageRegistry()
        .Register("test.ping", TestMessagesContext.Default.Ping)
        .Register("test.pong", TestMessagesContext.Default.Pong)
        .Register("test.seq", TestMessagesContext.Default.Seq);
}

/// <summary>Answers Ping with Pong (naming its system) and echoes Seq to the sender.</summary>
public sealed class Echo : ReceiveActor
{
    public Echo()
    {
        Receive<Ping>(p => Sender.Tell(new Pong(p.N, Self.Path.SystemName), Self));
        Receive<Seq>(s => Sender.Tell(s, Self));
    }
}

/// <summary>Sends a local Ping on to a remote target with itself as sender; reports the Pong (and its sender) to <c>reportTo</c>.</summary>
public sealed class Relay : ReceiveActor
{
    public sealed record Reply(Pong Pong, IActorRef From);

    public Relay(IActorRef target, IActorRef reportTo)
    {
        Receive<Ping>(p => target.Tell(p, Self));
        Receive<Pong>(p => reportTo.Tell(new Reply(p, Sender), Self));
    }
}

internal static class TestAmqp
{
    public static string Uri => Environment.GetEnvironmentVariable("MARKETSIM_TEST_AMQP") is { Length: > 0 } uri
        ? uri
        : throw new InvalidOperationException(
            "MARKETSIM_TEST_AMQP is not set: run ./test.sh, which starts RabbitMQ (or scripts/services.sh start DIR && source DIR/env).");

    public static ClusterSettings Settings(string cluster) => ClusterSettings.FromConfig(Hocon.ConfigFactory.ParseString(
        $"marketsim.cluster {{ name = \"{cluster}\", amqp-uri = \"{Uri}\", hostname = localhost, log-rejections = on }}"));
}
