using System.Runtime.CompilerServices;
using MarketSim.Actors;
using MarketSim.Actors.Event;
using Xunit.Abstractions;

namespace MarketSim.TestKit;

/// <summary>Applies a log-event filter around a block of code.</summary>
public interface IEventFilterApplier
{
    /// <summary>Run <paramref name="action"/>; exactly one matching event must be published (within <c>filter-leeway</c> after it).</summary>
    void ExpectOne(Action action);

    /// <summary>Async version of <see cref="ExpectOne"/>.</summary>
    Task ExpectOneAsync(Func<Task> action);

    /// <summary>Run <paramref name="action"/>; exactly <paramref name="expectedCount"/> matching events must be published.</summary>
    void Expect(int expectedCount, Action action);

    /// <summary>Like <see cref="Expect(int, Action)"/> with an explicit (dilated) wait instead of <c>filter-leeway</c>.</summary>
    void Expect(int expectedCount, TimeSpan timeout, Action action);

    /// <summary>Hide matching events from the test output until disposed.</summary>
    IDisposable Mute();

    /// <summary>Hide matching events from the test output while <paramref name="action"/> runs.</summary>
    void Mute(Action action);
}

/// <summary>Builds log-event filters (Akka's <c>EventFilter</c>): text matching by exact message, prefix or substring, and source.</summary>
public sealed class EventFilterFactory
{
    private readonly TestKitBase _kit;

    internal EventFilterFactory(TestKitBase kit) => _kit = kit;

    /// <summary>ERROR events whose cause is a <typeparamref name="TException"/>.</summary>
    public IEventFilterApplier Error<TException>(string? message = null, string? start = null, string? contains = null, string? source = null)
        where TException : Exception =>
        Log<Error>($"Error<{typeof(TException).Name}>", message, start, contains, source, e => e.Cause is TException);

    /// <summary>Any event (usually ERROR) whose cause is a <typeparamref name="TException"/> (Akka's <c>Exception&lt;T&gt;</c>).</summary>
    public IEventFilterApplier Exception<TException>(string? message = null, string? start = null, string? contains = null, string? source = null)
        where TException : Exception =>
        Log<LogEvent>($"Exception<{typeof(TException).Name}>", message, start, contains, source, e => e.Cause is TException);

