using MarketSim.Scoring.Rules;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Simulation.Run;

/// <summary>
/// One validator's state (scoring.md §4–§8), independent of the actor around it so it can be tested alone:
/// per open event a columnar <see cref="IntervalAccumulator"/> (running mean per miner and scored interval);
/// at resolution the event is scored under the rule, folded into the moving average (peer: fixed-window or
/// class-balanced with extremise; legacy: exp/softmax normalisation and daily-mix) and forgotten. Every miner is
/// registered at the epoch (r_m = 0). Cells the batch marks unanswered are skipped; every answered value that is NaN,
/// infinite or outside [0, 1] is rejected on arrival (scoring.md §3), counted, and reported once per miner.
/// With <see cref="RecordIntervalScores"/> every scored event also yields an <see cref="IntervalScored"/> (the kernel's
/// per-interval scores, predictions and weights) just before its <see cref="EventScored"/>.
/// </summary>
public sealed class ValidatorState
{
    private readonly Dictionary<long, OpenEvent> _open = [];
    private readonly Stack<IntervalAccumulator> _pool = new();
    private readonly IntervalGrid _grid;
    private readonly int _miners;
    private readonly long[] _registered;
    private readonly int[] _allMiners;
    private readonly bool[] _rejectedOnce;
    private readonly MetagraphAggregator? _aggregator;
    private readonly DailyMix? _dailyMix;
    private readonly double[] _score;
    private readonly double[] _prediction;
    private readonly double[] _normalised;
    private double[] _scratch = [];

    /// <param name="settings">The scenario's validator.</param>
    /// <param name="miners">Miners of the run.</param>
    /// <param name="timeline">The scenario's timeline (epoch, interval length).</param>
    /// <param name="recordIntervalScores">Emit <see cref="IntervalScored"/> before each scored event's <see cref="EventScored"/>
    /// (<c>outputs.journal.record-interval-scores</c>, <see cref="OutputSettings.RecordIntervalScores"/>; on by default).</param>
    public ValidatorState(ValidatorSettings settings, int miners, TimelineSettings timeline, bool recordIntervalScores = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timeline);
        Name = settings.Name;
        RecordIntervalScores = recordIntervalScores;
        Rule = ToRule(settings);
        if (!Rule.IsPeer && !Rule.IsLegacy && Rule.Family != ScoreFamily.MarketRelative)
        {
            throw new NotSupportedException($"validator '{settings.Name}': rule '{settings.Rule}' is not supported by marketsim run yet (brier-legacy-v1/v2, peer-*, market-relative)");
        }

