using FsCheck;
using FsCheck.Fluent;
using MarketSim.Scoring.Metrics;
using MarketSim.Simulation.Parity;
using MarketSim.Simulation.Randomness;

namespace MarketSim.Simulation.Tests.Parity;

/// <summary>Properties over deterministic FsCheck samples (fixed Rnd seeds: every run checks the same cases).</summary>
public sealed class ParityPropertySpec
{
    private const int Cases = 150;

    private static readonly Gen<(int D, int K, int Seed, int Row)> Worlds =
        from d in Gen.Choose(1, 80)
        from k in Gen.Choose(1, d)
        from seed in Gen.Choose(int.MinValue, int.MaxValue)
        from row in Gen.Choose(0, 1_000_000)
        select (d, k, seed, row);

    [Fact]
    public void Any_row_generated_alone_equals_the_same_row_of_a_shard()
    {
        foreach (var (d, k, seed, row) in Worlds.Sample(10, new Rnd(1), Cases))
        {
            var world = new ParityWorld(d, k, 0.7, seed);
            var alone = world.Generate(row, 1);
            var shard = world.Generate(row - (row % 7), 7);
            var offset = row % 7;
            Assert.Equal(shard.Row(offset).ToArray(), alone.Row(0).ToArray());
            Assert.Equal(shard.Y[offset], alone.Y[0]);
            Assert.Equal(world.Chi(alone.Row(0)), alone.Chi[0]);
        }
    }

    [Fact]
    public void The_scan_cell_key_matches_the_scoring_cell_key()
    {
        foreach (var (d, k, seed, row) in Worlds.Sample(10, new Rnd(2), Cases))
        {
            if (d > 64 || k > 30)
            {
                continue; // packed rows need d <= 64; an int cell key needs |J| <= 30
            }

            var world = new ParityWorld(d, k, 0.7, seed);
            var rows = world.Generate(row, 1);
            var j = CounterRng.SampleSubset(d, k, (ulong)seed, 99, (ulong)row);
            var mask = j.Aggregate(0UL, (m, x) => m | (1UL << x));
            Assert.Equal((ulong)GroupCalibration.CellKey(rows.Row(0), j), CellKeys.Gather(rows.Bits![0], mask));
            Assert.Equal(CellKeys.GatherPortable(rows.Bits[0], mask), CellKeys.Gather(rows.Bits[0], mask));
        }
    }

    [Fact]
    public void Every_forecast_is_a_probability_and_the_oracle_has_zero_sce()
    {
        var gen = from d in Gen.Choose(1, 20)
                  from k in Gen.Choose(1, d)
                  from alphaPercent in Gen.Choose(1, 100)
                  from rhoPercent in Gen.Choose(0, 100)
                  from l in Gen.Choose(0, d)
                  from chains in Gen.Choose(1, 6)
                  select (d, k, alphaPercent / 100.0, rhoPercent / 100.0, l, chains);
        foreach (var (d, k, alpha, rho, l, chains) in gen.Sample(10, new Rnd(3), 60))
        {
            var world = new ParityWorld(d, k, alpha, d * 31);
            var rows = world.Generate(0, 64);
            ParityForecaster[] all = [new OracleForecaster(), new DiffusionAnalyticForecaster(rho), new LQueryOracleForecaster(l), new RandomizedChainsForecaster(l, chains)];
            foreach (var f in all)
            {
                Assert.All(f.Forecast(rows), q => Assert.InRange(q, 0.0, 1.0));
            }

            Assert.Equal(0.0, Calibration.Sce(all[0].Forecast(rows), rows.F));
            var expected = ParityClosedForms.DiffusionSce(alpha, k, rho);
            Assert.Equal(expected, Calibration.Sce(all[1].Forecast(rows), rows.F), 12);
        }
    }
}
