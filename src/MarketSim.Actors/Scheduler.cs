namespace MarketSim.Actors;

/// <summary>A handle to cancel a scheduled item.</summary>
public interface ICancelable
{
    /// <summary>Cancel; a no-op when already fired (one-shot) or cancelled.</summary>
    void Cancel();

    /// <summary>True once cancelled.</summary>
    bool IsCancellationRequested { get; }
}

/// <summary>A simple cancelable flag.</summary>
public sealed class Cancelable : ICancelable
{
    private volatile bool _cancelled;

    /// <inheritdoc />
    public void Cancel() => _cancelled = true;

    /// <inheritdoc />
    public bool IsCancellationRequested => _cancelled;
}

/// <summary>Schedules messages and actions (Akka's <c>IScheduler</c>).</summary>
public interface IScheduler
{
    /// <summary>The scheduler's clock.</summary>
    DateTimeOffset Now { get; }

    /// <summary>Tell <paramref name="message"/> to <paramref name="receiver"/> once after <paramref name="delay"/>.</summary>
    ICancelable ScheduleTellOnce(TimeSpan delay, IActorRef receiver, object message, IActorRef? sender);

    /// <summary>Tell after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, IActorRef receiver, object message, IActorRef? sender);

    /// <summary>Run <paramref name="action"/> once after <paramref name="delay"/>.</summary>
    ICancelable ScheduleOnce(TimeSpan delay, Action action);

    /// <summary>Run <paramref name="action"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action);
}

/// <summary>Shared bookkeeping of both schedulers: items ordered by (due time, sequence number).</summary>
public abstract class SchedulerBase : IScheduler, IDisposable
{
    private protected readonly object Gate = new();
    private protected readonly PriorityQueue<Item, (long Due, long Seq)> Queue = new();
    private long _sequence;

    private protected sealed class Item(long due, TimeSpan interval, Action action, Cancelable cancelable)
    {
        public long Due { get; set; } = due;
        public TimeSpan Interval { get; } = interval;
        public Action Action { get; } = action;
        public Cancelable Cancelable { get; } = cancelable;
    }

    /// <inheritdoc />
    public abstract DateTimeOffset Now { get; }

    /// <summary>Current time in ticks of the scheduler's clock.</summary>
    private protected abstract long NowTicks { get; }

    /// <summary>Called after an item was added (wake the timer thread).</summary>
    private protected virtual void OnScheduled()
    {
    }

    /// <inheritdoc />
    public ICancelable ScheduleTellOnce(TimeSpan delay, IActorRef receiver, object message, IActorRef? sender) =>
        Schedule(delay, TimeSpan.Zero, () => receiver.Tell(message, sender));

