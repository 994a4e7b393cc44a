using MarketSim.Actors;

namespace MarketSim.Actors.Tests;

/// <summary>Replies to every message with the same message.</summary>
public sealed class EchoActor : ReceiveActor
{
    public EchoActor() => ReceiveAny(m => Sender.Tell(m));
}

/// <summary>Counts "inc", answers "get" with the count, throws on exceptions it receives.</summary>
public sealed class CounterActor : ReceiveActor
{
    private int _count;

    public CounterActor()
    {
        Receive<string>(s => s == "inc", _ => _count++);
        Receive<string>(s => s == "get", _ => Sender.Tell(_count));
        Receive<Exception>(ex => throw ex);
    }

    private void Receive<T>(Predicate<T> p, Action<T> a) => Receive(a, p);
}

/// <summary>Records lifecycle hooks to a probe.</summary>
public sealed class LifecycleActor : ReceiveActor
{
    private readonly IActorRef _probe;

    public LifecycleActor(IActorRef probe)
    {
        _probe = probe;
        _probe.Tell("ctor");
        Receive<Exception>(ex => throw ex);
        Receive<string>(s => Sender.Tell(s));
    }

    protected override void PreStart() => _probe.Tell("PreStart");

    protected override void PostStop() => _probe.Tell("PostStop");

    protected override void PreRestart(Exception reason, object? message)
    {
        _probe.Tell($"PreRestart:{reason.Message}:{message?.GetType().Name}");
        base.PreRestart(reason, message);
    }

    protected override void PostRestart(Exception reason)
    {
        _probe.Tell($"PostRestart:{reason.Message}");
        base.PostRestart(reason);
    }
}

/// <summary>Creates children on request with a given strategy.</summary>
public sealed class Supervisor : ReceiveActor
{
    private readonly SupervisorStrategy _strategy;

    public Supervisor(SupervisorStrategy strategy)
    {
        _strategy = strategy;
        Receive<Props>(p => Sender.Tell(Context.ActorOf(p)));
        Receive<(Props Props, string Name)>(p => Sender.Tell(Context.ActorOf(p.Props, p.Name)));
    }

    protected override SupervisorStrategy SupervisorStrategy() => _strategy;
}
