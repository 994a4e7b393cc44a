using System.Linq.Expressions;

namespace MarketSim.Actors;

/// <summary>
/// Immutable recipe for creating an actor (Akka's <c>Props</c>). The factory is invoked for the first
/// incarnation and again on every restart, so each restart gets a fresh instance.
/// </summary>
public sealed class Props
{
    private Props(Type actorType, Func<ActorBase> factory)
    {
        ActorType = actorType;
        Factory = factory;
    }

    /// <summary>The actor class.</summary>
    public Type ActorType { get; }

    internal Func<ActorBase> Factory { get; }

    /// <summary>Strategy used by the created actor to supervise its children (overrides the actor's <c>SupervisorStrategy()</c>).</summary>
    public SupervisorStrategy? SupervisorStrategy { get; private init; }

    /// <summary>Dispatcher id. Only <c>akka.actor.default-dispatcher</c> (the .NET thread pool) exists.</summary>
    public string Dispatcher { get; private init; } = "akka.actor.default-dispatcher";

    /// <summary>Mailbox id. Only the default unbounded mailbox exists.</summary>
    public string Mailbox { get; private init; } = "akka.actor.default-mailbox";

    /// <summary>Props for an actor with a public parameterless constructor.</summary>
    public static Props Create<TActor>() where TActor : ActorBase, new() => new(typeof(TActor), static () => new TActor());

    /// <summary>Props from a constructor expression, e.g. <c>Props.Create(() =&gt; new Counter(5))</c>.</summary>
    public static Props Create<TActor>(Expression<Func<TActor>> factory) where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        var compiled = factory.Compile();
        return new Props(typeof(TActor), compiled);
    }

    /// <summary>Props for <typeparamref name="TActor"/> built with the given constructor arguments.</summary>
    public static Props Create<TActor>(params object?[] args) where TActor : ActorBase =>
        Create(typeof(TActor), args);

    /// <summary>Props for the given actor type built with the given constructor arguments.</summary>
    public static Props Create(Type actorType, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(actorType);
        if (!typeof(ActorBase).IsAssignableFrom(actorType))
        {
            throw new ArgumentException($"{actorType} is not an actor type (it does not derive from ActorBase).", nameof(actorType));
        }
        return new Props(actorType, () => (ActorBase)Activator.CreateInstance(actorType, args)!);
    }

    /// <summary>Copy with a supervisor strategy for the actor's children.</summary>
    public Props WithSupervisorStrategy(SupervisorStrategy strategy) => new(ActorType, Factory)
    {
        SupervisorStrategy = strategy,
        Dispatcher = Dispatcher,
        Mailbox = Mailbox,
    };

    /// <summary>Copy with another dispatcher id (only the default dispatcher is implemented; others throw at ActorOf).</summary>
    public Props WithDispatcher(string dispatcher) => new(ActorType, Factory)
    {
        SupervisorStrategy = SupervisorStrategy,
        Dispatcher = dispatcher,
        Mailbox = Mailbox,
    };

    /// <summary>Copy with another mailbox id (only the default mailbox is implemented; others throw at ActorOf).</summary>
    public Props WithMailbox(string mailbox) => new(ActorType, Factory)
    {
        SupervisorStrategy = SupervisorStrategy,
        Dispatcher = Dispatcher,
        Mailbox = mailbox,
    };

    internal void Validate()
    {
        if (Dispatcher is not ("akka.actor.default-dispatcher" or "default-dispatcher"))
        {
            throw new NotSupportedException($"Dispatcher [{Dispatcher}] is not configured; only akka.actor.default-dispatcher exists.");
        }
        if (Mailbox is not ("akka.actor.default-mailbox" or "default-mailbox" or "unbounded"))
        {
            throw new NotSupportedException($"Mailbox [{Mailbox}] is not configured; only akka.actor.default-mailbox exists.");
        }
    }
}
