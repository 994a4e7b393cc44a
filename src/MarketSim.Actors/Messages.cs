namespace MarketSim.Actors;

/// <summary>Marker for messages the runtime handles before the actor's behaviour sees them.</summary>
public interface IAutoReceivedMessage
{
}

/// <summary>Stops the actor once it is processed (in mailbox order, like an ordinary message).</summary>
public sealed class PoisonPill : IAutoReceivedMessage
{
    private PoisonPill()
    {
    }

    /// <summary>The singleton.</summary>
    public static PoisonPill Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<PoisonPill>";
}

/// <summary>Makes the actor throw <see cref="ActorKilledException"/> (its supervisor decides; the default stops it).</summary>
public sealed class Kill : IAutoReceivedMessage
{
    private Kill()
    {
    }

    /// <summary>The singleton.</summary>
    public static Kill Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<Kill>";
}

/// <summary>Every actor answers it with <see cref="ActorIdentity"/>.</summary>
public sealed record Identify(object? MessageId) : IAutoReceivedMessage;

/// <summary>Reply to <see cref="Identify"/>; <see cref="Subject"/> is null when no actor exists.</summary>
public sealed record ActorIdentity(object? MessageId, IActorRef? Subject);

/// <summary>Sent to watchers once the watched actor has fully stopped.</summary>
public sealed record Terminated(IActorRef ActorRef, bool ExistenceConfirmed, bool AddressTerminated) : IAutoReceivedMessage;

/// <summary>Status replies (Akka's <c>Status.Success</c> / <c>Status.Failure</c>).</summary>
public abstract record Status
{
    /// <summary>A successful reply.</summary>
    public sealed record Success(object? Status) : Actors.Status;

    /// <summary>A failed reply: an Ask receiving it faults with <see cref="Cause"/>.</summary>
    public sealed record Failure(Exception Cause, object? State = null) : Actors.Status;
}

/// <summary>Message envelope in a mailbox.</summary>
public readonly record struct Envelope(object Message, IActorRef? Sender);
