using MarketSim.Simulation.Scenarios;

namespace MarketSim.Scenarios.Tests;

public sealed class FaultyMinerScenarioSpec
{
    private static FaultyMiners Faulty(string body) =>
        Assert.IsType<FaultyMiners>(ScenarioLoader.LoadString($"marketsim.scenario.miners = [ {{ kind = faulty, {body} }} ]", "faulty.conf").Miners.Single());

    [Theory]
    [InlineData("value = NaN", double.NaN, "faulty(value=NaN,rate=1.0)")]
    [InlineData("value = inf", double.PositiveInfinity, "faulty(value=inf,rate=1.0)")]
    [InlineData("value = \"-inf\"", double.NegativeInfinity, "faulty(value=-inf,rate=1.0)")]
    [InlineData("value = 1.5", 1.5, "faulty(value=1.5,rate=1.0)")]
    public void A_faulty_miner_takes_NaN_infinities_and_any_number_as_its_value(string body, double value, string name)
    {
        var g = Faulty(body);
        Assert.Equal(value, g.Value);
        Assert.Equal(1.0, g.Rate);
        Assert.Equal(name, g.Name);
    }

    [Fact]
    public void None_means_no_answer_and_the_rate_is_kept()
    {
        var g = Faulty("value = none, rate = 0.25");
        Assert.Null(g.Value);
        Assert.Equal(0.25, g.Rate);
        Assert.Equal("faulty(value=none,rate=0.25)", g.Name);
    }

    [Theory]
    [InlineData("value = banana", "marketsim.scenario.miners[0].value")]
    [InlineData("value = NaN, rate = 0", "marketsim.scenario.miners[0].rate")]
    [InlineData("value = NaN, rate = 1.5", "marketsim.scenario.miners[0].rate")]
    [InlineData("rate = 0.5", "marketsim.scenario.miners[0].value")]
    public void A_bad_value_or_rate_is_reported_with_its_key(string body, string key)
    {
        var e = Assert.Throws<ScenarioException>(() => Faulty(body));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rendered_scenario_loads_back_equal()
    {
        var s = ScenarioLoader.LoadString("marketsim.scenario.miners = [ { kind = oracle }, { kind = faulty, value = NaN, rate = 0.5, count = 3 }, { kind = faulty, value = none } ]", "faulty.conf");
        var again = ScenarioLoader.LoadString(ScenarioRenderer.ToHocon(s), "rendered.conf");
        Assert.Equal(s.Miners.Select(m => (m.Name, m.Count, (m as FaultyMiners)?.Rate)), again.Miners.Select(m => (m.Name, m.Count, (m as FaultyMiners)?.Rate)));
        Assert.True(double.IsNaN(Assert.IsType<FaultyMiners>(again.Miners[1]).Value!.Value));
        Assert.Null(Assert.IsType<FaultyMiners>(again.Miners[2]).Value);
    }
}
