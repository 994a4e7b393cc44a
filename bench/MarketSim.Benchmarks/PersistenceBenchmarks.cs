using BenchmarkDotNet.Attributes;
using MarketSim.Actors;
using MarketSim.Actors.Event;
using MarketSim.Persistence;
using MarketSim.Persistence.Sqlite;

namespace MarketSim.Benchmarks;

/// <summary>
/// Persistent actors on the SQLite journal, JournalPerfSpec-like: every benchmark persists (or recovers) <see cref="Events"/>
/// events and reports time per event (OperationsPerInvoke), so 1e9 / mean-ns = events per second.
/// Persist: one actor, one Persist per command. PersistAll: one actor, PersistAll of 100 events per command.
/// PersistGroup: <see cref="Actors"/> actors in parallel, one Persist per command. Recovering: replay of 10,000 events.
/// Run: <c>dotnet run -c Release --project bench/MarketSim.Benchmarks -- --filter '*Persistence*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PersistenceBenchmarks
{
    private const int Events = 10_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private string _dir = null!;
    private ActorSystem _system = null!;
    private SqliteJournal _journal = null!;
    private int _run;
    private string _recoverPid = "";

    /// <summary>Actors persisting in parallel in <see cref="PersistGroup"/>.</summary>
    [Params(10, 100)]
    public int Actors { get; set; }

    public sealed record Cmd(int Count);

    public sealed record Flush;

    public sealed record Evt(int Value);

    private sealed class BenchActor : ReceivePersistentActor
    {
        private long _sum;

        public override string PersistenceId { get; }

        public BenchActor(string pid)
        {
            PersistenceId = pid;
            Recover<Evt>(e => _sum += e.Value);
            Command<Cmd>(c =>
            {
                if (c.Count == 1)
                {
                    Persist(new Evt(1), e => _sum += e.Value);
                }
                else
                {
                    PersistAll(Enumerable.Range(0, c.Count).Select(_ => new Evt(1)), e => _sum += e.Value);
                }
            });
            Command<Flush>(_ => Sender.Tell(_sum));
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("marketsim-persistence-bench-").FullName;
        _system = ActorSystem.Create("bench", ActorSystemSettings.Default with { StdoutLogLevel = LogLevel.OffLevel, LogDeadLetters = 0 });
        _journal = new SqliteJournal(Path.Combine(_dir, "journal.db"), batchSize: 100);
        Persistence.Persistence.Register(_system, _journal, new SqliteSnapshotStore(Path.Combine(_dir, "snapshots.db")));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _system.Terminate().Wait(Timeout);
        _journal.DisposeAsync().AsTask().Wait(Timeout);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private IActorRef Start(string pid) => _system.ActorOf(Props.Create(() => new BenchActor(pid)));

    private async Task SendAndFlush(IActorRef actor, int commands, int perCommand)
    {
        for (var i = 0; i < commands; i++)
        {
            actor.Tell(new Cmd(perCommand), ActorRefs.Nobody);
        }
        var sum = await actor.Ask<long>(new Flush(), Timeout);
        if (sum != (long)commands * perCommand)
        {
            throw new InvalidOperationException($"expected {commands * perCommand}, got {sum}");
        }
        _system.Stop(actor);
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "Persist")]
    public Task Persist() => SendAndFlush(Start($"persist-{++_run}"), Events, 1);

    [Benchmark(OperationsPerInvoke = Events, Description = "PersistAll (100 per command)")]
    public Task PersistAll() => SendAndFlush(Start($"persist-all-{++_run}"), Events / 100, 100);

    [Benchmark(OperationsPerInvoke = Events, Description = "PersistGroup")]
    public Task PersistGroup()
    {
        var run = ++_run;
        return Task.WhenAll(Enumerable.Range(0, Actors).Select(i => SendAndFlush(Start($"group-{run}-{i}"), Events / Actors, 1)));
    }

    [IterationSetup(Target = nameof(Recovering))]
    public void WriteForRecovery()
    {
        _recoverPid = $"recover-{++_run}";
        var writes = Enumerable.Range(0, Events / 100)
            .Select(b => new AtomicWrite([.. Enumerable.Range(1, 100).Select(i => new Persistent(new Evt(1), _recoverPid, (b * 100) + i, []))]))
            .ToList();
        _journal.WriteMessagesAsync(writes).Wait(Timeout);
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "Recovering")]
    public async Task Recovering()
    {
        var actor = Start(_recoverPid);
        var sum = await actor.Ask<long>(new Flush(), Timeout);
        if (sum != Events)
        {
            throw new InvalidOperationException($"recovered {sum} of {Events}");
        }
        _system.Stop(actor);
    }
}
