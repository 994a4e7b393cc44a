using BenchmarkDotNet.Attributes;
using MarketSim.Journal;
using MarketSim.Simulation.Journal;

namespace MarketSim.Benchmarks;

/// <summary>
/// How many predictions per second the SQLite score-stream journal absorbs, with bench-subnet-sized
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
    private SerializedEvent[] _serialized = [];
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
        _serialized = [.. _batches.Select(SerializedEvent.From)];
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

    /// <summary>Serialize and write every batch, then close (checkpoint included).</summary>
    [Benchmark(Baseline = true)]
    public long SerializeAndWrite()
    {
        var file = NextFile();
        using (var w = SqliteJournalWriter.Open(file))
        {
            foreach (var b in _batches)
            {
                w.Append(JournalIds.Shard(b.Shard), b, b.Interval);
            }
        }

        File.Delete(file);
        return PredictionsPerOperation;
    }

    /// <summary>Write batches serialized beforehand (what the single writer does when workers serialize).</summary>
    [Benchmark]
    public long WritePreSerialized()
    {
        var file = NextFile();
        using (var w = SqliteJournalWriter.Open(file))
        {
            string[] tags = [JournalIds.PredictionsTag];
            for (var i = 0; i < _serialized.Length; i++)
            {
                w.Append(JournalIds.Shard(_batches[i].Shard), _serialized[i], _batches[i].Interval, tags);
            }
        }

        File.Delete(file);
        return PredictionsPerOperation;
    }
}
