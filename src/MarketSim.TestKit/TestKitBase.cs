using System.Globalization;
using MarketSim.Actors;

namespace MarketSim.TestKit;

/// <summary>
/// Expectation API shared by <see cref="TestKit"/> and <see cref="TestProbe"/> (Akka's <c>TestKitBase</c>).
/// Every timeout given explicitly is dilated by <c>akka.test.timefactor</c>; a missing timeout means
/// <see cref="RemainingOrDefault"/> (the rest of the enclosing <c>Within</c>, else <c>single-expect-default</c>).
/// </summary>
public abstract class TestKitBase
{
    private static int s_testActorCounter;
    private readonly MessageQueue _queue = new();
    private TimeSpan? _end;
    private bool _lastWasNoMsg;

    /// <summary>Bind to a system and create this kit's test actor under <c>/system</c>.</summary>
    protected TestKitBase(ActorSystem system, TestKitSettings settings, string? testActorName = null)
    {
        Sys = system ?? throw new ArgumentNullException(nameof(system));
        TestKitSettings = settings ?? throw new ArgumentNullException(nameof(settings));
        var name = testActorName ?? "testActor" + Interlocked.Increment(ref s_testActorCounter).ToString(CultureInfo.InvariantCulture);
        TestActor = system.SystemActorOf(Props.Create(() => new InternalTestActor(_queue)), name);
        EventFilter = new EventFilterFactory(this);
    }

    /// <summary>The system under test.</summary>
    public ActorSystem Sys { get; }

    /// <summary>The <c>akka.test.*</c> settings.</summary>
    public TestKitSettings TestKitSettings { get; }

    /// <summary>The actor whose received messages the Expect methods inspect.</summary>
    public IActorRef TestActor { get; }

    /// <summary>Sender of the last received message.</summary>
    public IActorRef LastSender { get; private set; } = ActorRefs.Nobody;

    /// <summary>The last received message (null after a timeout).</summary>
    public object? LastMessage { get; private set; }

    /// <summary>Log assertions (EventFilter.Error&lt;T&gt;().ExpectOne(...)).</summary>
    public EventFilterFactory EventFilter { get; }

    /// <summary>The system's scheduler.</summary>
    public IScheduler Scheduler => Sys.Scheduler;

    /// <summary>The virtual-time scheduler (requires <c>akka.scheduler.implementation = virtual</c>).</summary>
    public VirtualTimeScheduler VirtualTime => Sys.Scheduler as VirtualTimeScheduler
        ?? throw new InvalidOperationException("The system does not use virtual time: set akka.scheduler.implementation = virtual.");

    /// <summary>Number of messages waiting in the queue.</summary>
    public bool HasMessages => _queue.Count > 0;

    // ------------------------------------------------------------ time

    /// <summary>Multiply by <c>akka.test.timefactor</c>.</summary>
    public TimeSpan Dilated(TimeSpan duration) =>
        duration == Timeout.InfiniteTimeSpan ? duration : TimeSpan.FromTicks((long)(duration.Ticks * TestKitSettings.TimeFactor));

    /// <summary>Time left in the innermost <c>Within</c>; throws outside of one.</summary>
    public TimeSpan Remaining => _end is { } end
        ? Max(end - Clock.Now, TimeSpan.Zero)
        : throw new InvalidOperationException("Remaining may not be called outside of Within.");

    /// <summary>Time left in the innermost <c>Within</c>, else the dilated <c>single-expect-default</c>.</summary>
    public TimeSpan RemainingOrDefault => _end is { } end ? Max(end - Clock.Now, TimeSpan.Zero) : Dilated(TestKitSettings.SingleExpectDefault);

    /// <summary>The dilated duration, or <see cref="RemainingOrDefault"/> when null.</summary>
    public TimeSpan RemainingOrDilated(TimeSpan? duration) => duration is { } d ? Dilated(d) : RemainingOrDefault;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Secs(TimeSpan t) => t == Timeout.InfiniteTimeSpan ? "infinite" : t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + "s";

    /// <summary>Fail the test.</summary>
    protected static Exception Fail(string message) => throw new TestKitAssertionException(message);

    /// <summary>Run <paramref name="action"/>, which must take at most <paramref name="max"/> (dilated).</summary>
    public void Within(TimeSpan max, Action action) => Within(TimeSpan.Zero, max, action);

    /// <summary>Run <paramref name="action"/>, which must take between <paramref name="min"/> and <paramref name="max"/> (dilated);
    /// expectations inside share the remaining budget.</summary>
    public void Within(TimeSpan min, TimeSpan max, Action action) => Within<object?>(min, max, () =>
    {
        action();
        return null;
    });

