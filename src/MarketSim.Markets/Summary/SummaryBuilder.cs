using MarketSim.Markets.Journal;
using MarketSim.Markets.Parity;
using MarketSim.Markets.Random;
using MarketSim.Markets.Scenarios;
using MarketSim.Scoring.Metrics;
using MarketSim.Scoring.Rules;

namespace MarketSim.Markets.Summary;

/// <summary>
/// Computes a <see cref="RunSummary"/> by reading a run's journal back (never from the run's memory): the scenario from
/// <see cref="RunStarted"/>, each event's inputs, truth and outcome from the issuer stream, every prediction from the
/// <c>predictions</c> tag and the validators' scores and weights from the <c>scores</c> tag. Metrics are accumulated in one
/// streaming pass; the state kept is per event (inputs, truth, outcome) and per (event, forecaster) two numbers for
/// group calibration, never per prediction.
/// </summary>
public static class SummaryBuilder
{
    /// <summary>Conditioning sets J for the worst-group column: S and up to this many more sampled k-subsets.</summary>
    public const int SampledGroupSets = 31;

    /// <summary>Largest k for which subcube cells are materialised (2^k cells per set).</summary>
    public const int MaxGroupOrder = 20;

    /// <summary>Counter-RNG stream of the sampled conditioning sets (key: seed, stream, j).</summary>
    public const ulong GroupSetStream = 0x53554D4D; // "SUMM"

