using MarketSim.Actors.Event;

namespace MarketSim.Actors;

/// <summary>
/// A handle to an actor. The only way to talk to an actor is <see cref="Tell"/>; nothing in this
/// interface assumes the actor lives in the same process (a remote ref can implement it).
/// Two refs are equal when path and uid are equal.
/// </summary>
public interface IActorRef : IEquatable<IActorRef>
{
    /// <summary>The actor's path.</summary>
    ActorPath Path { get; }

    /// <summary>Send a message (fire and forget). <paramref name="sender"/> is what the receiver sees as <c>Sender</c>;
    /// when null, the current actor (inside an actor) or the thread's implicit sender (TestKit: TestActor) is used.</summary>
    void Tell(object message, IActorRef? sender = null);
}

/// <summary>Well-known refs.</summary>
public static class ActorRefs
{
    /// <summary>A ref that points at no actor; messages sent to it become dead letters.</summary>
    public static readonly IActorRef Nobody = NobodyRef.Instance;

    /// <summary>"No sender" (Akka's <c>ActorRefs.NoSender</c> is null).</summary>
    public static readonly IActorRef? NoSender = null;
}

/// <summary>Extensions on <see cref="IActorRef"/>.</summary>
public static class ActorRefExtensions
{
    /// <summary>Forward a message, keeping the current sender (only valid inside an actor).</summary>
    public static void Forward(this IActorRef receiver, object message)
    {
        var cell = ActorCell.Current ?? throw new InvalidOperationException("Forward can only be used from within an actor.");
        receiver.Tell(message, cell.Sender);
    }

    /// <summary>True unless the ref is null or <see cref="ActorRefs.Nobody"/>.</summary>
    public static bool IsNobody(this IActorRef? actorRef) => actorRef is null || actorRef is NobodyRef;
}

/// <summary>Base class for ref implementations: equality by path and uid.</summary>
public abstract class ActorRefBase : IActorRef
{
    /// <inheritdoc />
    public abstract ActorPath Path { get; }

    /// <inheritdoc />
    public abstract void Tell(object message, IActorRef? sender = null);

    /// <inheritdoc />
    public bool Equals(IActorRef? other) => other is not null && Path.Uid == other.Path.Uid && Path.Equals(other.Path);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is IActorRef r && Equals(r);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Path, Path.Uid);

    /// <inheritdoc />
    public override string ToString() => Path.Uid == 0 ? $"[{Path}]" : $"[{Path}#{Path.Uid}]";
}

/// <summary>Internal refs: those that take system messages.</summary>
internal abstract class InternalActorRef : ActorRefBase
{
    public abstract void SendSystemMessage(SystemMessage message);

    public virtual bool IsTerminated => false;

    /// <summary>Child by name (ActorSelection); null if none.</summary>
    public virtual InternalActorRef? GetChild(string name) => null;

    public virtual IEnumerable<InternalActorRef> GetChildren() => [];

    public virtual InternalActorRef? ParentRef => null;

    internal virtual ActorSystem? SystemOrNull => null;
}

internal sealed class NobodyRef : InternalActorRef
{
    public static readonly NobodyRef Instance = new();
    private static readonly ActorPath NobodyPath = ActorPath.Root("all-systems").Child("Nobody");

    public override ActorPath Path => NobodyPath;

    public override void Tell(object message, IActorRef? sender = null)
    {
        var system = ActorCell.Current?.System ?? ActorSystem.LastCreated;
        system?.DeadLetterRef.Deliver(message, sender, this);
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch w)
        {
            w.Watcher.SendSystemMessage(new DeathWatchNotification(this, false, false));
        }
    }

    public override bool IsTerminated => true;
}

/// <summary>The dead-letter office: publishes <see cref="DeadLetter"/> on the event stream.</summary>
internal sealed class DeadLetterActorRef(ActorSystem system, ActorPath path) : InternalActorRef
{
    public override ActorPath Path { get; } = path;

    public override void Tell(object message, IActorRef? sender = null) => Deliver(message, ActorCell.ImplicitSender(sender), this);

    public void Deliver(object message, IActorRef? sender, IActorRef recipient)
    {
        switch (message)
        {
            case DeadLetter:
                return; // never wrap a dead letter twice
            case Identify id:
                sender?.Tell(new ActorIdentity(id.MessageId, null));
                return;
        }
        system.EventStream.Publish(new DeadLetter(message, sender ?? system.DeadLetters, recipient));
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch w)
        {
            w.Watcher.SendSystemMessage(new DeathWatchNotification(w.Watchee, false, false));
        }
    }

    public override bool IsTerminated => true;

    internal override ActorSystem? SystemOrNull => system;
}

/// <summary>The <c>/temp</c> container: resolves Ask promises by name.</summary>
internal sealed class TempContainerRef(ActorPath path, System.Collections.Concurrent.ConcurrentDictionary<string, InternalActorRef> temps) : InternalActorRef
{
    public override ActorPath Path { get; } = path;

    public override void Tell(object message, IActorRef? sender = null)
    {
    }

    public override void SendSystemMessage(SystemMessage message)
    {
    }

    public override InternalActorRef? GetChild(string name) => temps.TryGetValue(name, out var r) ? r : null;

    public override IEnumerable<InternalActorRef> GetChildren() => temps.Values;
}

/// <summary>A local actor ref backed by an <see cref="ActorCell"/>.</summary>
internal sealed class LocalActorRef : InternalActorRef
{
    internal LocalActorRef(ActorCell cell, ActorPath path)
    {
        Cell = cell;
        Path = path;
    }

    internal ActorCell Cell { get; }

    public override ActorPath Path { get; }

    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.Post(message, ActorCell.ImplicitSender(sender));
    }

    public override void SendSystemMessage(SystemMessage message) => Cell.SendSystemMessage(message);

    public override bool IsTerminated => Cell.IsTerminated;

    public override InternalActorRef? GetChild(string name) => Cell.GetChildRef(name);

    public override IEnumerable<InternalActorRef> GetChildren() => Cell.ChildRefs;

    public override InternalActorRef? ParentRef => Cell.ParentRef;

    internal override ActorSystem? SystemOrNull => Cell.System;

    public void Stop() => Cell.SendSystemMessage(new Terminate());
}
