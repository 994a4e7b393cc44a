namespace MarketSim.Actors;

/// <summary>Base of the runtime's exceptions.</summary>
public class AkkaException : Exception
{
    /// <summary>Create.</summary>
    public AkkaException(string message, Exception? cause = null) : base(message, cause)
    {
    }
}

/// <summary>Name invalid or already taken by a sibling.</summary>
public sealed class InvalidActorNameException(string message) : AkkaException(message);

/// <summary>The actor could not be created (constructor, PreStart or PostRestart threw).</summary>
public sealed class ActorInitializationException(IActorRef? actor, string message, Exception? cause = null)
    : AkkaException(message, cause)
{
    /// <summary>The actor that failed to start.</summary>
    public IActorRef? Actor { get; } = actor;
}

/// <summary>Thrown by an actor that received <see cref="Kill"/>.</summary>
public sealed class ActorKilledException(string message) : AkkaException(message);

/// <summary>An actor did not handle the <see cref="Terminated"/> of an actor it watched.</summary>
public sealed class DeathPactException(IActorRef deadActor)
    : AkkaException($"Monitored actor [{deadActor}] terminated")
{
    /// <summary>The actor that died.</summary>
    public IActorRef DeadActor { get; } = deadActor;
}

/// <summary>An Ask did not get a reply in time.</summary>
public sealed class AskTimeoutException(string message) : AkkaException(message);

/// <summary><see cref="ActorSelection.ResolveOne"/> found no actor.</summary>
public sealed class ActorNotFoundException(string message) : AkkaException(message);

/// <summary>An actor was used in a way its state does not allow (e.g. stashing twice).</summary>
public sealed class IllegalActorStateException(string message) : AkkaException(message);
