using MarketSim.Actors;
using Xunit.Sdk;

namespace MarketSim.TestKit;

/// <summary>A TestKit assertion failed (an xunit failure).</summary>
public sealed class TestKitAssertionException(string message) : XunitException(message);

/// <summary>A received message with its sender.</summary>
public readonly record struct MessageEnvelope(object Message, IActorRef Sender);

/// <summary>Blocking double-ended queue of received messages.</summary>
internal sealed class MessageQueue
{
    private readonly LinkedList<MessageEnvelope> _items = new();
    private readonly object _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    private TaskCompletionSource? _signal;

    public void Enqueue(MessageEnvelope e)
    {
        TaskCompletionSource? signal;
        lock (_gate)
        {
            _items.AddLast(e);
            Monitor.PulseAll(_gate);
            signal = _signal;
            _signal = null;
        }
        signal?.TrySetResult();
    }

    /// <summary>Wait without blocking a thread.</summary>
    public async Task<(bool Ok, MessageEnvelope Envelope)> TryTakeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var infinite = timeout == Timeout.InfiniteTimeSpan;
        var deadline = Clock.Now + (timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout);
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_items.Count > 0)
                {
                    var e = _items.First!.Value;
                    _items.RemoveFirst();
                    return (true, e);
                }
                _signal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _signal.Task;
            }
            var left = deadline - Clock.Now;
            if (!infinite && left <= TimeSpan.Zero)
            {
                return (false, default);
            }
            try
            {
                await wait.WaitAsync(infinite ? Timeout.InfiniteTimeSpan : left, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // loop once more: deadline check
            }
        }
    }

    public void PushFront(MessageEnvelope e)
    {
        lock (_gate)
        {
            _items.AddFirst(e);
            Monitor.PulseAll(_gate);
        }
    }

    public bool TryTake(TimeSpan timeout, out MessageEnvelope envelope) => TryGet(timeout, remove: true, out envelope);

    public bool TryPeek(TimeSpan timeout, out MessageEnvelope envelope) => TryGet(timeout, remove: false, out envelope);

    private bool TryGet(TimeSpan timeout, bool remove, out MessageEnvelope envelope)
    {
        var deadline = Clock.Now + (timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout);
        var infinite = timeout == Timeout.InfiniteTimeSpan;
        lock (_gate)
        {
            while (_items.Count == 0)
            {
                var left = deadline - Clock.Now;
                if (!infinite && left <= TimeSpan.Zero)
                {
                    envelope = default;
                    return false;
                }
                Monitor.Wait(_gate, infinite ? TimeSpan.FromMilliseconds(500) : left);
            }
            envelope = _items.First!.Value;
            if (remove)
            {
                _items.RemoveFirst();
            }
            return true;
        }
    }
}

/// <summary>Monotonic clock used for deadlines.</summary>
internal static class Clock
{
    private static readonly System.Diagnostics.Stopwatch Watch = System.Diagnostics.Stopwatch.StartNew();

    public static TimeSpan Now => Watch.Elapsed;
}

/// <summary>Decides what the test actor does with each message (reply, forward, ...); returns the pilot for the next message.</summary>
public abstract class AutoPilot
{
    /// <summary>Stop auto-piloting.</summary>
    public static AutoPilot NoAutoPilot { get; } = new DelegateAutoPilot((_, _) => null!);

    /// <summary>Keep the current pilot.</summary>
    public static AutoPilot KeepRunning { get; } = new DelegateAutoPilot((_, _) => null!);

    /// <summary>Handle one message.</summary>
    public abstract AutoPilot Run(IActorRef sender, object message);
}

/// <summary>An auto pilot from a delegate.</summary>
public sealed class DelegateAutoPilot(Func<IActorRef, object, AutoPilot> run) : AutoPilot
{
    /// <inheritdoc />
    public override AutoPilot Run(IActorRef sender, object message) => run(sender, message);
}

/// <summary>The actor behind TestActor and every TestProbe: queues what it receives (Terminated included).</summary>
internal sealed class InternalTestActor : ActorBase
{
    internal sealed record WatchMsg(IActorRef Actor);

    internal sealed record UnwatchMsg(IActorRef Actor);

    internal sealed record SetAutoPilotMsg(AutoPilot Pilot);

    private readonly MessageQueue _queue;
    private AutoPilot _pilot = AutoPilot.NoAutoPilot;

    public InternalTestActor(MessageQueue queue) => _queue = queue;

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case WatchMsg w:
                Context.Watch(w.Actor);
                return true;
            case UnwatchMsg u:
                Context.Unwatch(u.Actor);
                return true;
            case SetAutoPilotMsg p:
                _pilot = p.Pilot;
                return true;
        }
        if (!ReferenceEquals(_pilot, AutoPilot.NoAutoPilot))
        {
            var next = _pilot.Run(Sender, message);
            if (!ReferenceEquals(next, AutoPilot.KeepRunning))
            {
                _pilot = next ?? AutoPilot.NoAutoPilot;
            }
        }
        _queue.Enqueue(new MessageEnvelope(message, Sender));
        return true;
    }
}
