using System.Globalization;
using MarketSim.Polymarket.Dataset;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Run;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Polymarket.World;

/// <summary>
/// The Polymarket replay (docs/polymarket.md): resolved markets of a dataset, replayed on their real timeline compressed
/// by <c>world.polymarket.compression</c>. The earliest-created share <c>train-fraction</c> of the markets is kept out
/// to train the base-rate and text-baseline miners; the rest are the run's events, in order of creation. Real time r
/// maps to virtual time epoch + (r − r₀) / compression (r₀ = the first replayed market's creation); an event is issued
/// at the first grid instant at or after its creation, resolves at the first grid instant at or after its resolution
/// (resolvedAt, else closedTime, else endDate; at least one interval after its issue) with its real outcome, and takes
/// answers until resolution − <c>timeline.cutoff-before-resolution</c>. The market price at a virtual instant is the
/// real price history's value at the matching real instant (piecewise constant, spec §4), from per-token files when
/// <c>world.polymarket.prices</c> names a folder, else the dataset's single price from its own time on; NaN where none
/// is defined yet. Everything is a function of the dataset and the scenario: replays are deterministic.
/// </summary>
public sealed class PolymarketWorld : IRunWorld
{
    private readonly Scenario _scenario;
    private readonly Market[] _events;
    private readonly DateTimeOffset _realOrigin;
    private readonly double _compression;
    private readonly SortedDictionary<long, Market> _open = [];
    private readonly Dictionary<long, Market> _byId;
    private long _nextToIssue;

    private PolymarketWorld(Scenario scenario, Market[] events, DateTimeOffset realOrigin, double baseRate, int trainCount, int skipped)
    {
        _scenario = scenario;
        _events = events;
        _byId = events.ToDictionary(e => e.Id);
        _realOrigin = realOrigin;
        _compression = ((PolymarketWorldSettings)scenario.World).Compression;
        BaseRate = baseRate;
        TrainCount = trainCount;
        Skipped = skipped;
    }

    /// <summary>Markets replayed.</summary>
    public long TotalEvents => _events.Length;

    /// <inheritdoc />
    public long Issued => _nextToIssue;

    /// <inheritdoc />
    public long Resolved { get; private set; }

    /// <inheritdoc />
    public bool Done => _nextToIssue == _events.Length && _open.Count == 0;

    /// <inheritdoc />
    public DateTimeOffset FirstIssue => _events.Length == 0 ? _scenario.Timeline.Epoch : _events[0].IssuedAt;

    /// <inheritdoc />
    public DateTimeOffset LastResolution { get; private init; }

    /// <summary>YES rate of the training markets, with a Laplace prior: (Σy + 1) / (n + 2).</summary>
    public double BaseRate { get; }

    /// <summary>Markets used for training (not replayed).</summary>
    public int TrainCount { get; }

    /// <summary>Dataset rows without a creation or resolution time (cannot be placed on the timeline).</summary>
    public int Skipped { get; }

    /// <summary>Text-baseline probability of each replayed market (by event id); empty when no miner uses it.</summary>
    public IReadOnlyList<double> TextPredictions { get; private set; } = [];

