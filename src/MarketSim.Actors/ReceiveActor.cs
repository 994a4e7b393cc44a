namespace MarketSim.Actors;

/// <summary>
/// Actor whose behaviour is a list of typed handlers registered in the constructor (or inside
/// <see cref="Become(Action)"/>). Handlers are tried in registration order; the first match wins.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private List<IHandler>? _building;
    private IHandler[] _initial = [];

    /// <summary>Starts collecting handlers for the initial behaviour.</summary>
    protected ReceiveActor()
    {
        _building = [];
    }

    private interface IHandler
    {
        bool TryHandle(object message);
    }

    private sealed class Handler<T>(Action<T> action, Predicate<T>? shouldHandle) : IHandler
    {
        public bool TryHandle(object message)
        {
            if (message is T t && (shouldHandle is null || shouldHandle(t)))
            {
                action(t);
                return true;
            }
            return false;
        }
    }

    private sealed class FuncHandler<T>(Func<T, bool> handler) : IHandler
    {
        public bool TryHandle(object message) => message is T t && handler(t);
    }

    private sealed class AsyncHandler<T>(ReceiveActor owner, Func<T, Task> handler, Predicate<T>? shouldHandle) : IHandler
    {
        public bool TryHandle(object message)
        {
            if (message is T t && (shouldHandle is null || shouldHandle(t)))
            {
                var task = handler(t);
                owner.Cell.RunAsync(task);
                return true;
            }
            return false;
        }
    }

    private void Add(IHandler handler)
    {
        if (_building is null)
        {
            throw new InvalidOperationException("Receive<T> can only be called in the constructor or inside Become(() => ...).");
        }
        _building.Add(handler);
    }

    /// <summary>Handle messages of type <typeparamref name="T"/> (optionally only those matching <paramref name="shouldHandle"/>).</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null) => Add(new Handler<T>(handler, shouldHandle));

    /// <summary>Handle messages of type <typeparamref name="T"/>; the handler returns false to decline.</summary>
    protected void Receive<T>(Func<T, bool> handler) => Add(new FuncHandler<T>(handler));

    /// <summary>Handle messages of type <typeparamref name="T"/> asynchronously: the mailbox is suspended until the task completes;
    /// a faulted task fails the actor like a thrown exception.</summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null) => Add(new AsyncHandler<T>(this, handler, shouldHandle));

    /// <summary>Handle any message not handled by an earlier handler.</summary>
    protected void ReceiveAny(Action<object> handler) => Add(new Handler<object>(handler, null));

    /// <summary>Handle any message asynchronously.</summary>
    protected void ReceiveAnyAsync(Func<object, Task> handler) => Add(new AsyncHandler<object>(this, handler, null));

    /// <summary>Replace the behaviour with the handlers registered by <paramref name="configure"/>.</summary>
    protected void Become(Action configure) => base.Become(Build(configure));

    /// <summary>Push the handlers registered by <paramref name="configure"/> on top of the current behaviour.</summary>
    protected void BecomeStacked(Action configure) => base.BecomeStacked(Build(configure));

    private Receive Build(Action configure)
    {
        var outer = _building;
        _building = [];
        try
        {
            configure();
            return MakeReceive([.. _building]);
        }
        finally
        {
            _building = outer;
        }
    }

    private static Receive MakeReceive(IHandler[] handlers) => message =>
    {
        foreach (var h in handlers)
        {
            if (h.TryHandle(message))
            {
                return true;
            }
        }
        return false;
    };

    internal void FinishConstruction()
    {
        if (_building is not null)
        {
            _initial = [.. _building];
            _building = null;
        }
    }

    /// <inheritdoc />
    protected sealed override bool Receive(object message)
    {
        foreach (var h in _initial)
        {
            if (h.TryHandle(message))
            {
                return true;
            }
        }
        return false;
    }
}