    /// <summary>Reads the journal at <paramref name="journalPath"/> and summarises it.</summary>
    /// <param name="journalPath">journal.db of a run.</param>
    /// <param name="cost">Replaces the scenario's transaction cost c (<c>metrics.transaction-cost</c>) when given.</param>
    public static RunSummary FromJournal(string journalPath, double? cost = null)
    {
        using var reader = SqliteJournalReader.Open(journalPath);
        var started = reader.EventsByPersistenceId(JournalIds.Run).Select(e => e.Event).OfType<RunStarted>().FirstOrDefault()
            ?? throw new InvalidOperationException($"{journalPath}: no RunStarted event");
        var completed = reader.EventsByPersistenceId(JournalIds.Run).Select(e => e.Event).OfType<RunCompleted>().FirstOrDefault();
        var scenario = ScenarioLoader.LoadString(started.ScenarioHocon, "journal:RunStarted");
        var w = scenario.World;
        var world = new ParityWorld(w.D, w.K, w.Alpha, scenario.Seed, w.ParitySet);
        var bins = scenario.Metrics.EceBins;
        var budget = scenario.Metrics.ArbitrageBudget;
        var c = cost ?? scenario.Metrics.TransactionCost;

        var events = checked((int)started.Events);
        var bits = new ulong[events];
        var truth = new double[events];
        var outcome = new byte[events];
        Array.Fill(outcome, (byte)255);
        long resolved = 0;
        foreach (var env in reader.EventsByPersistenceId(JournalIds.Issuer))
        {
            switch (env.Event)
            {
                case EventIssued issued:
                    bits[issued.EventId] = issued.Inputs;
                    break;
                case EventResolved r:
                    truth[r.EventId] = r.Truth;
                    outcome[r.EventId] = r.Outcome;
                    resolved++;
                    break;
            }
        }

        var groups = scenario.Miners;
        var g = groups.Count;
        var minerGroup = new int[scenario.MinerCount];
        for (var i = 0; i < g; i++)
        {
            for (var m = 0; m < groups[i].Count; m++)
            {
                minerGroup[groups[i].FirstMinerId + m] = i;
            }
        }

        var acc = new MetricAccumulator[g];
        for (var i = 0; i < g; i++)
        {
            acc[i] = new MetricAccumulator(bins, c);
        }

        var gapSum = new double[events * g];
        var gapCount = new long[events * g];
        long intervals = 0;
        var seenIntervals = long.MinValue;
        foreach (var env in reader.EventsByTag(JournalIds.PredictionsTag))
        {
            if (env.Event is not PredictionBatch b)
            {
                continue;
            }

            if (b.Interval != seenIntervals)
            {
                seenIntervals = b.Interval;
                intervals++;
            }

            var e = b.EventIds.Length;
            for (var m = 0; m < b.MinerIds.Length; m++)
            {
                var gi = minerGroup[b.MinerIds[m]];
                var a = acc[gi];
                var row = b.Probabilities.AsSpan(m * e, e);
                for (var j = 0; j < e; j++)
                {
                    if (b.Answered is not null && !b.IsAnswered((m * e) + j))
                    {
                        continue; // no answer
                    }

                    var q = row[j];

                    var id = b.EventIds[j];
                    if (Submission.Check(q) != SubmissionRejection.None)
                    {
                        a.Rejected++;
                        continue;
                    }

                    var y = outcome[id];
                    if (y > 1)
                    {
                        continue; // never resolved (not in a complete run)
                    }

                    var f = truth[id];
                    a.Add(q, y, f);
                    var cell = (id * g) + gi;
                    gapSum[cell] += f - q;
                    gapCount[cell]++;
                }
            }
        }

        var validators = scenario.Validators;
        var v = validators.Count;
        var scoreSum = new double[v, g];
        var scoreCount = new long[v, g];
        var lastWeights = new WeightsUpdated?[v];
        var scored = new long[v];
        var discarded = new long[v];
        var weightUpdates = new long[v];
        var index = validators.Select((x, i) => (x.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        foreach (var env in reader.EventsByTag(JournalIds.ScoresTag))
        {
            switch (env.Event)
            {
                case EventScored s when index.TryGetValue(s.Validator, out var vi):
                    if (s.Intervals == 0)
                    {
                        discarded[vi]++;
                        break;
                    }

                    scored[vi]++;
                    for (var r = 0; r < s.MinerIds.Length; r++)
                    {
                        var gi = minerGroup[s.MinerIds[r]];
                        scoreSum[vi, gi] += s.Scores[r];
                        scoreCount[vi, gi]++;
                    }

                    break;
                case WeightsUpdated u when index.TryGetValue(u.Validator, out var vi):
                    lastWeights[vi] = u;
                    weightUpdates[vi]++;
                    break;
            }
        }

        var (gcalS, gcalWorst, sets) = GroupCalibrationOf(world, scenario.Seed, bits, outcome, gapSum, gapCount, g);
        var rows = new List<ForecasterSummary>(g);
        for (var i = 0; i < g; i++)
        {
            var cols = new List<ValidatorColumns>(v);
            for (var vi = 0; vi < v; vi++)
            {
                var weight = double.NaN;
                if (lastWeights[vi] is { } lw)
                {
                    weight = 0;
                    for (var r = 0; r < lw.MinerIds.Length; r++)
                    {
                        if (minerGroup[lw.MinerIds[r]] == i)
                        {
                            weight += lw.Weights[r];
                        }
                    }
                }

                cols.Add(new ValidatorColumns(validators[vi].Name, scoreCount[vi, i] == 0 ? double.NaN : scoreSum[vi, i] / scoreCount[vi, i], weight));
            }

            var a = acc[i];
            rows.Add(new ForecasterSummary(groups[i].Name, groups[i].Kind, groups[i].Count, a.N, a.Rejected, a.Brier, a.LogLoss, a.Sce, a.Ece, budget * a.Arb, gcalS[i], gcalWorst[i], cols));
        }

        var vs = validators.Select((x, i) => new ValidatorSummary(x.Name, x.Rule, scored[i], discarded[i], weightUpdates[i])).ToList();
        return new RunSummary(
            scenario.Name,
            scenario.Description,
            scenario.Seed,
            [.. world.S],
            resolved,
            acc.Sum(a => a.N),
            completed?.Intervals ?? intervals,
            acc.Sum(a => a.Rejected),
            bins,
            budget,
            c,
            sets,
            rows,
            vs);
    }

    private static (double[] S, double[] Worst, int Sets) GroupCalibrationOf(ParityWorld world, long seed, ulong[] bits, byte[] outcome, double[] gapSum, long[] gapCount, int g)
    {
        var gS = new double[g];
        var gWorst = new double[g];
        if (world.K > MaxGroupOrder || world.D > 64)
        {
            Array.Fill(gS, double.NaN);
            Array.Fill(gWorst, double.NaN);
            return (gS, gWorst, 0);
        }

        var sets = new List<int[]> { world.S.ToArray() };
        var seen = new HashSet<string>(StringComparer.Ordinal) { string.Join(',', world.S) };
        var maxDistinct = Binomial(world.D, world.K);
        for (var j = 0; j < SampledGroupSets && sets.Count < maxDistinct; j++)
        {
            var set = CounterRng.SampleSubset(world.D, world.K, unchecked((ulong)seed), GroupSetStream, (ulong)j);
            if (seen.Add(string.Join(',', set)))
            {
                sets.Add(set);
            }
        }

        var cells = 1 << world.K;
        var sum = new double[g * cells];
        var count = new long[g * cells];
        for (var si = 0; si < sets.Count; si++)
        {
            var set = sets[si];
            Array.Clear(sum);
            Array.Clear(count);
            for (var e = 0; e < bits.Length; e++)
            {
                if (outcome[e] > 1)
                {
                    continue;
                }

                var key = 0;
                for (var t = 0; t < set.Length; t++)
                {
                    key |= (int)((bits[e] >> set[t]) & 1) << t;
                }

                for (var gi = 0; gi < g; gi++)
                {
                    var c = (e * g) + gi;
                    sum[(gi * cells) + key] += gapSum[c];
                    count[(gi * cells) + key] += gapCount[c];
                }
            }

            for (var gi = 0; gi < g; gi++)
            {
                double worst = 0;
                for (var k = 0; k < cells; k++)
                {
                    var n = count[(gi * cells) + k];
                    if (n > 0)
                    {
                        worst = Math.Max(worst, Math.Abs(sum[(gi * cells) + k] / n));
                    }
                }

                if (si == 0)
                {
                    gS[gi] = worst;
                }

                gWorst[gi] = Math.Max(gWorst[gi], worst);
            }
        }

        return (gS, gWorst, sets.Count);
    }

    private static double Binomial(int n, int k)
    {
        double r = 1;
        for (var i = 1; i <= k; i++)
        {
            r = r * (n - k + i) / i;
        }

        return r;
    }
}

/// <summary>
/// Streaming accumulator of the parity.md §4 metrics: the same definitions as <see cref="Calibration.Evaluate"/>
/// (Brier, log loss with q clipped to [1e−6, 1 − 1e−6], SCE, ECE over right-closed bins, (|f − q| − c)_+),
/// fed one row at a time.
/// </summary>
public sealed class MetricAccumulator(int bins, double cost)
{
    private readonly double[] _bins = new double[3 * bins];
    private double _brier;
    private double _logLoss;
    private double _sce;
    private double _arb;

    public long N { get; private set; }

    /// <summary>Rows refused (kept by the caller).</summary>
    public long Rejected { get; set; }

    public double Brier => N == 0 ? double.NaN : _brier / N;

    public double LogLoss => N == 0 ? double.NaN : _logLoss / N;

    public double Sce => N == 0 ? double.NaN : _sce / N;

    /// <summary>mean (|f − q| − c)_+ (times B by the caller).</summary>
    public double Arb => N == 0 ? double.NaN : _arb / N;

    public double Ece
    {
        get
        {
            if (N == 0)
            {
                return double.NaN;
            }

            double ece = 0;
            for (var b = 0; b < bins; b++)
            {
                var nb = _bins[3 * b];
                if (nb > 0)
                {
                    ece += nb / N * Math.Abs((_bins[(3 * b) + 2] / nb) - (_bins[(3 * b) + 1] / nb));
                }
            }

            return ece;
        }
    }

    /// <summary>Adds one row: forecast q, outcome y (0/1), truth f.</summary>
    public void Add(double q, byte y, double f)
    {
        N++;
        var d = q - y;
        _brier += d * d;
        var c = Math.Clamp(q, Calibration.LogLossClip, 1 - Calibration.LogLossClip);
        _logLoss -= Math.Log(y == 1 ? c : 1 - c);
        var s = q - f;
        _sce += s * s;
        var gap = Math.Abs(f - q) - cost;
        if (gap > 0)
        {
            _arb += gap;
        }

        var o = 3 * Calibration.BinIndex(q, bins);
        _bins[o] += 1;
        _bins[o + 1] += q;
        _bins[o + 2] += y;
    }
}
