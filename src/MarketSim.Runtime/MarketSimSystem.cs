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
/// The process's actor system, built with Akka.Hosting: <c>/user/runs</c> (<see cref="RunSupervisor"/>) and one shard
/// dispatcher per parallelism in use. The <c>akka</c> section comes from MarketSim.Runtime's reference.conf and any
/// override, resolved by MarketSim's HOCON front end and handed to Akka as rendered text.
/// </summary>
public sealed class MarketSimSystem : IAsyncDisposable
{
    internal const string ReferenceResource = "MarketSim.Runtime.reference.conf";

    private static readonly Lock SharedLock = new();
    private static MarketSimSystem? _shared;
    private static Task<MarketSimSystem>? _starting;

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

    /// <summary>The process's system (made on first use; <see cref="ShutdownShared"/> ends it).</summary>
    public static MarketSimSystem Shared
    {
        get
        {
            lock (SharedLock)
            {
                if (_shared is null)
                {
                    _shared = _starting is { } starting ? starting.GetAwaiter().GetResult() : Start();
                    _starting = null;
                }

                return _shared;
            }
        }
    }

    /// <summary>
    /// Starts building <see cref="Shared"/> on a thread-pool thread, so that a command can load its scenario, claim its
    /// run folder and open its journal meanwhile (a cold actor system takes ≈ 0.3 s, mostly JIT): <see cref="Shared"/>
    /// then waits for it. Does nothing when the system exists or is being built.
    /// </summary>
    public static void StartSharedInBackground()
    {
        lock (SharedLock)
        {
            if (_shared is null && _starting is null)
            {
                _starting = Task.Run(() => Start());
            }
        }
    }

    /// <summary>MarketSim.Runtime's reference.conf.</summary>
    public static Config Reference() => ConfigFactory.FromResource(typeof(MarketSimSystem).Assembly, ReferenceResource);

    /// <summary>Terminates the shared system, if one was made.</summary>
    public static void ShutdownShared()
    {
        MarketSimSystem? s;
        Task<MarketSimSystem>? starting;
        lock (SharedLock)
        {
            (s, _shared) = (_shared, null);
            (starting, _starting) = (_starting, null);
        }

        // Started in the background but never used (the command failed before its run): stop it if it is up; if it is
        // still starting, leave it — its threads are background threads and end with the process.
        if (s is null && starting is { IsCompletedSuccessfully: true })
        {
            s = starting.Result;
        }

        s?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
    }

    /// <summary>Starts an actor system with <paramref name="overrides"/> over the reference configuration.</summary>
    public static MarketSimSystem Start(Config? overrides = null)
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
