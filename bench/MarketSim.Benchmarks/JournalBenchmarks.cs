using Akka.Actor;
using BenchmarkDotNet.Attributes;
using MarketSim.Journal;
using MarketSim.Journal.Akka;
using MarketSim.Simulation.Journal;

namespace MarketSim.Benchmarks;

/// <summary>
/// How many predictions per second the score-stream journal (Akka.Persistence.Sql on SQLite) absorbs, with bench-subnet-sized
/// columnar batches: 4 shards × 64 miners × 48 open events per interval (serialization included).
/// <c>dotnet run -c Release --project bench/MarketSim.Benchmarks -- --filter '*Journal*'</c>.
/// Predictions per second = <see cref="PredictionsPerOperation"/> / mean time.
/// </summary>
[MemoryDiagnoser]
public class JournalBenchmarks
{
    public const int Intervals = 100;
    public const int Shards = 4;
    public const int MinersPerShard = 64;
    public const int Events = 48;

    /// <summary>Predictions written by one benchmark operation (1,228,800).</summary>
    public const long PredictionsPerOperation = (long)Intervals * Shards * MinersPerShard * Events;

    private PredictionBatch[] _batches = [];
    private string _dir = string.Empty;
    private int _run;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var batches = new List<PredictionBatch>();
        for (var k = 0; k < Intervals; k++)
        {
            for (var s = 0; s < Shards; s++)
            {
                var p = new double[MinersPerShard * Events];
                for (var i = 0; i < p.Length; i++)
                {
                    p[i] = rng.NextDouble();
                }

                batches.Add(new PredictionBatch(
                    k,
                    s,
                    [.. Enumerable.Range(k, Events).Select(e => (long)e)],
                    [.. Enumerable.Range(s * MinersPerShard, MinersPerShard)],
                    p));
            }
        }

        _batches = [.. batches];
        _dir = Path.Combine(Path.GetTempPath(), "marketsim-journal-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(_dir);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string NextFile() => Path.Combine(_dir, $"journal-{_run++}.db");

    /// <summary>
    /// Persist every batch through Akka.Persistence.Sql (the run's journal plugin, SQLite in WAL mode): one persistent
    /// actor per shard stream, one <c>PersistAllAsync</c> per interval as the run's stream actors do, then close.
    /// </summary>
    [Benchmark(Baseline = true)]
    public long PersistThroughAkka()
    {
        var file = NextFile();
        var target = JournalConfig.Sqlite(file);
        RunJournals.Prepare(target);
        var config = Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = OFF\nakka.stdout-loglevel = OFF").WithFallback(JournalConfig.Akka(target));
        using (var system = Akka.Actor.ActorSystem.Create("bench", Akka.Actor.BootstrapSetup.Create().WithConfig(config).And(JournalConfig.Setup(target))))
        {
            var writers = Enumerable.Range(0, Shards).Select(s => system.ActorOf(Akka.Actor.Props.Create(() => new ShardWriter(JournalIds.Shard(s))))).ToArray();
            var done = _batches.GroupBy(b => b.Shard).Select(g => writers[g.Key].Ask<Akka.Done>(g.Select(b => Stamped.Of(b, b.Interval + 1)).ToList(), TimeSpan.FromMinutes(5))).ToArray();
            Task.WaitAll(done);
            system.Terminate().Wait();
        }

        RunJournals.Close(target);
        File.Delete(file);
        return PredictionsPerOperation;
    }

    /// <summary>Serialize every batch only (the share of the write that is MarketSim's own codec).</summary>
    [Benchmark]
    public long SerializeOnly()
    {
        long bytes = 0;
        foreach (var b in _batches)
        {
            bytes += ScoreEventSerializer.Serialize(b).Length;
        }

        return bytes;
    }

    private sealed class ShardWriter : Akka.Persistence.ReceivePersistentActor
    {
        public ShardWriter(string persistenceId)
        {
            PersistenceId = persistenceId;
            Command<List<Stamped>>(batches =>
            {
                var replyTo = Sender;
                PersistAllAsync(batches, _ => { });
                DeferAsync(0, _ => replyTo.Tell(Akka.Done.Instance, Self));
            });
        }

        public override string PersistenceId { get; }
    }
}
