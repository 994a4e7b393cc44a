using BenchmarkDotNet.Attributes;
using MarketSim.Runtime;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Run;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Benchmarks;

/// <summary>
/// The hot path of <c>marketsim run</c>: one shard's columnar batch (64 miners × 42 open events, bench-subnet's steady
/// state), a validator recording four such batches (256 × 42 answers), and a whole small bench-subnet run end to end
/// (200 events, SQLite journal and summary). The end-to-end figure for the full scenario is measured with
/// <c>/usr/bin/time -v marketsim run scenarios/bench-subnet.conf</c> (docs/running.md).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class RunBenchmarks
{
    private const int OpenEvents = 42;
    private Scenario _scenario = null!;
    private MinerShard _shard = null!;
    private long[] _eventIds = [];
    private sbyte[] _chi = [];
    private PredictionBatch[] _batches = [];
    private ValidatorState _validator = null!;
    private string _out = "";

    [GlobalSetup]
    public void Setup()
    {
        var file = Path.Combine(RepoRoot(), "scenarios", "bench-subnet.conf");
        _scenario = ScenarioLoader.Load(file, ["timeline.events=200"]);
        var issuer = new ParityEventIssuer(_scenario);
        _shard = new MinerShard(0, 0, 64, _scenario.Miners, issuer.World);
        _eventIds = [.. Enumerable.Range(0, OpenEvents).Select(i => (long)i)];
        _chi = [.. Enumerable.Range(0, OpenEvents).Select(i => (sbyte)(i % 3 == 0 ? -1 : 1))];
        _batches = [.. Enumerable.Range(0, 4).Select(s => new MinerShard(s, s * 64, 64, _scenario.Miners, issuer.World).Answer(0, _eventIds, _chi))];
        _out = Path.Combine(Path.GetTempPath(), "marketsim-run-bench");
    }

    [IterationSetup(Target = nameof(ValidatorRecordsOneInterval))]
    public void FreshValidator()
    {
        _validator = new ValidatorState(_scenario.Validators[0], _scenario.MinerCount, _scenario.Timeline);
        foreach (var id in _eventIds)
        {
            _validator.Register(new IssuedEvent(id, _scenario.Timeline.Epoch, _scenario.Timeline.Epoch + TimeSpan.FromDays(7), _scenario.Timeline.Epoch + TimeSpan.FromDays(8)));
        }
    }

    /// <summary>64 × 42 = 2,688 predictions.</summary>
    [Benchmark]
    public PredictionBatch ShardAnswersOneInterval() => _shard.Answer(0, _eventIds, _chi);

    /// <summary>256 × 42 = 10,752 predictions into the running means.</summary>
    [Benchmark]
    public long ValidatorRecordsOneInterval()
    {
        var sink = new List<RejectedAnswer>();
        foreach (var b in _batches)
        {
            _validator.Record(b, _scenario.Timeline.Epoch, sink);
        }

        return _validator.Rejected;
    }

    /// <summary>bench-subnet with 200 events: 256 × 200 × 42 = 2,150,400 predictions, journal and summary included.</summary>
    [Benchmark]
    public long SmallBenchSubnetEndToEnd()
    {
        var prepared = RunPreparation.Prepare(Path.Combine(RepoRoot(), "scenarios", "bench-subnet.conf"), ["timeline.events=200"], null, _out, DateTimeOffset.UtcNow);
        var outcome = ScenarioRunner.Run(prepared);
        Directory.Delete(prepared.Folder.Path, recursive: true);
        return outcome.Predictions;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MarketSim.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MarketSim.sln not found above " + AppContext.BaseDirectory);
    }
}
