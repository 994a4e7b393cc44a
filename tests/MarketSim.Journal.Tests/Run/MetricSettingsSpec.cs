using System.Text.Json;
using MarketSim.Journal;
using MarketSim.Journal.Summary;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Scenarios;
using MarketSim.Simulation.Summary;

namespace MarketSim.Journal.Tests.Run;

/// <summary>parity.md §4 arbitrage profit with B and c from the scenario (<c>metrics</c>).</summary>
public sealed class MetricSettingsSpec : IDisposable
{
    private static readonly string[] Small = ["timeline.events=60", "shard-size=2"];
    private readonly RunTestSupport _support = new();

    public void Dispose() => _support.Dispose();

    [Fact]
    public void The_metric_parameters_default_to_B_1_c_0_and_20_bins_and_render_back()
    {
        var s = ScenarioLoader.LoadString(string.Empty, "empty.conf");
        Assert.Equal(new MetricsSettings(1.0, 0.0, 20), s.Metrics);
        Assert.Equal(MetricsSettings.Default, s.Metrics);

        var custom = ScenarioLoader.LoadString("marketsim.scenario.metrics { arbitrage-budget = 2.5, transaction-cost = 0.03, ece-bins = 10 }", "m.conf");
        Assert.Equal(new MetricsSettings(2.5, 0.03, 10), custom.Metrics);
        Assert.Equal(custom, ScenarioLoader.LoadString(ScenarioRenderer.ToHocon(custom), "rendered.conf"));
    }

    [Theory]
    [InlineData("arbitrage-budget = 0", "marketsim.scenario.metrics.arbitrage-budget")]
    [InlineData("arbitrage-budget = -1", "marketsim.scenario.metrics.arbitrage-budget")]
    [InlineData("transaction-cost = -0.01", "marketsim.scenario.metrics.transaction-cost")]
    [InlineData("ece-bins = 0", "marketsim.scenario.metrics.ece-bins")]
    [InlineData("trading-cost = 0.1", "marketsim.scenario.metrics.trading-cost")]
    public void Out_of_range_or_unknown_metric_keys_are_errors(string body, string key)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadString($"marketsim.scenario.metrics {{ {body} }}", "m.conf"));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_positive_cost_lowers_arb_as_B_times_mean_of_the_gap_less_c_predicts_and_is_recorded_in_summary_json()
    {
        var free = _support.Run("groupstress.conf", Small, subFolder: "free");
        var costly = _support.Run("groupstress.conf", [.. Small, "metrics.transaction-cost=0.05", "metrics.arbitrage-budget=2"], subFolder: "costly");
        var s0 = free.Summary!;
        var s1 = costly.Summary!;

        Assert.Equal((1.0, 0.0), (s0.Budget, s0.Cost));
        Assert.Equal((2.0, 0.05), (s1.Budget, s1.Cost));
        using (var json = JsonDocument.Parse(File.ReadAllBytes(costly.Folder.SummaryJsonFile)))
        {
            Assert.Equal(2.0, json.RootElement.GetProperty("budget").GetDouble());
            Assert.Equal(0.05, json.RootElement.GetProperty("cost").GetDouble());
            Assert.Equal(20, json.RootElement.GetProperty("bins").GetInt32());
        }

        var gaps = GapsByForecaster(costly.Folder.JournalFile, s1);
        for (var i = 0; i < s1.Forecasters.Count; i++)
        {
            var g = gaps[i];
            Assert.Equal(g.Average(), s0.Forecasters[i].ArbProfit, 12);
            Assert.Equal(2.0 * g.Average(x => Math.Max(0, x - 0.05)), s1.Forecasters[i].ArbProfit, 12);
            Assert.True(s1.Forecasters[i].ArbProfit <= 2.0 * s0.Forecasters[i].ArbProfit);

            // Every other column is independent of B and c.
            Assert.Equal(s0.Forecasters[i].Brier, s1.Forecasters[i].Brier);
            Assert.Equal(s0.Forecasters[i].Ece, s1.Forecasters[i].Ece);
        }

        // The constant 1/2 is off by |f − 1/2| = α/2 = 0.4 > c on every event: the cost lowers its profit per unit budget.
        var constant = s1.Forecasters.Single(f => f.Kind == "constant");
        Assert.True(constant.ArbProfit / 2.0 < s0.Forecasters.Single(f => f.Kind == "constant").ArbProfit);

        // The same journal re-summarised with an explicit cost gives that cost.
        Assert.Equal(0.0, SummaryBuilder.FromJournal(costly.Folder.JournalFile, cost: 0.0).Cost);
    }

    /// <summary>|f − q| of every recorded answer, per forecaster, straight from the journal.</summary>
    private static List<double>[] GapsByForecaster(string journal, RunSummary summary)
    {
        var group = new List<int>();
        for (var i = 0; i < summary.Forecasters.Count; i++)
        {
            group.AddRange(Enumerable.Repeat(i, summary.Forecasters[i].Miners));
        }

        using var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(journal));
        var truth = reader.EventsByPersistenceId(JournalIds.Issuer).Select(e => e.Event).OfType<EventResolved>().ToDictionary(r => r.EventId, r => r.Truth);
        var gaps = summary.Forecasters.Select(_ => new List<double>()).ToArray();
        foreach (var b in reader.EventsByTag(JournalIds.PredictionsTag).Select(e => e.Event).OfType<PredictionBatch>())
        {
            for (var m = 0; m < b.MinerIds.Length; m++)
            {
                for (var e = 0; e < b.EventIds.Length; e++)
                {
                    gaps[group[b.MinerIds[m]]].Add(Math.Abs(truth[b.EventIds[e]] - b[m, e]));
                }
            }
        }

        return gaps;
    }
}
