using System.Collections.Concurrent;

namespace MarketSim.Actors;

/// <summary>Ask: request/response over a temporary actor ref living under <c>/temp</c>.</summary>
public static class Futures
{
    /// <summary>Send <paramref name="message"/> with a temporary sender and await the first reply.</summary>
    public static Task<object> Ask(this IActorRef receiver, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Ask<object>(receiver, message, timeout, cancellationToken);

    /// <summary>
    /// Send <paramref name="message"/> with a temporary sender and await a reply of type <typeparamref name="T"/>.
    /// No reply within the timeout (default <c>akka.actor.ask-timeout</c>) → <see cref="AskTimeoutException"/>;
    /// a <see cref="Status.Failure"/> reply → its cause is thrown; a reply of another type → <see cref="InvalidCastException"/>.
    /// </summary>
    public static async Task<T> Ask<T>(this IActorRef receiver, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        var system = (receiver as InternalActorRef)?.SystemOrNull ?? ActorCell.Current?.System ?? ActorSystem.LastCreated
            ?? throw new InvalidOperationException("Ask needs a running ActorSystem.");
        var effective = timeout ?? system.Settings.AskTimeout;
        var promise = PromiseActorRef.Create(system, effective, receiver.Path.ToString(), typeof(T), cancellationToken);
        receiver.Tell(message, promise);
        var reply = await promise.Task.ConfigureAwait(false);
        if (reply is T t)
        {
            return t;
        }
        throw new InvalidCastException(
            $"Ask to {receiver.Path} expected a reply of type {typeof(T).FullName} but received {reply?.GetType().FullName ?? "null"}.");
    }
}

/// <summary>The temporary ref behind an Ask: completes its task with the first message it receives.</summary>
internal sealed class PromiseActorRef : InternalActorRef
{
    private readonly TaskCompletionSource<object> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ActorSystem _system;
    private CancellationTokenSource? _cts;
    private CancellationTokenRegistration _registration;
    private ConcurrentBag<InternalActorRef>? _watchers;

    private PromiseActorRef(ActorSystem system, ActorPath path)
    {
        _system = system;
        Path = path;
    }

    public override ActorPath Path { get; }

    public Task<object> Task => _tcs.Task;

    internal override ActorSystem? SystemOrNull => _system;

    public static PromiseActorRef Create(ActorSystem system, TimeSpan timeout, string target, Type expected, CancellationToken ct)
    {
        var name = system.NextTempName();
        var promise = new PromiseActorRef(system, system.TempPath.Child(name).WithUid(Random.Shared.NextInt64(1, long.MaxValue)))
        {
            IsStatusExpected = typeof(Status).IsAssignableFrom(expected),
        };
        system.RegisterTemp(name, promise);
        var infinite = timeout == Timeout.InfiniteTimeSpan || timeout == TimeSpan.MaxValue;
        if (!infinite || ct.CanBeCanceled)
        {
            promise._cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (!infinite)
            {
                promise._cts.CancelAfter(timeout <= TimeSpan.Zero ? TimeSpan.Zero : timeout);
            }
            promise._registration = promise._cts.Token.Register(static state =>
            {
                var (p, timeout, target, expected, userToken) = ((PromiseActorRef, TimeSpan, string, Type, CancellationToken))state!;
                if (userToken.IsCancellationRequested)
                {
                    p.Complete(null, new TaskCanceledException("Ask was cancelled."));
                }
                else
                {
                    p.Complete(null, new AskTimeoutException(
                        $"Ask timed out on [{target}] after [{timeout.TotalMilliseconds} ms]. Message type [{expected.Name}] expected as reply; the target did not answer in time."));
                }
            }, (promise, timeout, target, expected, ct));
        }
        return promise;
    }

    private bool Complete(object? result, Exception? error)
    {
        var done = error is null ? _tcs.TrySetResult(result!) : _tcs.TrySetException(error);
        if (done)
        {
            _system.UnregisterTemp(Path.Name);
            _registration.Dispose();
            _cts?.Dispose();
            if (_watchers is not null)
            {
                foreach (var w in _watchers)
                {
                    w.SendSystemMessage(new DeathWatchNotification(this, true, false));
                }
            }
        }
        return done;
    }

    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var ok = message is Status.Failure f && !IsStatusExpected
            ? Complete(null, f.Cause)
            : Complete(message, null);
        if (!ok)
        {
            _system.DeadLetterRef.Deliver(message, sender, this);
        }
    }

    /// <summary>Set when the asker expects a Status itself (then a failure is a normal reply).</summary>
    internal bool IsStatusExpected { get; init; }

    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch w)
        {
            if (_tcs.Task.IsCompleted)
            {
                w.Watcher.SendSystemMessage(new DeathWatchNotification(this, true, false));
            }
            else
            {
                (_watchers ??= []).Add(w.Watcher);
            }
        }
    }

    public override bool IsTerminated => _tcs.Task.IsCompleted;
}