    /// <summary>Loads the dataset of <paramref name="scenario"/> and places its markets on the virtual timeline.</summary>
    public static PolymarketWorld Load(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var pm = scenario.World as PolymarketWorldSettings ?? throw new NotSupportedException($"world '{scenario.World.Kind}' is not a Polymarket replay");
        IReadOnlyList<MarketRow> rows;
        try
        {
            rows = MarketDataset.Read(pm.Dataset);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new InvalidDataException(e.Message.Contains(pm.Dataset, StringComparison.Ordinal) ? $"polymarket dataset {e.Message}" : $"polymarket dataset {pm.Dataset}: {e.Message}", e);
        }

        var placed = new List<(MarketRow Row, DateTimeOffset Open, DateTimeOffset Close)>(rows.Count);
        var skipped = 0;
        foreach (var r in rows)
        {
            var close = r.ResolvedAt ?? r.ClosedTime ?? r.EndDate;
            if (r.CreatedAt is not { } open || close is not { } c || c <= open || r.Y is not (0 or 1))
            {
                skipped++;
                continue;
            }

            placed.Add((r, open, c));
        }

        placed.Sort((a, b) =>
        {
            var t = a.Open.CompareTo(b.Open);
            return t != 0 ? t : string.CompareOrdinal(a.Row.ConditionId + "|" + a.Row.Id, b.Row.ConditionId + "|" + b.Row.Id);
        });
        var train = (int)Math.Floor(placed.Count * pm.TrainFraction);
        var replay = placed.Skip(train).ToList();
        if (pm.MaxMarkets > 0 && replay.Count > pm.MaxMarkets)
        {
            replay = replay.Take(pm.MaxMarkets).ToList();
        }

        var trainRows = placed.Take(train).Select(p => p.Row).ToList();
        var baseRate = (trainRows.Sum(r => r.Y) + 1.0) / (trainRows.Count + 2.0);
        var tl = scenario.Timeline;
        var origin = replay.Count == 0 ? tl.Epoch : replay[0].Open;
        var compression = pm.Compression;
        var step = tl.IntervalLength;
        // A year away from the largest representable time: room for the interval grid and the cutoff around it.
        var latest = DateTimeOffset.MaxValue.UtcTicks - TimeSpan.TicksPerDay * 366 - tl.IntervalLength.Ticks;
        DateTimeOffset Virtual(DateTimeOffset real) => tl.Epoch + TimeSpan.FromTicks((long)Math.Round((real - origin).Ticks / compression));
        void CheckRepresentable(MarketRow row, DateTimeOffset open, DateTimeOffset close)
        {
            if (tl.Epoch.UtcTicks + ((close - origin).Ticks / compression) > latest)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"polymarket dataset {pm.Dataset}: market {row.ConditionId} (opens {open:yyyy-MM-dd}, closes {close:yyyy-MM-dd}) runs the virtual timeline past the year 9999 (epoch {tl.Epoch:yyyy-MM-dd}, compression {compression}); fix or remove the row"));
            }
        }
        DateTimeOffset Ceil(DateTimeOffset t)
        {
            var k = (t - tl.Epoch).Ticks;
            var q = k / step.Ticks;
            if (k > q * step.Ticks)
            {
                q++;
            }

            return tl.Epoch + TimeSpan.FromTicks(q * step.Ticks);
        }

        var events = new Market[replay.Count];
        var last = tl.Epoch;
        var histories = new Dictionary<string, PricePoint[]>(StringComparer.Ordinal);
        for (var i = 0; i < replay.Count; i++)
        {
            var (row, open, close) = replay[i];
            CheckRepresentable(row, open, close);
            var issue = Ceil(Virtual(open));
            var resolve = Ceil(Virtual(close));
            if (resolve <= issue)
            {
                resolve = issue + step;
            }

            var cutoff = resolve - tl.CutoffBeforeResolution;
            events[i] = new Market(i, row, issue, cutoff < issue ? issue : cutoff, resolve, LoadHistory(pm.Prices, row, histories));
            if (resolve > last)
            {
                last = resolve;
            }
        }

        Array.Sort(events, (a, b) => a.IssuedAt != b.IssuedAt ? a.IssuedAt.CompareTo(b.IssuedAt) : a.Id.CompareTo(b.Id));
        var world = new PolymarketWorld(scenario, events, origin, baseRate, train, skipped) { LastResolution = last };
        if (scenario.Miners.Any(g => g is TextBaselineMiners))
        {
            if (trainRows.Count == 0)
            {
                throw new InvalidDataException($"polymarket dataset {pm.Dataset}: the text-baseline miner needs training markets, but train-fraction {pm.TrainFraction} leaves none");
            }

            // Trained once on the training split (question + resolution rules), fixed seed: the same dataset gives the same model.
            var model = MarketSim.Polymarket.Baselines.TextBaseline.Train(trainRows.Select(r => (MarketSim.Polymarket.Baselines.TextBaseline.Compose(r.Question, r.Description), r.Y)));
            world.TextPredictions = [.. events.OrderBy(e => e.Id).Select(e => model.Predict(e.Row.Question, e.Row.Description))];
        }

        return world;
    }

    /// <summary>The replayed markets in event-id order (for the text baseline and reports).</summary>
    public IReadOnlyList<MarketRow> ReplayedRows => [.. _events.OrderBy(e => e.Id).Select(e => e.Row)];

    /// <summary>The dataset row of event <paramref name="id"/>.</summary>
    public MarketRow RowOf(long id) => _byId[id].Row;

    /// <summary>The real instant a virtual instant stands for.</summary>
    public DateTimeOffset RealTime(DateTimeOffset now) => _realOrigin + TimeSpan.FromTicks((long)Math.Round((now - _scenario.Timeline.Epoch).Ticks * _compression));

    /// <summary>The price of event <paramref name="id"/> at virtual time <paramref name="now"/> minus a real-time <paramref name="delay"/>; NaN when none is defined.</summary>
    public double PriceAt(long id, DateTimeOffset now, TimeSpan delay)
    {
        var e = _byId[id];
        var real = RealTime(now) - delay;
        return Lookup(e.History, real.ToUnixTimeSeconds());
    }


    /// <inheritdoc />
    public IReadOnlyList<WorldEvent> IssueUpTo(DateTimeOffset now)
    {
        var issued = new List<WorldEvent>();
        while (_nextToIssue < _events.Length && _events[_nextToIssue].IssuedAt <= now)
        {
            var e = _events[_nextToIssue++];
            _open.Add(e.Id, e);
            issued.Add(ToWorld(e));
        }

        return issued;
    }

    /// <inheritdoc />
    public void Answerable(DateTimeOffset now, List<long> ids, List<sbyte> chi, List<double> prices)
    {
        ids.Clear();
        chi.Clear();
        prices.Clear();
        var real = RealTime(now).ToUnixTimeSeconds();
        foreach (var e in _open.Values)
        {
            if (e.IssuedAt <= now && now < e.CutoffAt)
            {
                ids.Add(e.Id);
                prices.Add(Lookup(e.History, real));
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<WorldEvent> ResolveUpTo(DateTimeOffset now)
    {
        var resolved = new List<WorldEvent>();
        foreach (var e in _open.Values)
        {
            if (e.ResolvesAt <= now)
            {
                resolved.Add(ToWorld(e));
            }
        }

        foreach (var e in resolved)
        {
            _open.Remove(e.Id);
        }

        Resolved += resolved.Count;
        return resolved;
    }

    /// <inheritdoc />
    public IShardModel CreateShard(int shard, int firstMiner, int count) => new PolymarketMinerShard(shard, firstMiner, count, _scenario.Miners, this);

    private static WorldEvent ToWorld(Market e) => new(e.Id, e.IssuedAt, e.CutoffAt, e.ResolvesAt, 0, e.Row.ConditionId, (byte)e.Row.Y, double.NaN);

    private static PricePoint[] LoadHistory(string pricesDir, MarketRow row, Dictionary<string, PricePoint[]> cache)
    {
        if (pricesDir.Length > 0 && row.YesTokenId is { Length: > 0 } token)
        {
            if (!cache.TryGetValue(token, out var points))
            {
                points = [.. MarketSim.Polymarket.Criteria.PriceHistoryFiles.TryRead(pricesDir, token) ?? []];
                cache[token] = points;
            }

            if (points.Length > 0)
            {
                return points;
            }
        }

        return row.Price is { } p ? [new PricePoint(p.ProbTs, p.Prob)] : [];
    }

    /// <summary>Piecewise-constant lookup: the price of the last point at or before <paramref name="t"/>, held after the last point; NaN before the first.</summary>
    private static double Lookup(PricePoint[] h, long t)
    {
        if (h.Length == 0 || t < h[0].T)
        {
            return double.NaN;
        }

        int lo = 0, hi = h.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >> 1;
            if (h[mid].T <= t)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return h[lo].P;
    }

    private sealed record Market(long Id, MarketRow Row, DateTimeOffset IssuedAt, DateTimeOffset CutoffAt, DateTimeOffset ResolvesAt, PricePoint[] History);
}

/// <summary>
/// A shard of Polymarket miners: <c>market-follower</c> (the market price, optionally as of a real-time delay; no answer
/// while none is defined), <c>base-rate</c> (the training markets' YES rate), <c>text-baseline</c> (a model of the
/// question text trained on the training markets), <c>constant</c>, and <c>llm</c> (a language model behind an
/// OpenAI-compatible endpoint, docs/llm.md: each interval, one question per open market as of the interval's real date,
/// with the market price when defined; an unparseable or failed answer is no answer for that interval).
/// </summary>
internal sealed class PolymarketMinerShard : IShardModel, IDisposable
{
    private readonly PolymarketWorld _world;
    private readonly MinerGroup[] _groupOf;
    private readonly MarketSim.Llm.LlmForecaster?[] _llm;

    public PolymarketMinerShard(int shard, int firstMiner, int count, IReadOnlyList<MinerGroup> groups, PolymarketWorld world)
    {
        Shard = shard;
        _world = world;
        MinerIds = new int[count];
        _groupOf = new MinerGroup[count];
        _llm = new MarketSim.Llm.LlmForecaster?[count];
        for (var m = 0; m < count; m++)
        {
            var id = firstMiner + m;
            MinerIds[m] = id;
            _groupOf[m] = groups.First(g => id >= g.FirstMinerId && id < g.FirstMinerId + g.Count);
            if (_groupOf[m] is LlmMiners { Llm: var settings })
            {
                _llm[m] = new MarketSim.Llm.LlmForecaster(settings);
            }
        }
    }

    /// <summary>LLM answers that came back unparseable or failed (missing), for the run report.</summary>
    public long LlmMissing { get; private set; }

    public void Dispose()
    {
        foreach (var f in _llm)
        {
            f?.Dispose();
        }
    }

    public int Shard { get; }

    public int[] MinerIds { get; }

    /// <summary>True when the shard holds LLM miners: its answers wait on HTTP, so its actor answers asynchronously.</summary>
    public bool AnswersAsynchronously => _llm.Any(f => f is not null);

    /// <inheritdoc />
    public PredictionBatch Answer(IntervalOpened opened) => AnswerAsync(opened, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc />
    public async Task<PredictionBatch> AnswerAsync(IntervalOpened opened, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(opened);
        var llm = await AskLanguageModelsAsync(opened, cancellation).ConfigureAwait(false);
        return Fill(opened, llm);
    }

    private PredictionBatch Fill(IntervalOpened opened, double[]?[]? llm)
    {
        var ids = opened.EventIds;
        var e = ids.Length;
        var p = new double[MinerIds.Length * e];
        byte[]? answered = null;
        for (var m = 0; m < MinerIds.Length; m++)
        {
            var g = _groupOf[m];
            var row = p.AsSpan(m * e, e);
            for (var j = 0; j < e; j++)
            {
                var q = g switch
                {
                    MarketFollowerMiners { Delay: var d } => d > TimeSpan.Zero ? _world.PriceAt(ids[j], opened.Time, d) : opened.Prices[j],
                    BaseRateMiners => _world.BaseRate,
                    TextBaselineMiners => _world.TextPredictions[(int)ids[j]],
                    ConstantMiners c => c.Value,
                    LlmMiners => llm![m]![j],
                    _ => throw new NotSupportedException($"miner kind '{g.Kind}' does not play the polymarket world"),
                };
                if (double.IsNaN(q))
                {
                    var cell = (m * e) + j;
                    PredictionBatch.MarkUnanswered(ref answered, p.Length, cell);
                }

                row[j] = q;
            }
        }

        return new PredictionBatch(opened.Interval, Shard, ids, MinerIds, p, answered);
    }

    /// <summary>Every LLM miner's answers for the interval (NaN = missing), asked concurrently up to each miner's limit.</summary>
    private async Task<double[]?[]?> AskLanguageModelsAsync(IntervalOpened opened, CancellationToken cancellation)
    {
        if (_llm.All(f => f is null) || opened.EventIds.Length == 0)
        {
            return null;
        }

        var asOf = _world.RealTime(opened.Time);
        var questions = opened.EventIds.Select((id, j) =>
        {
            var row = _world.RowOf(id);
            var price = opened.Prices.Length > j && !double.IsNaN(opened.Prices[j]) ? opened.Prices[j] : (double?)null;
            return new MarketSim.Llm.ForecastQuestion(row.ConditionId.Length > 0 ? row.ConditionId : row.Id, row.Question, row.Description ?? string.Empty,
                row.CreatedAt ?? asOf, row.EndDate ?? row.ClosedTime ?? asOf, asOf, price, null);
        }).ToList();
        var tasks = _llm.Select(f => f?.ForecastManyAsync(questions, cancellation)).ToArray();
        var result = new double[]?[_llm.Length];
        for (var m = 0; m < _llm.Length; m++)
        {
            if (tasks[m] is not { } task)
            {
                continue;
            }

            var answers = await task.ConfigureAwait(false);
            result[m] = [.. answers.Select(a => a.Probability ?? double.NaN)];
            LlmMissing += answers.Count(a => a.IsMissing);
        }

        return result;
    }
}
