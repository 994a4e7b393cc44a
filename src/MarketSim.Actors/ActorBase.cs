using MarketSim.Actors.Event;

namespace MarketSim.Actors;

/// <summary>A behaviour: returns true when it handled the message.</summary>
public delegate bool Receive(object message);

/// <summary>
/// Base class of all actors. Override <see cref="Receive"/>; unhandled messages go to <see cref="Unhandled"/>.
/// Instances are created by the runtime from <see cref="Props"/> (never with <c>new</c> directly).
/// </summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;

    /// <summary>Binds the instance to the cell that is creating it.</summary>
    protected ActorBase()
    {
        _cell = ActorCell.Constructing ?? throw new ActorInitializationException(null,
            $"Actor {GetType().Name} must be created through Props (ActorOf), not with 'new'.");
    }

    /// <summary>The actor's context (valid for the actor's whole life, also after an await inside ReceiveAsync).</summary>
    protected IActorContext Context => _cell;

    internal ActorCell Cell => _cell;

    /// <summary>This actor's ref.</summary>
    protected IActorRef Self => _cell.Self;

    /// <summary>Sender of the message being processed (dead letters when none).</summary>
    protected IActorRef Sender => _cell.Sender;

    /// <summary>The initial behaviour.</summary>
    protected abstract bool Receive(object message);

    /// <summary>Called for messages no behaviour handled. Unhandled <see cref="Terminated"/> throws
    /// <see cref="DeathPactException"/>; anything else is published as <see cref="UnhandledMessage"/>.</summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated t)
        {
            throw new DeathPactException(t.ActorRef);
        }
        _cell.System.EventStream.Publish(new UnhandledMessage(message, _cell.Sender, _cell.Self));
    }

    internal void InvokeUnhandled(object message) => Unhandled(message);

    internal bool InvokeReceive(object message) => Receive(message);

    internal bool InvokeAroundReceive(Receive receive, object message) => AroundReceive(receive, message);

    internal void InvokePreStart() => PreStart();

    internal void InvokePostStop() => PostStop();

    internal void InvokePreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal void InvokePostRestart(Exception reason) => PostRestart(reason);

    internal SupervisorStrategy InvokeSupervisorStrategy() => SupervisorStrategy();

    /// <summary>Replace the current behaviour.</summary>
    protected void Become(Receive receive) => _cell.Become(receive);

    /// <summary>Push a behaviour on top of the current one.</summary>
    protected void BecomeStacked(Receive receive) => _cell.BecomeStacked(receive);

    /// <summary>Pop the top behaviour.</summary>
    protected void UnbecomeStacked() => _cell.UnbecomeStacked();

    /// <summary>Called after the actor has been created, before its first message.</summary>
    protected virtual void PreStart()
    {
    }

    /// <summary>Called after the actor stopped (its children have stopped before).</summary>
    protected virtual void PostStop()
    {
    }

    /// <summary>Called on the failed instance before a restart. Default: stop all children, then <see cref="PostStop"/>.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in _cell.Children)
        {
            _cell.Unwatch(child);
            _cell.Stop(child);
        }
        PostStop();
    }

    /// <summary>Called on the new instance after a restart. Default: <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>The strategy supervising this actor's children (default: <see cref="Actors.SupervisorStrategy.DefaultStrategy"/>).</summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => Actors.SupervisorStrategy.DefaultStrategy;

    /// <summary>Hook around every message; the default calls the behaviour and <see cref="Unhandled"/>.</summary>
    protected virtual bool AroundReceive(Receive receive, object message)
    {
        if (receive(message))
        {
            return true;
        }
        Unhandled(message);
        return false;
    }
}

/// <summary>An actor with a single <see cref="OnReceive"/> method; call <c>Unhandled</c> for what it does not handle.</summary>
public abstract class UntypedActor : ActorBase
{
    private bool _unhandledCalled;

    /// <summary>Handle a message.</summary>
    protected abstract void OnReceive(object message);

    /// <inheritdoc />
    protected sealed override bool Receive(object message)
    {
        _unhandledCalled = false;
        OnReceive(message);
        return !_unhandledCalled;
    }

    /// <inheritdoc />
    protected override void Unhandled(object message)
    {
        _unhandledCalled = true;
        base.Unhandled(message);
    }

    /// <summary>Become a new OnReceive-style behaviour.</summary>
    protected void Become(Action<object> onReceive) => base.Become(m =>
    {
        _unhandledCalled = false;
        onReceive(m);
        return !_unhandledCalled;
    });

    /// <inheritdoc />
    protected override bool AroundReceive(Receive receive, object message)
    {
        // Unhandled has already been invoked by OnReceive when it returns false.
        return receive(message);
    }
}
