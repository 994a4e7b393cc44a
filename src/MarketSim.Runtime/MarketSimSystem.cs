using System.Collections.Concurrent;
using System.Globalization;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Akka.Hosting;
using MarketSim.Hocon;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MarketSim.Runtime;

/// <summary>
/// An actor system built with Akka.Hosting — one per run, configured with the run's journal: <c>/user/runs</c> (<see cref="RunSupervisor"/>) and one shard
/// dispatcher per parallelism in use. The <c>akka</c> section comes from MarketSim.Runtime's reference.conf and any
/// override, resolved by MarketSim's HOCON front end and handed to Akka as rendered text.
/// </summary>
public sealed class MarketSimSystem : IAsyncDisposable
{
    internal const string ReferenceResource = "MarketSim.Runtime.reference.conf";

    private readonly IHost _host;
    private readonly ConcurrentDictionary<int, string> _dispatchers = new();

    private MarketSimSystem(IHost host, Config config)
    {
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Runs = host.Services.GetRequiredService<IRequiredActor<RunSupervisor>>().ActorRef;
        StepTimeout = config.GetTimeSpan("marketsim.runtime.step-timeout", TimeSpan.FromMinutes(10), allowInfinite: false);
    }

    /// <summary>The actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>How long one step of an interval may take (<c>marketsim.runtime.step-timeout</c>).</summary>
    public TimeSpan StepTimeout { get; }

    /// <summary><c>/user/runs</c>.</summary>
    internal IActorRef Runs { get; }

    /// <summary>MarketSim.Runtime's reference.conf.</summary>
    public static Config Reference() => ConfigFactory.FromResource(typeof(MarketSimSystem).Assembly, ReferenceResource);

    /// <summary>
    /// Starts an actor system with <paramref name="overrides"/> over the reference configuration and, for a run,
    /// <paramref name="journal"/>: the Akka configuration of its journal (<see cref="MarketSim.Journal.Akka.JournalConfig.Akka"/>)
    /// and <paramref name="journalSetup"/>, its connection options (<see cref="MarketSim.Journal.Akka.JournalConfig.Setup"/>).
    /// </summary>
    public static MarketSimSystem Start(Config? overrides = null, global::Akka.Configuration.Config? journal = null, global::Akka.Actor.Setup.Setup? journalSetup = null)
    {
        var config = (overrides ?? Config.Empty).WithFallback(Reference()).Resolve();
        var akka = config.GetConfig("akka");
        var text = "akka = " + akka.ToJson(indented: false);
        var host = new HostBuilder()
            .ConfigureServices(services =>
            {
                // MarketSim owns Ctrl-C and SIGTERM (see reference.conf): no console lifetime.
                services.AddSingleton<IHostLifetime, SilentLifetime>();
                services.AddAkka("marketsim", builder =>
                {
                    builder.AddHocon(text, HoconAddMode.Prepend);
                    if (journal is not null)
                    {
                        builder.AddHocon(journal, HoconAddMode.Append);
                    }

                    if (journalSetup is not null)
                    {
                        builder.AddSetup(journalSetup);
                    }

                    builder.WithActors((system, registry) => registry.Register<RunSupervisor>(system.ActorOf(RunSupervisor.Props(), "runs")));
                });
            })
            .Build();
        host.Start();
        return new MarketSimSystem(host, config);
    }

    /// <summary>
    /// The id of a dispatcher with <paramref name="threads"/> dedicated threads for miner shards (registered on first
    /// use): at most that many shards compute at once, whatever the number of shards.
    /// </summary>
    public string ShardDispatcher(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        return _dispatchers.GetOrAdd(threads, n =>
        {
            var id = "marketsim.shard-dispatcher-" + n.ToString(CultureInfo.InvariantCulture);
            var cfg = Akka.Configuration.ConfigurationFactory.ParseString(
                $"id = \"{id}\"\ntype = ForkJoinDispatcher\nexecutor = fork-join-executor\nthroughput = 1\ndedicated-thread-pool {{ thread-count = {n}, threadtype = background }}")
                .WithFallback(System.Settings.Config.GetConfig("akka.actor.default-dispatcher"));
            System.Dispatchers.RegisterConfigurator(id, new DispatcherConfigurator(cfg, System.Dispatchers.Prerequisites));
            return id;
        });
    }

    /// <summary>Stops the host and with it the actor system.</summary>
    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync().ConfigureAwait(false);
        _host.Dispose();
    }

    private sealed class SilentLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>Akka's log events as one line each on stderr (<c>akka.loglevel</c> filters them): no stack traces.</summary>
public sealed class StderrLogger : ReceiveActor
{
    /// <summary>Created by Akka from <c>akka.loggers</c>; answers the logger handshake and prints each log event.</summary>
    public StderrLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e =>
        {
            var cause = e is Error { Cause: { } c } ? ": " + c.Message : string.Empty;
            Console.Error.WriteLine($"marketsim: akka {e.LogLevel().ToString().Replace("Level", string.Empty, StringComparison.Ordinal).ToUpperInvariant()} {e.LogSource}: {e.Message}{cause}");
        });
    }
}
