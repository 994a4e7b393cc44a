using MarketSim.Journal;
using MarketSim.Polymarket.Dataset;
using MarketSim.Runtime;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Journal.Tests.Run;

/// <summary>The Polymarket replay end to end on a hand-made dataset.</summary>
public sealed class PolymarketRunSpec : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly RunTestSupport _runs = new();

    public void Dispose() => _runs.Dispose();

    /// <summary>
    /// 10 markets, one created per day, each open 20 days, y alternating 1,0,1,0,… (the first 3, by creation, train the
    /// base rate: y = 1,0,1 → (2 + 1) / (3 + 2) = 0.6); each has one price, defined from 5 days after its creation on.
    /// </summary>
    private string Dataset()
    {
        var rows = Enumerable.Range(0, 10).Select(i =>
        {
            var open = T0.AddDays(i);
            var close = open.AddDays(20);
            var y = i % 2 == 0 ? 1 : 0;
            var price = new MarketPrice("hand", open.ToUnixTimeSeconds(), close.ToUnixTimeSeconds(), open.AddDays(5).ToUnixTimeSeconds(), open.AddDays(5).ToUnixTimeSeconds(), close.ToUnixTimeSeconds(), y == 1 ? 0.8 : 0.3);
            return new MarketRow(i.ToString(System.Globalization.CultureInfo.InvariantCulture), $"0x{i:x64}", $"Will thing {i} happen?", "rules", null, "Tests", y, $"{1000 + i}", null, open, close, close, null, 1e5, null, price, "hand");
        }).ToList();
        var path = Path.Combine(_runs.Directory, "markets.parquet");
        MarketDataset.Write(path, rows);
        return path;
    }

    private string Scenario(string dataset, string validators = "[{ rule = peer-1.5.5 }, { rule = brier-legacy-v2 }, { rule = market-relative }]")
    {
        var file = Path.Combine(_runs.Directory, "pm.conf");
        File.WriteAllText(file, $$"""
            marketsim.scenario {
              name = pm-test
              world { kind = polymarket, polymarket { dataset = "{{dataset}}", compression = 6, train-fraction = 0.3 } }
              timeline { interval-length = 4h, cutoff-before-resolution = 1d }
              shard-size = 2
              miners = [
                { kind = market-follower, count = 2 }
                { kind = market-follower, name = market-late, delay = 3d }
                { kind = base-rate }
                { kind = constant, value = 0.5 }
                { kind = text-baseline }
              ]
              validators = {{validators}}
            }
            """);
        return file;
    }

    private RunOutcome Run(string scenarioFile, string sub)
    {
        var prepared = RunPreparation.Prepare(scenarioFile, null, null, Path.Combine(_runs.Directory, sub), new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return ScenarioRunner.Run(prepared);
    }

    [Fact]
    public void A_replay_issues_the_held_out_markets_resolves_them_with_their_outcomes_and_scores_every_validator()
    {
        var outcome = Run(Scenario(Dataset()), "a");

        Assert.True(outcome.State == RunState.Complete, outcome.Error?.ToString());
        using var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(outcome.Folder.JournalFile));
        var issued = reader.EventsByPersistenceId(JournalIds.Issuer).Select(e => e.Event).OfType<EventIssued>().ToList();
        var resolved = reader.EventsByPersistenceId(JournalIds.Issuer).Select(e => e.Event).OfType<EventResolved>().ToList();
        Assert.Equal(7, issued.Count); // 10 − 3 training markets
        Assert.Equal([.. Enumerable.Range(3, 7).Select(i => $"0x{i:x64}")], issued.Select(e => e.Reference));
        Assert.Equal(issued.Select((_, i) => (byte)((i + 3) % 2 == 0 ? 1 : 0)), resolved.OrderBy(r => r.EventId).Select(r => r.Outcome));
        Assert.All(resolved, r => Assert.True(double.IsNaN(r.Truth)));

        // The replay market maker (marketmaker.kind = auto → replay) quotes the real price path and trades nothing.
        var settled = reader.EventsByPersistenceId(JournalIds.MarketMaker).Select(e => Assert.IsType<MarketSettled>(e.Event)).ToList();
        Assert.Equal(resolved.Select(r => r.EventId).Order(), settled.Select(s => s.EventId).Order());
        Assert.All(settled, s => Assert.Equal(0, s.Trades));
        Assert.All(settled, s => Assert.Equal(s.Outcome == 1 ? 0.8 : 0.3, s.FinalPrice));

        // Compression 6: a real day is 4 virtual hours = one interval, so markets are issued one interval apart.
        Assert.Equal(TimeSpan.FromHours(4), new DateTime(issued[1].IssuedAt, DateTimeKind.Utc) - new DateTime(issued[0].IssuedAt, DateTimeKind.Utc));

        var batches = reader.EventsByTag(JournalIds.PredictionsTag).Select(e => e.Event).OfType<PredictionBatch>().ToList();
        var baseRate = batches.Where(b => b.MinerIds.Contains(3)).SelectMany(b => Enumerable.Range(0, b.EventIds.Length).Select(e => b[Array.IndexOf(b.MinerIds, 3), e])).Distinct().Single();
        Assert.Equal(0.6, baseRate, 12);

        // The market follower answers only once its market's price exists (5 real days after creation), with that price.
        foreach (var b in batches.Where(b => b.MinerIds.Contains(0)))
        {
            for (var e = 0; e < b.EventIds.Length; e++)
            {
                if (b.IsAnswered(0, e))
                {
                    Assert.Contains(b[0, e], new[] { 0.8, 0.3 });
                }
            }
        }

        Assert.Contains(batches.Where(b => b.MinerIds.Contains(0)), b => Enumerable.Range(0, b.EventIds.Length).Any(e => !b.IsAnswered(0, e)));
        var summary = outcome.Summary!;
        Assert.Equal(["market", "market-late", "base-rate", "const_0.5", "text-baseline"], summary.Forecasters.Select(f => f.Name));
        var text = batches.Where(b => b.MinerIds.Contains(5)).SelectMany(b => Enumerable.Range(0, b.EventIds.Length).Select(e => b[Array.IndexOf(b.MinerIds, 5), e])).ToList();
        Assert.All(text, q => Assert.InRange(q, 0.0, 1.0));
        Assert.True(summary.Forecasters[4].Predictions > 0);
        var market = summary.Forecasters[0];
        Assert.True(market.Brier < summary.Forecasters[3].Brier, "the market beats a coin");
        Assert.Equal(3, summary.Validators.Count);
    }

    [Fact]
    public void The_same_replay_gives_a_byte_identical_journal_and_summary()
    {
        var scenario = Scenario(Dataset());
        var one = Run(scenario, "one");
        var two = Run(scenario, "two");

        JournalRows.AssertSame(JournalRows.Read(one.Folder.JournalFile), JournalRows.Read(two.Folder.JournalFile));
        Assert.Equal(File.ReadAllBytes(one.Folder.SummaryJsonFile), File.ReadAllBytes(two.Folder.SummaryJsonFile));
    }

    [Fact]
    public void With_a_prices_folder_the_market_follower_answers_the_real_history_without_look_ahead()
    {
        var dataset = Dataset();
        var prices = Path.Combine(_runs.Directory, "prices");
        foreach (var i in Enumerable.Range(0, 10))
        {
            // Token 1000+i: 0.2 from creation, 0.6 from day 2, 0.9 from day 4 (real time).
            var open = T0.AddDays(i);
            MarketSim.Polymarket.Criteria.PriceHistoryFiles.Write(prices, $"{1000 + i}", [
                new PricePoint(open.ToUnixTimeSeconds(), 0.2),
                new PricePoint(open.AddDays(2).ToUnixTimeSeconds(), 0.6),
                new PricePoint(open.AddDays(4).ToUnixTimeSeconds(), 0.9),
            ]);
        }

        var file = Scenario(dataset);
        File.WriteAllText(file, File.ReadAllText(file).Replace("compression = 6,", $"compression = 6, prices = \"{prices}\",", StringComparison.Ordinal));
        var outcome = Run(file, "prices");

        Assert.True(outcome.State == RunState.Complete, outcome.Error?.ToString());
        using var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(outcome.Folder.JournalFile));
        var issued = reader.EventsByPersistenceId(JournalIds.Issuer).Select(e => e.Event).OfType<EventIssued>().ToDictionary(e => e.EventId);
        foreach (var env in reader.EventsByTag(JournalIds.PredictionsTag))
        {
            var b = (PredictionBatch)env.Event;
            var m = Array.IndexOf(b.MinerIds, 0);
            if (m < 0)
            {
                continue;
            }

            for (var e = 0; e < b.EventIds.Length; e++)
            {
                // Virtual age of the market in intervals = real days since creation (compression 6, 4 h intervals).
                var age = (env.Timestamp - issued[b.EventIds[e]].IssuedAt) / TimeSpan.FromHours(4).Ticks;
                var expected = age >= 4 ? 0.9 : age >= 2 ? 0.6 : 0.2;
                Assert.Equal(expected, b[m, e]);
            }
        }
    }
}