    /// <summary>Within returning a value.</summary>
    public T Within<T>(TimeSpan min, TimeSpan max, Func<T> function)
    {
        var dilatedMax = Dilated(max);
        var start = Clock.Now;
        var rem = _end is { } e ? e - start : Timeout.InfiniteTimeSpan;
        var maxDiff = rem == Timeout.InfiniteTimeSpan || dilatedMax < rem ? dilatedMax : rem;
        var previous = _end;
        _end = start + maxDiff;
        _lastWasNoMsg = false;
        T result;
        try
        {
            result = function();
        }
        finally
        {
            _end = previous;
        }
        var diff = Clock.Now - start;
        if (diff < min)
        {
            throw Fail($"Failed: Block took {Secs(diff)}, should at least have been {Secs(min)}");
        }
        if (!_lastWasNoMsg && diff > maxDiff)
        {
            throw Fail($"Failed: Block took {Secs(diff)}, exceeding {Secs(maxDiff)}");
        }
        return result;
    }

    // ------------------------------------------------------------ receiving

    private bool TryReceive(TimeSpan timeout, out MessageEnvelope envelope)
    {
        if (_queue.TryTake(timeout, out envelope))
        {
            LastMessage = envelope.Message;
            LastSender = envelope.Sender;
            return true;
        }
        LastMessage = null;
        return false;
    }