    /// <summary>ERROR events.</summary>
    public IEventFilterApplier Error(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Log<Error>("Error", message, start, contains, source, null);

    /// <summary>WARNING events.</summary>
    public IEventFilterApplier Warning(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Log<Warning>("Warning", message, start, contains, source, null);

    /// <summary>INFO events.</summary>
    public IEventFilterApplier Info(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Log<Info>("Info", message, start, contains, source, null);

    /// <summary>DEBUG events (set <c>akka.loglevel = DEBUG</c>).</summary>
    public IEventFilterApplier Debug(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Log<Debug>("Debug", message, start, contains, source, null);

    /// <summary><see cref="Actors.Event.DeadLetter"/> events whose message is a <typeparamref name="T"/>.</summary>
    public IEventFilterApplier DeadLetter<T>(string? source = null) =>
        new Applier(_kit, $"DeadLetter<{typeof(T).Name}>", e => e is DeadLetter d && d.Message is T && (source is null || d.Recipient.Path.ToString() == source));

    /// <summary>Any <see cref="Actors.Event.DeadLetter"/>.</summary>
    public IEventFilterApplier DeadLetter() => DeadLetter<object>();

    /// <summary>Events matching a predicate.</summary>
    public IEventFilterApplier Custom(Predicate<LogEvent> predicate) =>
        new Applier(_kit, "Custom", e => e is LogEvent l && predicate(l));

    private Applier Log<TEvent>(string kind, string? message, string? start, string? contains, string? source, Func<LogEvent, bool>? extra)
        where TEvent : LogEvent
    {
        var desc = kind
            + (message is null ? "" : $" message=\"{message}\"")
            + (start is null ? "" : $" start=\"{start}\"")
            + (contains is null ? "" : $" contains=\"{contains}\"")
            + (source is null ? "" : $" source=\"{source}\"");
        return new Applier(_kit, desc, o =>
        {
            if (o is not TEvent e || (extra is not null && !extra(e)))
            {
                return false;
            }
            var text = e.Message.ToString() ?? "";
            return (message is null || text == message)
                && (start is null || text.StartsWith(start, StringComparison.Ordinal))
                && (contains is null || text.Contains(contains, StringComparison.Ordinal))
                && (source is null || e.LogSource == source);
        });
    }

    private sealed class Applier(TestKitBase kit, string description, Func<object, bool> predicate) : IEventFilterApplier
    {
        public void ExpectOne(Action action) => Expect(1, action);

        public Task ExpectOneAsync(Func<Task> action) => ExpectAsync(1, null, action);

        public void Expect(int expectedCount, Action action) => Run(expectedCount, null, action);

        public void Expect(int expectedCount, TimeSpan timeout, Action action) => Run(expectedCount, timeout, action);

        private void Run(int expectedCount, TimeSpan? timeout, Action action) =>
            ExpectAsync(expectedCount, timeout, () =>
            {
                action();
                return Task.CompletedTask;
            }).GetAwaiter().GetResult();

        private async Task ExpectAsync(int expectedCount, TimeSpan? timeout, Func<Task> action)
        {
            var registry = EventFilterRegistry.For(kit.Sys);
            var filter = new ActiveFilter(predicate);
            registry.Add(filter);
            try
            {
                await action().ConfigureAwait(false);
                var wait = kit.Dilated(timeout ?? kit.TestKitSettings.FilterLeeway);
                var stop = Clock.Now + wait;
                while (filter.Count < expectedCount && Clock.Now < stop)
                {
                    await Task.Delay(10).ConfigureAwait(false);
                }
                var count = filter.Count;
                if (count < expectedCount)
                {
                    throw new TestKitAssertionException(
                        $"Timeout ({wait.TotalSeconds:0.00}s) waiting for {expectedCount} log event(s) matching {description}: received {count}.");
                }
                if (count > expectedCount)
                {
                    throw new TestKitAssertionException(
                        $"Received {count - expectedCount} log event(s) too many matching {description} (expected {expectedCount}, got {count}).");
                }
            }
            finally
            {
                registry.Remove(filter);
            }
        }

        public IDisposable Mute()
        {
            var registry = EventFilterRegistry.For(kit.Sys);
            var filter = new ActiveFilter(predicate);
            registry.Add(filter);
            return new Unmute(registry, filter);
        }

        public void Mute(Action action)
        {
            using (Mute())
            {
                action();
            }
        }
    }

    private sealed class Unmute(EventFilterRegistry registry, ActiveFilter filter) : IDisposable
    {
        public void Dispose() => registry.Remove(filter);
    }
}

internal sealed class ActiveFilter(Func<object, bool> predicate)
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public bool TryMatch(object e)
    {
        if (!predicate(e))
        {
            return false;
        }
        Interlocked.Increment(ref _count);
        return true;
    }
}

/// <summary>Per-system list of active filters; also writes unmuted log events to the xUnit output.</summary>
internal sealed class EventFilterRegistry
{
    private static readonly ConditionalWeakTable<ActorSystem, EventFilterRegistry> Registries = new();
    private readonly object _gate = new();
    private ActiveFilter[] _filters = [];
    private ITestOutputHelper?[] _outputs = [];

    private EventFilterRegistry(ActorSystem system)
    {
        system.EventStream.Subscribe(OnEvent, typeof(LogEvent));
        system.EventStream.Subscribe(OnEvent, typeof(DeadLetter));
    }

    public static EventFilterRegistry For(ActorSystem system) => Registries.GetValue(system, s => new EventFilterRegistry(s));

    public void Add(ActiveFilter f)
    {
        lock (_gate)
        {
            _filters = [.. _filters, f];
        }
    }

    public void Remove(ActiveFilter f)
    {
        lock (_gate)
        {
            _filters = [.. _filters.Where(x => !ReferenceEquals(x, f))];
        }
    }

    public IDisposable Attach(ITestOutputHelper? output)
    {
        if (output is null)
        {
            return new Detach(() => { });
        }
        lock (_gate)
        {
            _outputs = [.. _outputs, output];
        }
        return new Detach(() =>
        {
            lock (_gate)
            {
                _outputs = [.. _outputs.Where(o => !ReferenceEquals(o, output))];
            }
        });
    }

    private sealed class Detach(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    private void OnEvent(object e)
    {
        var muted = false;
        foreach (var f in Volatile.Read(ref _filters))
        {
            muted |= f.TryMatch(e);
        }
        if (muted || e is not LogEvent log)
        {
            return;
        }
        foreach (var o in Volatile.Read(ref _outputs))
        {
            TestKit.Write(o!, log);
        }
    }
}