        _miners = miners;
        _grid = new IntervalGrid(timeline.Epoch, checked((int)(timeline.IntervalLength.Ticks / TimeSpan.TicksPerMinute)));
        _registered = new long[miners];
        _allMiners = Enumerable.Range(0, miners).ToArray();
        _rejectedOnce = new bool[miners];
        _score = new double[miners];
        _prediction = new double[miners];
        _normalised = new double[miners];
        if (Rule.IsPeer)
        {
            _aggregator = new MetagraphAggregator(Rule.MovingAverage, Rule.WindowEvents);
        }
        else if (Rule.Family == ScoreFamily.MarketRelative)
        {
            _market = new MarketRelativeBook(miners);
        }
        else
        {
            _dailyMix = new DailyMix(Rule.Family == ScoreFamily.LegacyBrierV1 ? DailyMixForm.V1 : DailyMixForm.V2, miners, timeline.Epoch);
        }
    }

    /// <summary>The validator's name (from its scenario settings).</summary>
    public string Name { get; }

    /// <summary>market-relative: accepted submissions with no market price defined at their time (not scored).</summary>
    public long Unscored => _market?.Unscored ?? 0;

    /// <summary>The scoring rule it applies.</summary>
    public RuleSettings Rule { get; }

    /// <summary>Whether <see cref="Resolve"/> emits <see cref="IntervalScored"/> events.</summary>
    public bool RecordIntervalScores { get; }

    /// <summary>Events registered and not yet scored (the per-event state held).</summary>
    public int OpenEvents => _open.Count;

    /// <summary>Rejected answers so far.</summary>
    public long Rejected { get; private set; }

    /// <summary>The effective rule of a scenario validator: its preset with the scenario's component overrides.</summary>
    public static RuleSettings ToRule(ValidatorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var r = RulePreset.Parse(settings.Rule);
        switch (settings)
        {
            case LegacyValidator l:
                r = r with { IntervalWeights = IntervalWeights.Parse(l.IntervalWeights), K = l.K, Offset = l.Offset };
                break;
            case PeerValidator p:
                r = r with
                {
                    IntervalWeights = IntervalWeights.Parse(p.IntervalWeights),
                    Imputation = PeerScoring.ParseImputation(p.Imputation),
                    MovingAverage = MetagraphAggregator.ParseKind(p.MovingAverage.Kind),
                    WindowEvents = p.MovingAverage.Window,
                };
                break;
        }

        return r;
    }

    /// <summary>Registers an event: A = its issue time at this validator; end = its cutoff.</summary>
    public void Register(IssuedEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var a = _grid.Minutes(e.IssuedAt);
        var end = _grid.Minutes(e.CutoffAt);
        var n = Math.Max(0, _grid.IntervalCount(a, end));
        var acc = _pool.Count > 0 ? _pool.Pop() : new IntervalAccumulator(_miners, n);
        acc.Reset(_miners, n);
        _open.Add(e.EventId, new OpenEvent(e, a, end, _grid.Align(a), n, acc));
    }

    /// <summary>Records one shard batch (answers of interval <see cref="PredictionBatch.Interval"/>); rejections are appended to <paramref name="firstRejections"/> the first time per miner.</summary>
    public void Record(PredictionBatch batch, DateTimeOffset time, List<RejectedAnswer> firstRejections) => Record(batch, time, firstRejections, []);

    /// <summary>
    /// Records one shard batch; <paramref name="prices"/> are the market prices at <paramref name="time"/> of the batch's
    /// events (same order), used by the <c>market-relative</c> rule (empty otherwise).
    /// </summary>
    public void Record(PredictionBatch batch, DateTimeOffset time, List<RejectedAnswer> firstRejections, ReadOnlySpan<double> prices)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(firstRejections);
        var minute = _grid.Minutes(time);
        var events = batch.EventIds.Length;
        for (var e = 0; e < events; e++)
        {
            if (!_open.TryGetValue(batch.EventIds[e], out var open))
            {
                continue;
            }

            var k = _grid.IntervalIndex(open.StartMinute, minute);
            if (k < 0 || k >= open.Intervals || minute >= open.EndMinute)
            {
                continue; // before the grid, or the partial interval before the cutoff: stored in the journal, never scored
            }

            var acc = open.Accumulator;
            var ki = (int)k;
            var probs = batch.Probabilities;
            var answered = batch.Answered;
            for (var m = 0; m < batch.MinerIds.Length; m++)
            {
                var cell = (m * events) + e;
                if (answered is not null && (answered[cell >> 3] & (1 << (cell & 7))) == 0)
                {
                    continue; // no answer
                }

                var p = probs[cell];

                var why = acc.Add(batch.MinerIds[m], ki, p);
                if (why == SubmissionRejection.None && _market is not null)
                {
                    _market.Add(batch.EventIds[e], batch.MinerIds[m], p, prices.Length > e ? prices[e] : double.NaN);
                }

                if (why != SubmissionRejection.None)
                {
                    Rejected++;
                    var id = batch.MinerIds[m];
                    if (!_rejectedOnce[id])
                    {
                        _rejectedOnce[id] = true;
                        firstRejections.Add(new RejectedAnswer(Name, id, batch.EventIds[e], batch.Interval, time, p, why.ToString()));
                    }
                }
            }
        }
    }

    /// <summary>Scores a resolved event, updates the moving average and weights, and forgets the event. Appends the journal events to <paramref name="output"/>.</summary>
    public void Resolve(ResolvedEvent r, DateTimeOffset now, List<ScoreEvent> output)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(output);
        if (!_open.Remove(r.EventId, out var open))
        {
            return;
        }

        var outcome = (byte)(r.Outcome ? 1 : 0);
        if (_market is not null)
        {
            _market.Resolve(Name, r.EventId, outcome, open.Intervals, output);
            _pool.Push(open.Accumulator);
            return;
        }

        var matrix = new EventMatrix(open.Accumulator.Means, _miners, open.Intervals, _registered, open.AlignedStartMinute, open.StartMinute, _grid.IntervalMinutes);
        if (Rule.IsPeer)
        {
            var need = PeerScoring.ScratchLength(_miners, open.Intervals);
            if (_scratch.Length < need)
            {
                _scratch = new double[need];
            }

            var n = open.Intervals;
            double[]? cells = null, cellPredictions = null, weights = null;
            if (RecordIntervalScores && n > 0)
            {
                cells = new double[_miners * n];
                cellPredictions = new double[_miners * n];
                weights = new double[n];
            }

            var status = PeerScoring.ScoreEvent(matrix, r.Outcome, Rule.Imputation, Rule.IntervalWeights, _score, _prediction, _scratch, cells, cellPredictions, weights);
            if (status != EventStatus.Scored)
            {
                output.Add(new EventScored(Name, r.EventId, outcome, 0, [], [], []));
            }
            else
            {
                var rows = 0;
                foreach (var s in _score)
                {
                    rows += double.IsNaN(s) ? 0 : 1;
                }

                var ids = new int[rows];
                var scores = new double[rows];
                var preds = new double[rows];
                for (int m = 0, j = 0; m < _miners; m++)
                {
                    if (!double.IsNaN(_score[m]))
                    {
                        ids[j] = m;
                        scores[j] = _score[m];
                        preds[j] = _prediction[m];
                        j++;
                    }
                }

                if (cells is not null)
                {
                    output.Add(IntervalScoresOf(r.EventId, open, weights!, ids, cells, cellPredictions!));
                }

                output.Add(new EventScored(Name, r.EventId, outcome, open.Intervals, ids, scores, preds));
                var ma = new double[rows];
                var meta = new double[rows];
                _aggregator!.ProcessEvent(r.Outcome, ids, scores, now, ma, meta);
                output.Add(new MovingAverageUpdated(Name, r.EventId, ids, ma));
            }
        }
        else
        {
            var n = open.Intervals;
            if (RecordIntervalScores && n > 0)
            {
                var cells = new double[_miners * n];
                var cellPredictions = new double[_miners * n];
                var weights = new double[n];
                LegacyBrier.ScoreEvent(matrix, r.Outcome, Rule.IntervalWeights, _score, _prediction, cells, cellPredictions, weights);
                output.Add(new IntervalScored(Name, r.EventId, FirstInterval(open), weights, [.. _allMiners], cells, cellPredictions));
            }
            else
            {
                LegacyBrier.ScoreEvent(matrix, r.Outcome, Rule.IntervalWeights, _score, _prediction);
            }

            if (Rule.Family == ScoreFamily.LegacyBrierV2)
            {
                LegacyBrier.NormaliseSoftmax(_score, Rule.K, _normalised);
            }
            else
            {
                LegacyBrier.NormaliseExpL1(_score, Rule.K, Rule.Offset, _normalised);
            }

            _dailyMix!.AdvanceTo(now);
            _dailyMix.AddEvent(_normalised);
            output.Add(new EventScored(Name, r.EventId, outcome, open.Intervals, [.. _allMiners], [.. _score], [.. _prediction]));
            output.Add(new MovingAverageUpdated(Name, r.EventId, [.. _allMiners], _dailyMix.Effective.ToArray()));
        }

        _pool.Push(open.Accumulator);
    }

    // Grid interval index of the event's first scored interval: the Interval of the batches recorded into it.
    private long FirstInterval(OpenEvent open) => open.AlignedStartMinute / _grid.IntervalMinutes;

    // The kernel's interval-major M × n cells restricted to the scored miners (all of them, usually: no copy then).
    private IntervalScored IntervalScoresOf(long eventId, OpenEvent open, double[] weights, int[] ids, double[] cells, double[] cellPredictions)
    {
        if (ids.Length != _miners)
        {
            var n = weights.Length;
            var s = new double[ids.Length * n];
            var p = new double[ids.Length * n];
            for (var k = 0; k < n; k++)
            {
                for (var j = 0; j < ids.Length; j++)
                {
                    s[(k * ids.Length) + j] = cells[(k * _miners) + ids[j]];
                    p[(k * ids.Length) + j] = cellPredictions[(k * _miners) + ids[j]];
                }
            }

            (cells, cellPredictions) = (s, p);
        }

        return new IntervalScored(Name, eventId, FirstInterval(open), weights, ids, cells, cellPredictions);
    }

    /// <summary>The weights after the events scored up to <paramref name="now"/>; null when none can be set (all scores 0).</summary>
    public WeightsUpdated? Weights(long lastEventId, DateTimeOffset now)
    {
        var w = new double[_miners];
        if (_market is not null)
        {
            return _market.Tempo.TryWeights(_allMiners, w) ? new WeightsUpdated(Name, lastEventId, [.. _allMiners], w) : null;
        }

        if (_aggregator is not null)
        {
            try
            {
                _aggregator.Weights(_allMiners, now, w);
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
        else if (!_dailyMix!.TryWeights(w))
        {
            return null;
        }

        return new WeightsUpdated(Name, lastEventId, [.. _allMiners], w);
    }

    /// <summary>One interval: register new events, record every batch, score the resolved events, set weights once if anything was scored.</summary>
    public List<ScoreEvent> Step(ValidatorStep step, List<RejectedAnswer> firstRejections)
    {
        ArgumentNullException.ThrowIfNull(step);
        foreach (var e in step.Issued)
        {
            Register(e);
        }

        foreach (var b in step.Batches)
        {
            Record(b, step.Time, firstRejections, step.Prices);
        }

        var output = new List<ScoreEvent>();
        foreach (var r in step.Resolved)
        {
            Resolve(r, step.Time, output);
        }

        if (step.Resolved.Count > 0 && Weights(step.Resolved[^1].EventId, step.Time) is { } w)
        {
            output.Add(w);
        }

        return output;
    }

    private readonly MarketRelativeBook? _market;

    private sealed record OpenEvent(IssuedEvent Event, long StartMinute, long EndMinute, long AlignedStartMinute, int Intervals, IntervalAccumulator Accumulator);
}

/// <summary>
/// The <c>market-relative</c> rule (scoring.md §9.2): each accepted submission j scores S(p_j, o) − S(price_t, o) with
/// S(p, o) = 1 − (p − o)² and price_t the market price when it was submitted; a miner's event score is
/// Σ_j max(S_j, 0) over its submissions (per-submission truncation); the tempo score is the mean over settled events
/// (events it did not submit to count 0) and the weights are the L1-normalised tempo scores. Both outcomes' truncated
/// sums are kept while the event is open, so memory is two numbers per miner and open event, not one per submission.
/// A submission with no price at its time is not scored and is counted in <see cref="Unscored"/>.
/// </summary>
internal sealed class MarketRelativeBook(int miners)
{
    private readonly Dictionary<long, double[]> _open = [];

    public TempoAccumulator Tempo { get; } = new(Truncation.PerSubmission);

    public long Unscored { get; private set; }

    public void Add(long eventId, int miner, double p, double price)
    {
        if (double.IsNaN(price))
        {
            Unscored++;
            return;
        }

        if (!_open.TryGetValue(eventId, out var book))
        {
            book = new double[4 * miners]; // [sum if o = 0, sum if o = 1, submissions, Σ p] per miner
            _open[eventId] = book;
        }

        var b = 4 * miner;
        book[b] += Math.Max(LegacyBrier.Quadratic(p, false) - LegacyBrier.Quadratic(price, false), 0);
        book[b + 1] += Math.Max(LegacyBrier.Quadratic(p, true) - LegacyBrier.Quadratic(price, true), 0);
        book[b + 2]++;
        book[b + 3] += p;
    }

    public void Resolve(string validator, long eventId, byte outcome, int intervals, List<ScoreEvent> output)
    {
        _open.Remove(eventId, out var book);
        var ids = new List<int>();
        var scores = new List<double>();
        var means = new List<double>();
        for (var m = 0; book is not null && m < miners; m++)
        {
            var b = 4 * m;
            if (book[b + 2] > 0)
            {
                ids.Add(m);
                scores.Add(book[b + outcome]);
                means.Add(book[b + 3] / book[b + 2]);
            }
        }

        var subs = ids.Select(m => new SequencedSubmission(0, m, 0)).ToArray();
        Tempo.AddEvent(subs, scores.ToArray());
        output.Add(new EventScored(validator, eventId, outcome, ids.Count == 0 ? 0 : intervals, [.. ids], [.. scores], [.. means]));
        var all = Enumerable.Range(0, miners).ToArray();
        output.Add(new MovingAverageUpdated(validator, eventId, all, [.. all.Select(Tempo.Score)]));
    }
}
