using MarketSim.Actors.Event;

namespace MarketSim.Actors;

/// <summary>Creates actors (the system and every actor context).</summary>
public interface IActorRefFactory
{
    /// <summary>Create an actor; <paramref name="name"/> must be unique among siblings (random when null).</summary>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>Select actors by path (absolute, or relative to this context).</summary>
    ActorSelection ActorSelection(string path);
}

/// <summary>What an actor sees of itself while it runs (Akka's <c>IActorContext</c>).</summary>
public interface IActorContext : IActorRefFactory
{
    /// <summary>This actor.</summary>
    IActorRef Self { get; }

    /// <summary>Sender of the current message (dead letters when none).</summary>
    IActorRef Sender { get; }

    /// <summary>The parent (supervisor).</summary>
    IActorRef Parent { get; }

    /// <summary>The system.</summary>
    ActorSystem System { get; }

    /// <summary>The props this actor was created from.</summary>
    Props Props { get; }

    /// <summary>Child by name, or <see cref="ActorRefs.Nobody"/>.</summary>
    IActorRef Child(string name);

    /// <summary>Living children.</summary>
    IEnumerable<IActorRef> Children { get; }

    /// <summary>Watch an actor: a <see cref="Terminated"/> arrives once it has stopped (also if it is already dead).</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>Stop watching.</summary>
    IActorRef Unwatch(IActorRef subject);

    /// <summary>Stop a child or this actor (asynchronously; the current message completes first).</summary>
    void Stop(IActorRef child);

    /// <summary>Replace the current behaviour.</summary>
    void Become(Receive receive);

    /// <summary>Push a behaviour.</summary>
    void BecomeStacked(Receive receive);

    /// <summary>Pop a behaviour.</summary>
    void UnbecomeStacked();

    /// <summary>Logger whose source is this actor's path.</summary>
    ILoggingAdapter GetLogger();
}