    /// <inheritdoc />
    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, IActorRef receiver, object message, IActorRef? sender)
    {
        CheckInterval(interval);
        return Schedule(initialDelay, interval, () => receiver.Tell(message, sender));
    }

    /// <inheritdoc />
    public ICancelable ScheduleOnce(TimeSpan delay, Action action) => Schedule(delay, TimeSpan.Zero, action);

    /// <inheritdoc />
    public ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action)
    {
        CheckInterval(interval);
        return Schedule(initialDelay, interval, action);
    }

    private static void CheckInterval(TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), "A repeated schedule needs a positive interval.");
        }
    }

    private ICancelable Schedule(TimeSpan delay, TimeSpan interval, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }
        var c = new Cancelable();
        lock (Gate)
        {
            var item = new Item(NowTicks + delay.Ticks, interval, action, c);
            Queue.Enqueue(item, (item.Due, _sequence++));
        }
        OnScheduled();
        return c;
    }

    /// <summary>Dequeue the next item due at or before <paramref name="limitTicks"/>, re-arming repeated ones.</summary>
    private protected Item? TakeDue(long limitTicks)
    {
        lock (Gate)
        {
            while (Queue.TryPeek(out var item, out _))
            {
                if (item.Cancelable.IsCancellationRequested)
                {
                    Queue.Dequeue();
                    continue;
                }
                if (item.Due > limitTicks)
                {
                    return null;
                }
                Queue.Dequeue();
                if (item.Interval > TimeSpan.Zero)
                {
                    var next = new Item(item.Due + item.Interval.Ticks, item.Interval, item.Action, item.Cancelable);
                    Queue.Enqueue(next, (next.Due, _sequence++));
                }
                return item;
            }
            return null;
        }
    }

    /// <summary>Number of pending (not cancelled) items.</summary>
    public int PendingCount
    {
        get
        {
            lock (Gate)
            {
                return Queue.UnorderedItems.Count(i => !i.Element.Cancelable.IsCancellationRequested);
            }
        }
    }

    /// <inheritdoc />
    public virtual void Dispose()
    {
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Wall-clock scheduler: one background thread sleeping until the earliest due item (monotonic clock).
/// Tells are sent from that thread; actions run on the thread pool. Resolution is that of the OS timer (~1–15 ms).
/// </summary>
public sealed class WallClockScheduler : SchedulerBase
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;
    private readonly Thread _thread;
    private volatile bool _stopped;

    /// <summary>Start the timer thread.</summary>
    public WallClockScheduler()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "MarketSim.Actors scheduler" };
        _thread.Start();
    }

    /// <inheritdoc />
    public override DateTimeOffset Now => _start + _clock.Elapsed;

    private protected override long NowTicks => _clock.Elapsed.Ticks;

    private protected override void OnScheduled()
    {
        lock (Gate)
        {
            Monitor.PulseAll(Gate);
        }
    }

    private void Run()
    {
        while (!_stopped)
        {
            var item = TakeDue(NowTicks);
            if (item is not null)
            {
                Fire(item);
                continue;
            }
            lock (Gate)
            {
                if (_stopped)
                {
                    return;
                }
                var wait = Queue.TryPeek(out var next, out _) ? TimeSpan.FromTicks(Math.Max(0, next.Due - NowTicks)) : TimeSpan.FromMilliseconds(500);
                if (wait > TimeSpan.FromMilliseconds(500))
                {
                    wait = TimeSpan.FromMilliseconds(500);
                }
                if (wait > TimeSpan.Zero)
                {
                    Monitor.Wait(Gate, wait);
                }
            }
        }
    }

    private static void Fire(Item item)
    {
        try
        {
            item.Action();
        }
        catch (Exception)
        {
            // a failing scheduled action must not kill the timer thread
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _stopped = true;
        lock (Gate)
        {
            Monitor.PulseAll(Gate);
        }
        base.Dispose();
    }
}

/// <summary>
/// Deterministic scheduler for tests and simulations (Akka's TestScheduler): time moves only when
/// <see cref="Advance"/> or <see cref="AdvanceTo"/> is called. Due items fire synchronously on the calling
/// thread in order of due time, ties broken by scheduling order; repeated items are re-armed; items scheduled
/// while advancing fire too when they fall due inside the window. The clock starts at <see cref="DefaultStart"/>
/// unless another start is given.
/// </summary>
public sealed class VirtualTimeScheduler : SchedulerBase
{
    private long _now;
    private readonly object _advanceGate = new();

    /// <summary>The default start of the virtual clock: 2000-01-01T00:00:00Z (fixed, so runs are reproducible).</summary>
    public static readonly DateTimeOffset DefaultStart = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Create with the clock at <paramref name="start"/> (default <see cref="DefaultStart"/>).</summary>
    public VirtualTimeScheduler(DateTimeOffset? start = null) => _now = (start ?? DefaultStart).UtcTicks;

    /// <inheritdoc />
    public override DateTimeOffset Now => new(Interlocked.Read(ref _now), TimeSpan.Zero);

    private protected override long NowTicks => Interlocked.Read(ref _now);

    /// <summary>Move the clock forward by <paramref name="span"/>, firing everything that falls due.</summary>
    public void Advance(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(span), "Virtual time cannot go backwards.");
        }
        AdvanceTo(Now + span);
    }

    /// <summary>Move the clock to <paramref name="time"/> (no-op when it is in the past), firing everything that falls due.</summary>
    public void AdvanceTo(DateTimeOffset time)
    {
        var target = time.UtcTicks;
        lock (_advanceGate)
        {
            while (TakeDue(target) is { } item)
            {
                if (item.Due > Interlocked.Read(ref _now))
                {
                    Interlocked.Exchange(ref _now, item.Due);
                }
                item.Action();
            }
            if (target > Interlocked.Read(ref _now))
            {
                Interlocked.Exchange(ref _now, target);
            }
        }
    }
}
