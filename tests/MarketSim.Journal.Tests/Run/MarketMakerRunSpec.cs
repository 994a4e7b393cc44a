using MarketSim.Journal;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;

namespace MarketSim.Journal.Tests.Run;

/// <summary>The LMSR market maker in a parity run (<c>marketmaker.kind = lmsr</c>).</summary>
public sealed class MarketMakerRunSpec : IDisposable
{
    private static readonly string[] Lmsr =
    [
        "timeline.events=40",
        "shard-size=3",
        "marketmaker.kind=lmsr",
        "marketmaker.liquidity=20",
        "marketmaker.max-spend=2",
        "miners=[{ kind = oracle, count = 2 }, { kind = constant, value = 0.5 }, { kind = diffusion, rho = 0.9, count = 2 }, { kind = market-follower, count = 2 }]",
        "validators=[{ rule = peer-1.5.5 }, { rule = market-relative }]",
    ];

    private readonly RunTestSupport _runs = new();

    public void Dispose() => _runs.Dispose();

    [Fact]
    public void Traders_move_the_quotes_market_followers_answer_them_and_every_market_is_settled_within_the_loss_bound()
    {
        var outcome = _runs.Run("parity-cliff-fog.conf", Lmsr, seed: 4);

        Assert.True(outcome.State == RunState.Complete, outcome.Error?.ToString());
        using var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(outcome.Folder.JournalFile));
        var settled = reader.EventsByPersistenceId(JournalIds.MarketMaker).Select(e => Assert.IsType<MarketSettled>(e.Event)).ToList();
        Assert.Equal(40, settled.Count);
        Assert.All(settled, s => Assert.True(s.MarketMakerPnl >= -(20 * Math.Log(2)) - 1e-9, $"market {s.EventId}: loss {s.MarketMakerPnl} beyond b ln 2"));
        Assert.All(settled, s => Assert.Equal(-s.MarketMakerPnl, s.AgentPnl.Sum(), 9)); // zero-sum
        Assert.Contains(settled, s => s.Trades > 0);
        Assert.DoesNotContain(settled.SelectMany(s => s.AgentIds), id => id is 5 or 6); // followers do not trade

        // The followers answer the quotes: the opening 0.5 first, then prices the traders moved.
        var follower = reader.EventsByTag(JournalIds.PredictionsTag).Select(e => (PredictionBatch)e.Event).Where(b => b.MinerIds.Contains(5)).ToList();
        var quotes = follower.SelectMany(b => Enumerable.Range(0, b.EventIds.Length).Select(j => b[Array.IndexOf(b.MinerIds, 5), j])).ToList();
        Assert.Contains(0.5, quotes);
        Assert.Contains(quotes, q => q != 0.5);

        var mm = outcome.Summary!.MarketMaker!;
        Assert.Equal(40, mm.Markets);
        Assert.Equal(settled.Sum(s => s.MarketMakerPnl), mm.Pnl, 9);
        Assert.True(mm.Forecasters.Single(f => f.Forecaster == "oracle").Pnl > 0, "the oracle profits from trading on the truth");
    }

    [Fact]
    public void The_same_market_run_gives_a_byte_identical_journal()
    {
        var one = _runs.Run("parity-cliff-fog.conf", Lmsr, seed: 4);
        var two = _runs.Run("parity-cliff-fog.conf", [.. Lmsr, "marketsim.parallelism=1"], seed: 4);

        JournalRows.AssertSame(JournalRows.Read(one.Folder.JournalFile), JournalRows.Read(two.Folder.JournalFile));
        Assert.Equal(File.ReadAllBytes(one.Folder.SummaryJsonFile), File.ReadAllBytes(two.Folder.SummaryJsonFile));
    }

    [Fact]
    public void A_replay_market_maker_needs_a_replay()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadString("marketsim.scenario.marketmaker.kind = replay"));
        Assert.Contains("needs world.kind = polymarket", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_market_follower_without_a_market_is_refused()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadString("marketsim.scenario.miners = [{ kind = market-follower }]"));
        Assert.Contains("marketmaker.kind = lmsr", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }
}
