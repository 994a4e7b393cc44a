using FsCheck;
using FsCheck.Fluent;
using MarketSim.Scenarios;

namespace MarketSim.Journal.Tests.Run;

/// <summary>Properties of whole runs over deterministic FsCheck samples (fixed Rnd seed: every run checks the same cases).</summary>
public sealed class RunPropertySpec : IDisposable
{
    private readonly RunTestSupport _support = new();

    public void Dispose() => _support.Dispose();

    [Fact]
    public void The_summary_does_not_depend_on_how_miners_are_sharded_or_how_many_workers_run_them()
    {
        var cases = (from shardSize in Gen.Choose(1, 12)
                     from workers in Gen.Choose(1, 6)
                     from seed in Gen.Choose(0, 1000)
                     select (shardSize, workers, seed)).Sample(10, new Rnd(5), 4);
        foreach (var (shardSize, workers, seed) in cases)
        {
            string[] common = ["timeline.events=30"];
            var reference = _support.Run("parity-cliff-fog.conf", [.. common, "shard-size=64", "marketsim.parallelism=1"], seed);
            var sharded = _support.Run("parity-cliff-fog.conf", [.. common, $"shard-size={shardSize}", $"marketsim.parallelism={workers}"], seed);

            Assert.Equal(RunState.Complete, sharded.State);
            Assert.Equal(reference.Predictions, sharded.Predictions);
            Assert.Equal(File.ReadAllBytes(reference.Folder.SummaryJsonFile), File.ReadAllBytes(sharded.Folder.SummaryJsonFile));
        }
    }
}