    private async Task<(bool Ok, MessageEnvelope Envelope)> TryReceiveAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var r = await _queue.TryTakeAsync(timeout, cancellationToken).ConfigureAwait(false);
        if (r.Ok)
        {
            LastMessage = r.Envelope.Message;
            LastSender = r.Envelope.Sender;
        }
        else
        {
            LastMessage = null;
        }
        return r;
    }

    /// <summary>Async twin of <see cref="ReceiveOne"/>: waits without blocking a thread.</summary>
    public async Task<object?> ReceiveOneAsync(TimeSpan? max = null, CancellationToken cancellationToken = default)
    {
        var r = await TryReceiveAsync(RemainingOrDilated(max), cancellationToken).ConfigureAwait(false);
        return r.Ok ? r.Envelope.Message : null;
    }

    /// <summary>Async twin of <see cref="ExpectMsg{T}(TimeSpan?, string?)"/>.</summary>
    public async Task<T> ExpectMsgAsync<T>(TimeSpan? timeout = null, string? hint = null, CancellationToken cancellationToken = default)
    {
        var t = RemainingOrDilated(timeout);
        var r = await TryReceiveAsync(t, cancellationToken).ConfigureAwait(false);
        if (!r.Ok)
        {
            throw Fail($"Timeout ({Secs(t)}) while expecting message of type {TypeName(typeof(T))}{Hint(hint)}");
        }
        return r.Envelope.Message is T m
            ? m
            : throw Fail($"Expected a message of type {TypeName(typeof(T))}{Hint(hint)}, but received {Describe(r.Envelope)}");
    }

    /// <summary>Async twin of <see cref="ExpectMsg{T}(T, TimeSpan?, string?)"/>.</summary>
    public async Task<T> ExpectMsgAsync<T>(T expected, TimeSpan? timeout = null, string? hint = null, CancellationToken cancellationToken = default)
    {
        var t = RemainingOrDilated(timeout);
        var r = await TryReceiveAsync(t, cancellationToken).ConfigureAwait(false);
        if (!r.Ok)
        {
            throw Fail($"Timeout ({Secs(t)}) while expecting message <{expected}>{Hint(hint)}");
        }
        return r.Envelope.Message is T m && EqualityComparer<T>.Default.Equals(m, expected)
            ? m
            : throw Fail($"Expected message <{expected}>{Hint(hint)}, but received {Describe(r.Envelope)}");
    }

    /// <summary>Async twin of <see cref="ExpectNoMsg(TimeSpan?)"/>.</summary>
    public async Task ExpectNoMsgAsync(TimeSpan? duration = null, CancellationToken cancellationToken = default)
    {
        var t = RemainingOrDilated(duration);
        var r = await TryReceiveAsync(t, cancellationToken).ConfigureAwait(false);
        if (r.Ok)
        {
            throw Fail($"Expected no message during {Secs(t)}, but received {Describe(r.Envelope)}");
        }
        _lastWasNoMsg = true;
    }

    /// <summary>Async twin of <see cref="ExpectTerminated"/>.</summary>
    public async Task<Terminated> ExpectTerminatedAsync(IActorRef target, TimeSpan? timeout = null, string? hint = null, CancellationToken cancellationToken = default)
    {
        var t = RemainingOrDilated(timeout);
        var r = await TryReceiveAsync(t, cancellationToken).ConfigureAwait(false);
        if (!r.Ok)
        {
            throw Fail($"Timeout ({Secs(t)}) while expecting Terminated of {target}{Hint(hint)}");
        }
        return r.Envelope.Message is Terminated term && term.ActorRef.Equals(target)
            ? term
            : throw Fail($"Expected Terminated of {target}{Hint(hint)}, but received {Describe(r.Envelope)}");
    }

    /// <summary>Async twin of <see cref="FishForMessage{T}"/>.</summary>
    public async Task<T> FishForMessageAsync<T>(Predicate<T> isMessage, TimeSpan? max = null, string? hint = null, CancellationToken cancellationToken = default)
    {
        var total = RemainingOrDilated(max);
        var stop = Clock.Now + total;
        while (true)
        {
            var r = await TryReceiveAsync(Max(stop - Clock.Now, TimeSpan.Zero), cancellationToken).ConfigureAwait(false);
            if (!r.Ok)
            {
                throw Fail($"Timeout ({Secs(total)}) during FishForMessage{Hint(hint)}");
            }
            if (r.Envelope.Message is T m && isMessage(m))
            {
                return m;
            }
        }
    }

    /// <summary>Receive one message (null on timeout).</summary>
    public object? ReceiveOne(TimeSpan? max = null) => TryReceive(RemainingOrDilated(max), out var e) ? e.Message : null;

    /// <summary>Look at the next message without removing it (null on timeout).</summary>
    public object? PeekOne(TimeSpan? max = null) => _queue.TryPeek(RemainingOrDilated(max), out var e) ? e.Message : null;

    /// <summary>Receive exactly <paramref name="n"/> messages within the (total) timeout.</summary>
    public IReadOnlyList<object> ReceiveN(int n, TimeSpan? max = null)
    {
        var total = RemainingOrDilated(max);
        var stop = Clock.Now + total;
        var list = new List<object>(n);
        for (var i = 0; i < n; i++)
        {
            if (!TryReceive(Max(stop - Clock.Now, TimeSpan.Zero), out var e))
            {
                throw Fail($"Timeout ({Secs(total)}) while expecting {n} messages (got {i})");
            }
            list.Add(e.Message);
        }
        return list;
    }

    /// <summary>Receive messages while <paramref name="filter"/> maps them to non-null; the first message mapped to null
    /// stays in the queue. Stops at <paramref name="max"/> overall, after <paramref name="idle"/> without messages, or after
    /// <paramref name="msgs"/> messages.</summary>
    public IReadOnlyList<T> ReceiveWhile<T>(Func<object, T?> filter, TimeSpan? max = null, TimeSpan? idle = null, int msgs = int.MaxValue) where T : class
    {
        var total = RemainingOrDilated(max);
        var stop = Clock.Now + total;
        var list = new List<T>();
        while (list.Count < msgs)
        {
            var wait = Max(stop - Clock.Now, TimeSpan.Zero);
            if (idle is { } i && Dilated(i) < wait)
            {
                wait = Dilated(i);
            }
            if (!_queue.TryTake(wait, out var e))
            {
                break;
            }
            var mapped = filter(e.Message);
            if (mapped is null)
            {
                _queue.PushFront(e);
                break;
            }
            LastMessage = e.Message;
            LastSender = e.Sender;
            list.Add(mapped);
        }
        _lastWasNoMsg = true;
        return list;
    }

    // ------------------------------------------------------------ expectations

    /// <summary>Expect a message of type <typeparamref name="T"/>.</summary>
    public T ExpectMsg<T>(TimeSpan? timeout = null, string? hint = null)
    {
        var t = RemainingOrDilated(timeout);
        if (!TryReceive(t, out var e))
        {
            throw Fail($"Timeout ({Secs(t)}) while expecting message of type {TypeName(typeof(T))}{Hint(hint)}");
        }
        return e.Message is T m
            ? m
            : throw Fail($"Expected a message of type {TypeName(typeof(T))}{Hint(hint)}, but received {Describe(e)}");
    }

    /// <summary>Expect a message equal to <paramref name="expected"/>.</summary>
    public T ExpectMsg<T>(T expected, TimeSpan? timeout = null, string? hint = null)
    {
        var t = RemainingOrDilated(timeout);
        if (!TryReceive(t, out var e))
        {
            throw Fail($"Timeout ({Secs(t)}) while expecting message <{expected}>{Hint(hint)}");
        }
        return e.Message is T m && EqualityComparer<T>.Default.Equals(m, expected)
            ? m
            : throw Fail($"Expected message <{expected}>{Hint(hint)}, but received {Describe(e)}");
    }

    /// <summary>Expect a message of type <typeparamref name="T"/> satisfying <paramref name="isMessage"/>.</summary>
    public T ExpectMsg<T>(Predicate<T> isMessage, TimeSpan? timeout = null, string? hint = null)
    {
        var m = ExpectMsg<T>(timeout, hint);
        return isMessage(m) ? m : throw Fail($"Message {m} of type {TypeName(typeof(T))} does not match the predicate{Hint(hint)}");
    }

    /// <summary>Expect a message of type <typeparamref name="T"/> sent by <paramref name="sender"/>.</summary>
    public T ExpectMsgFrom<T>(IActorRef sender, TimeSpan? timeout = null, string? hint = null)
    {
        var m = ExpectMsg<T>(timeout, hint);
        return sender.Equals(LastSender) ? m : throw Fail($"Expected a message of type {TypeName(typeof(T))} from {sender}, but it came from {LastSender}{Hint(hint)}");
    }

    /// <summary>Expect a message equal to <paramref name="expected"/> sent by <paramref name="sender"/>.</summary>
    public T ExpectMsgFrom<T>(IActorRef sender, T expected, TimeSpan? timeout = null, string? hint = null)
    {
        var m = ExpectMsg(expected, timeout, hint);
        return sender.Equals(LastSender) ? m : throw Fail($"Expected <{expected}> from {sender}, but it came from {LastSender}{Hint(hint)}");
    }

    /// <summary>Expect no message for <see cref="RemainingOrDefault"/>.</summary>
    public void ExpectNoMsg() => ExpectNoMsg(null);

    /// <summary>Expect no message for the (dilated) duration.</summary>
    public void ExpectNoMsg(TimeSpan? duration)
    {
        var t = RemainingOrDilated(duration);
        if (TryReceive(t, out var e))
        {
            throw Fail($"Expected no message during {Secs(t)}, but received {Describe(e)}");
        }
        _lastWasNoMsg = true;
    }

    /// <summary>Expect all the given messages, in any order.</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(params T[] messages) => ExpectAllOf(null, messages);

    /// <summary>Expect all the given messages, in any order, within <paramref name="max"/>.</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(TimeSpan max, params T[] messages) => ExpectAllOf(max, messages);

    private IReadOnlyList<T> ExpectAllOf<T>(TimeSpan? max, T[] messages)
    {
        var total = RemainingOrDilated(max);
        var stop = Clock.Now + total;
        var missing = messages.ToList();
        var received = new List<T>();
        var unexpected = new List<object>();
        for (var i = 0; i < messages.Length; i++)
        {
            if (!TryReceive(Max(stop - Clock.Now, TimeSpan.Zero), out var e))
            {
                break;
            }
            var idx = e.Message is T m ? missing.FindIndex(x => EqualityComparer<T>.Default.Equals(x, m)) : -1;
            if (idx < 0)
            {
                unexpected.Add(e.Message);
                continue;
            }
            received.Add((T)e.Message);
            missing.RemoveAt(idx);
        }
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            throw Fail($"ExpectMsgAllOf within {Secs(total)}: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]");
        }
        return received;
    }

    /// <summary>Expect one message equal to any of the given ones.</summary>
    public T ExpectMsgAnyOf<T>(params T[] messages)
    {
        var t = RemainingOrDefault;
        if (!TryReceive(t, out var e))
        {
            throw Fail($"Timeout ({Secs(t)}) while expecting any of [{string.Join(", ", messages)}]");
        }
        return e.Message is T m && messages.Any(x => EqualityComparer<T>.Default.Equals(x, m))
            ? m
            : throw Fail($"Expected any of [{string.Join(", ", messages)}], but received {Describe(e)}");
    }

    /// <summary>Receive messages until one satisfies <paramref name="isMessage"/> (the others are dropped).</summary>
    public object FishForMessage(Predicate<object> isMessage, TimeSpan? max = null, string? hint = null) =>
        FishForMessage<object>(isMessage, max, hint);

    /// <summary>Receive messages until one of type <typeparamref name="T"/> satisfies <paramref name="isMessage"/>.</summary>
    public T FishForMessage<T>(Predicate<T> isMessage, TimeSpan? max = null, string? hint = null)
    {
        var total = RemainingOrDilated(max);
        var stop = Clock.Now + total;
        while (true)
        {
            if (!TryReceive(Max(stop - Clock.Now, TimeSpan.Zero), out var e))
            {
                throw Fail($"Timeout ({Secs(total)}) during FishForMessage{Hint(hint)}");
            }
            if (e.Message is T m && isMessage(m))
            {
                return m;
            }
        }
    }

    /// <summary>Watch <paramref name="actor"/> with the test actor (its Terminated arrives in this kit's queue).</summary>
    public IActorRef Watch(IActorRef actor)
    {
        TestActor.Tell(new InternalTestActor.WatchMsg(actor), TestActor);
        return actor;
    }

    /// <summary>Stop watching.</summary>
    public IActorRef Unwatch(IActorRef actor)
    {
        TestActor.Tell(new InternalTestActor.UnwatchMsg(actor), TestActor);
        return actor;
    }

    /// <summary>Expect the <see cref="Terminated"/> of a watched actor.</summary>
    public Terminated ExpectTerminated(IActorRef target, TimeSpan? timeout = null, string? hint = null)
    {
        var t = RemainingOrDilated(timeout);
        if (!TryReceive(t, out var e))
        {
            throw Fail($"Timeout ({Secs(t)}) while expecting Terminated of {target}{Hint(hint)}");
        }
        return e.Message is Terminated term && term.ActorRef.Equals(target)
            ? term
            : throw Fail($"Expected Terminated of {target}{Hint(hint)}, but received {Describe(e)}");
    }

    /// <summary>Retry <paramref name="assertion"/> every <paramref name="interval"/> (default 100 ms) until it passes or the
    /// (dilated) duration is over; then its last exception is rethrown.</summary>
    public void AwaitAssert(Action assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        var max = RemainingOrDilated(duration);
        var stop = Clock.Now + max;
        var step = interval ?? TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                assertion();
                return;
            }
            catch (Exception) when (Clock.Now < stop)
            {
                var left = stop - Clock.Now;
                Thread.Sleep(left < step ? Max(left, TimeSpan.Zero) : step);
            }
        }
    }

    /// <summary>Async AwaitAssert.</summary>
    public async Task AwaitAssertAsync(Func<Task> assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        var max = RemainingOrDilated(duration);
        var stop = Clock.Now + max;
        var step = interval ?? TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await assertion().ConfigureAwait(false);
                return;
            }
            catch (Exception) when (Clock.Now < stop)
            {
                var left = stop - Clock.Now;
                await Task.Delay(left < step ? Max(left, TimeSpan.Zero) : step).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Poll <paramref name="condition"/> until it is true; fail after the (dilated) max.</summary>
    public void AwaitCondition(Func<bool> condition, TimeSpan? max = null, TimeSpan? interval = null, string? message = null)
    {
        var total = RemainingOrDilated(max);
        var stop = Clock.Now + total;
        var step = interval ?? TimeSpan.FromMilliseconds(50);
        while (!condition())
        {
            var left = stop - Clock.Now;
            if (left <= TimeSpan.Zero)
            {
                throw Fail($"Timeout ({Secs(total)}) expired while waiting for condition{Hint(message)}");
            }
            Thread.Sleep(left < step ? left : step);
        }
    }

    /// <summary>A new probe on the same system.</summary>
    public TestProbe CreateTestProbe(string? name = null) => new(Sys, TestKitSettings, name);

    /// <summary>Let the test actor run <paramref name="pilot"/> on each message it receives.</summary>
    public void SetAutoPilot(AutoPilot pilot) => TestActor.Tell(new InternalTestActor.SetAutoPilotMsg(pilot), TestActor);

    /// <summary>Actor created under <c>/user</c> (convenience).</summary>
    public IActorRef ActorOf(Props props, string? name = null) => Sys.ActorOf(props, name);

    /// <summary>Actor created from a factory (convenience).</summary>
    public IActorRef ActorOf<TActor>(System.Linq.Expressions.Expression<Func<TActor>> factory, string? name = null) where TActor : ActorBase =>
        Sys.ActorOf(Props.Create(factory), name);

    private static string Hint(string? hint) => string.IsNullOrEmpty(hint) ? "" : $" ({hint})";

    private static string Describe(MessageEnvelope e) => $"<{e.Message}> of type {TypeName(e.Message.GetType())} from {e.Sender}";

    internal static string TypeName(Type t) => t.IsGenericType
        ? t.Name[..t.Name.IndexOf('`')] + "<" + string.Join(",", t.GetGenericArguments().Select(TypeName)) + ">"
        : t.Name;
}
