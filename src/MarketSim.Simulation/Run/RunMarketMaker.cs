using MarketSim.Simulation.Journal;
using MarketSim.Simulation.MarketMaker;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Simulation.Run;

/// <summary>Coordinator → market maker at the start of an interval: open markets for the new events, quote the open ones.</summary>
public sealed record QuoteRequest(DateTimeOffset Time, long[] Issued, long[] Open);

/// <summary>Market maker → coordinator: the YES quote of each open event (same order as <see cref="QuoteRequest.Open"/>).</summary>
public sealed record Quotes(double[] Prices);

/// <summary>Coordinator → market maker after the miners answered: trade, then settle the resolved events.</summary>
public sealed record TradeRequest(DateTimeOffset Time, IReadOnlyList<PredictionBatch> Batches, IReadOnlyList<ResolvedEvent> Resolved);

/// <summary>Market maker → coordinator: the markets settled this interval (to journal, in event order).</summary>
public sealed record Traded(IReadOnlyList<MarketSettled> Settled);

/// <summary>
/// The LMSR market maker of a run (<c>marketmaker.kind = lmsr</c>, docs/marketmaker.md): one market per event, opened at
/// <c>initial-price</c> with liquidity <c>liquidity</c> when the event is issued. After the miners answer an interval,
/// every trading miner trades toward each of its valid answers (miners ascending, then events ascending, at most
/// <c>max-spend</c> per trade from its <c>budget</c>); at resolution the market is settled and the market maker's and
/// each trader's P&amp;L in it are reported. Deterministic: same answers, same trades, same quotes.
/// </summary>
public sealed class RunMarketMaker
{
    private readonly IRunWorld? _replay;
    private readonly Dictionary<long, double> _lastQuote = [];
    private readonly MarketMakerSettings _settings;
    private readonly LmsrMarketMaker _book = new();
    private readonly bool[] _trades;
    private readonly Dictionary<long, MarketTally> _tally = [];

    /// <param name="scenario">The scenario (market maker settings, miners).</param>
    /// <param name="replay">For <c>kind = replay</c>: the Polymarket world whose real price paths it quotes (no trading).</param>
    public RunMarketMaker(Scenario scenario, IRunWorld? replay = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _settings = scenario.MarketMaker;
        _replay = replay;
        if (_replay is not null)
        {
            _trades = new bool[scenario.MinerCount];
            return;
        }

        _trades = new bool[scenario.MinerCount];
        foreach (var g in scenario.Miners)
        {
            var trades = _settings.Traders.Count > 0 ? _settings.Traders.Contains(g.Name) : g is not MarketFollowerMiners;
            for (var m = 0; m < g.Count; m++)
            {
                _trades[g.FirstMinerId + m] = trades;
                if (trades)
                {
                    _book.AddAgent(g.FirstMinerId + m, _settings.Budget);
                }
            }
        }
    }

    /// <summary>Opens the markets of the newly issued events and quotes the open ones (a replay quotes the real price path).</summary>
    public Quotes Quote(QuoteRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _replay is null ? LmsrQuote(request) : ReplayQuote(request);
    }

    /// <summary>Trades the miners' answers into the markets, then settles the resolved events (a replay only settles).</summary>
    public Traded Trade(TradeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _replay is null ? LmsrTrade(request) : ReplaySettle(request);
    }

    // Replay: the quotes are the real price path at the interval (NaN before the first price); nothing is traded.
    private Quotes ReplayQuote(QuoteRequest m)
    {
        var ids = new List<long>();
        var chi = new List<sbyte>();
        var prices = new List<double>();
        _replay!.Answerable(m.Time, ids, chi, prices);
        var byId = ids.Zip(prices).ToDictionary(x => x.First, x => x.Second);
        var quotes = m.Open.Select(id => byId.TryGetValue(id, out var p) ? p : double.NaN).ToArray();
        for (var i = 0; i < m.Open.Length; i++)
        {
            if (!double.IsNaN(quotes[i]))
            {
                _lastQuote[m.Open[i]] = quotes[i];
            }
        }

        return new Quotes(quotes);
    }

    private Traded ReplaySettle(TradeRequest m) =>
        new([.. m.Resolved.Select(r => new MarketSettled(r.EventId, (byte)(r.Outcome ? 1 : 0), _lastQuote.Remove(r.EventId, out var q) ? q : double.NaN, 0, 0, [], []))]);

    private Quotes LmsrQuote(QuoteRequest m)
    {
        foreach (var id in m.Issued)
        {
            _book.OpenMarket(id, _settings.InitialPrice, _settings.Liquidity, m.Time);
            _tally[id] = new MarketTally();
        }

        return new Quotes([.. m.Open.Select(_book.Price)]);
    }

    private Traded LmsrTrade(TradeRequest m)
    {
        // Miners ascending across shards, then events ascending: batches come in shard order with contiguous miner ids.
        foreach (var b in m.Batches)
        {
            var e = b.EventIds.Length;
            for (var i = 0; i < b.MinerIds.Length; i++)
            {
                var miner = b.MinerIds[i];
                if (!_trades[miner])
                {
                    continue;
                }

                for (var j = 0; j < e; j++)
                {
                    var cell = (i * e) + j;
                    var p = b.Probabilities[cell];
                    if (!b.IsAnswered(cell) || !(p >= 0 && p <= 1))
                    {
                        continue;
                    }

                    var id = b.EventIds[j];
                    var result = _book.TradeTowardBelief(miner, id, p, m.Time, _settings.MaxSpend);
                    if (result.IsFilled)
                    {
                        var t = _tally[id];
                        t.Trades++;
                        t.Paid[miner] = t.Paid.GetValueOrDefault(miner) + result.Cost;
                    }
                }
            }
        }

        var settled = new List<MarketSettled>();
        foreach (var r in m.Resolved)
        {
            if (!_book.HasMarket(r.EventId))
            {
                continue;
            }

            var price = _book.Price(r.EventId);
            var outcome = r.Outcome ? Outcome.Yes : Outcome.No;
            var result = _book.Settle(r.EventId, outcome, m.Time);
            _tally.Remove(r.EventId, out var tally);
            var agents = tally!.Paid.Keys.Order().ToArray();
            var pnl = agents.Select(a =>
            {
                var pos = _book.PositionOf(a, r.EventId);
                return (r.Outcome ? pos.Yes : pos.No) - tally.Paid[a];
            }).ToArray();
            settled.Add(new MarketSettled(r.EventId, (byte)(r.Outcome ? 1 : 0), price, tally.Trades, result.MarketMakerPnl, agents, pnl));
        }

        return new Traded(settled);
    }

    private sealed class MarketTally
    {
        public long Trades { get; set; }

        public Dictionary<int, double> Paid { get; } = [];
    }
}
