using System.Collections.Concurrent;
using MarketSim.Actors;
using MarketSim.Actors.Event;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using MelLevel = Microsoft.Extensions.Logging.LogLevel;

namespace MarketSim.Actors.Tests;

public sealed class LoggingSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    private sealed record Entry(string Category, MelLevel Level, string Message, Exception? Exception);

    /// <summary>A minimal in-memory ILoggerFactory.</summary>
    private sealed class MemoryLoggerFactory : ILoggerFactory
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new MemoryLogger(categoryName, Entries);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }

    private sealed class MemoryLogger(string category, ConcurrentQueue<Entry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(MelLevel logLevel) => true;

        public void Log<TState>(MelLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception));
    }

    private sealed class Chatty : ReceiveActor
    {
        public Chatty()
        {
            var log = Context.GetLogger();
            Receive<string>(s => log.Info("got {0}", s));
            Receive<int>(i => log.Warning("number {Number}", i));
        }
    }

    [Fact]
    public async Task The_Microsoft_Extensions_Logging_bridge_receives_actor_logs_with_the_actor_path()
    {
        var factory = new MemoryLoggerFactory();
        var system = ActorSystem.Create("logged", ActorSystemSettings.Default, factory);
        try
        {
            var chatty = system.ActorOf(Props.Create<Chatty>(), "chatty");
            chatty.Tell("hello");
            chatty.Tell(7);
            AwaitCondition(() => factory.Entries.Count(e => e.Category == "akka://logged/user/chatty") >= 2);
            var entries = factory.Entries.Where(e => e.Category == "akka://logged/user/chatty").ToList();
            Assert.Contains(entries, e => e.Level == MelLevel.Information && e.Message == "got hello");
            Assert.Contains(entries, e => e.Level == MelLevel.Warning && e.Message == "number 7");
        }
        finally
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public void Log_events_carry_source_level_and_message_on_the_event_stream()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Info));
        var chatty = Sys.ActorOf(Props.Create<Chatty>(), "talker");
        chatty.Tell("hi");
        var info = FishForMessage<Info>(i => i.LogSource == chatty.Path.ToString());
        Assert.Equal("got hi", info.Message);
        Assert.Equal(Event.LogLevel.InfoLevel, info.LogLevel());
        Assert.Equal(typeof(Chatty), info.LogClass);
    }

    [Fact]
    public async Task Events_below_the_configured_loglevel_are_not_published()
    {
        var system = ActorSystem.Create("quiet", ActorSystemSettings.Default with { LogLevel = Event.LogLevel.WarningLevel });
        try
        {
            system.EventStream.Subscribe(TestActor, typeof(LogEvent));
            var chatty = system.ActorOf(Props.Create<Chatty>());
            chatty.Tell("dropped");
            chatty.Tell(1);
            var w = ExpectMsg<Warning>();
            Assert.Equal("number 1", w.Message);
        }
        finally
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public void EventFilter_sees_info_logs_of_an_actor()
    {
        var chatty = Sys.ActorOf(Props.Create<Chatty>(), "filtered");
        EventFilter.Info(start: "got", source: chatty.Path.ToString()).ExpectOne(() => chatty.Tell("x"));
    }
}
