using MarketSim.Polymarket.World;
using MarketSim.Simulation.Run;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Runtime;

/// <summary>Makes the world of a scenario.</summary>
public static class RunWorlds
{
    /// <summary>The parity world or the Polymarket replay, per <c>world.kind</c>.</summary>
    public static IRunWorld Create(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return scenario.World.Kind switch
        {
            "parity" => new ParityEventIssuer(scenario) { Miners = scenario.Miners },
            "polymarket" => PolymarketWorld.Load(scenario),
            var k => throw new NotSupportedException($"world '{k}' is not supported by marketsim run"),
        };
    }
}
