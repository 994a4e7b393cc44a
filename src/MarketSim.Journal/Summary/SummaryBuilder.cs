using System.Numerics;
using System.Runtime.InteropServices;
using MarketSim.Journal.Akka;
using MarketSim.Scenarios;
using MarketSim.Scoring.Metrics;
using MarketSim.Scoring.Rules;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Parity;
using MarketSim.Simulation.Randomness;
using MarketSim.Simulation.Summary;

namespace MarketSim.Journal.Summary;

/// <summary>
/// Computes a <see cref="RunSummary"/> by reading a run's journal back (never from the run's memory): the scenario from
/// <see cref="RunStarted"/>, each event's inputs, truth and outcome from the issuer stream, every prediction from the
/// <c>predictions</c> tag and the validators' scores and weights from the <c>scores</c> tag. Metrics are accumulated in one
/// streaming pass; the state kept is per event (inputs, truth, outcome) and per (event, forecaster) two numbers for
/// group calibration, never per prediction.
/// </summary>
public static class SummaryBuilder
{
    /// <summary>
    /// <c>gcal_worst</c> is exhaustive over every k-subset J of the d coordinates while there are at most this many
    /// (C(16, 8) = 12,870; C(20, 10) = 184,756) …
    /// </summary>
    public const long MaxExhaustiveSubsets = 200_000;

    /// <summary>… and C(d, k) × (resolved events) stays within this many cell updates (a few seconds of work).</summary>
    public const long MaxExhaustiveWork = 4_000_000_000;

    /// <summary>Above either bound: S plus up to this many distinct sampled k-subsets (fewer when events × sets would exceed <see cref="MaxExhaustiveWork"/>, at least <see cref="MinSampledSubsets"/>).</summary>
    public const int MaxSampledSubsets = 4_095;

    /// <summary>The smallest sample when the work bound bites.</summary>
    public const int MinSampledSubsets = 31;

    /// <summary>Largest k for which subcube cells are materialised (2^k cells per set).</summary>
    public const int MaxGroupOrder = 20;

    /// <summary>Counter-RNG stream of the sampled conditioning sets (key: seed, stream, j).</summary>
    public const ulong GroupSetStream = 0x53554D4D; // "SUMM"

    /// <summary>Reads the journal at <paramref name="journalPath"/> and summarises it.</summary>
    /// <param name="journalPath">journal.db of a run.</param>
    /// <param name="cost">Replaces the scenario's transaction cost c (<c>metrics.transaction-cost</c>) when given.</param>
    public static RunSummary FromJournal(string journalPath, double? cost = null)
    {
        using var reader = RunJournals.OpenReader(JournalConfig.Sqlite(journalPath));
        return FromJournal(reader, cost);
    }

    /// <summary>Summarises the journal <paramref name="reader"/> reads (SQLite or PostgreSQL).</summary>
    /// <param name="reader">The run's journal.</param>
    /// <param name="cost">Replaces the scenario's transaction cost c (<c>metrics.transaction-cost</c>) when given.</param>
    public static RunSummary FromJournal(IRunJournalReader reader, double? cost = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var journalPath = reader.Location;
        var started = reader.EventsByPersistenceId(JournalIds.Run).Select(e => e.Event).OfType<RunStarted>().FirstOrDefault()
            ?? throw new InvalidOperationException($"{journalPath}: no RunStarted event");
        var completed = reader.EventsByPersistenceId(JournalIds.Run).Select(e => e.Event).OfType<RunCompleted>().FirstOrDefault();
        var scenario = ScenarioLoader.LoadString(started.ScenarioHocon, "journal:RunStarted");
        // Real markets have no parity world: no S, and no f-based columns (sce, arb, group calibration are NaN there).
        var world = scenario.World is MarketSim.Simulation.Scenarios.ParityWorldSettings w ? new ParityWorld(w.D, w.K, w.Alpha, scenario.Seed, w.ParitySet) : null;
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

        // Real markets have no known truth f: the f-based columns (sce, arb, group calibration) are NaN there.
        var group = world is not null
            ? GroupCalibrationOf(world, scenario.Seed, bits, outcome, gapSum, gapCount, g)
            : NoGroupCalibration(g);
        var (gcalS, gcalWorst) = (group.S, group.Worst);
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
            var known = world is not null; // real markets: no truth f, so no SCE or arbitrage profit
            rows.Add(new ForecasterSummary(groups[i].Name, groups[i].Kind, groups[i].Count, a.N, a.Rejected, a.Brier, a.LogLoss, known ? a.Sce : double.NaN, a.Ece, known ? budget * a.Arb : double.NaN, gcalS[i], gcalWorst[i], cols));
        }

        var vs = validators.Select((x, i) => new ValidatorSummary(x.Name, x.Rule, scored[i], discarded[i], weightUpdates[i])).ToList();
        MarketMakerSummary? marketMaker = null;
        if (scenario.MarketMaker.IsLmsr)
        {
            var groupPnl = new double[g];
            double mmPnl = 0;
            long markets = 0, trades = 0;
            foreach (var env in reader.EventsByTag(JournalIds.MarketTag))
            {
                if (env.Event is MarketSettled ms)
                {
                    markets++;
                    trades += ms.Trades;
                    mmPnl += ms.MarketMakerPnl;
                    for (var i = 0; i < ms.AgentIds.Length; i++)
                    {
                        groupPnl[minerGroup[ms.AgentIds[i]]] += ms.AgentPnl[i];
                    }
                }
            }

            marketMaker = new MarketMakerSummary(markets, trades, mmPnl, [.. groups.Select((x, i) => (x.Name, groupPnl[i]))]);
        }

        return new RunSummary(
            scenario.Name,
            scenario.Description,
            scenario.Seed,
            world is null ? [] : [.. world.S],
            resolved,
            acc.Sum(a => a.N),
            completed?.Intervals ?? intervals,
            acc.Sum(a => a.Rejected),
            bins,
            budget,
            c,
            group.Evaluated,
            group.Exhaustive,
            rows,
            vs)
        { MarketMaker = marketMaker };
    }

    /// <summary>
    /// Worst-group calibration (parity.md §4) per forecaster: for a conditioning set J (a k-subset of the d coordinates),
    /// the events fall into the 2^k subcubes keyed by z_J; the value of J is max over non-empty cells of
    /// |Σ (f − q) / Σ 1| over the forecaster's answers in that cell. gcal_S is the value of J = S; gcal_worst the maximum
    /// over every k-subset (exhaustive while C(d, k) ≤ <see cref="MaxExhaustiveSubsets"/> and the work stays within
    /// <see cref="MaxExhaustiveWork"/>), else over S and a deterministic sample of k-subsets (counter RNG stream
    /// <see cref="GroupSetStream"/>, key (seed, j)). Each set is one pass over the resolved events with a PEXT cell key
    /// (<see cref="CellKeys"/>); sets are spread over the thread pool, and a maximum does not depend on the order.
    /// </summary>
    private static GroupCalibrationResult NoGroupCalibration(int g)
    {
        var nan = new double[g];
        Array.Fill(nan, double.NaN);
        return new GroupCalibrationResult(nan, (double[])nan.Clone(), 0, false);
    }

    internal static GroupCalibrationResult GroupCalibrationOf(ParityWorld world, long seed, ulong[] bits, byte[] outcome, double[] gapSum, long[] gapCount, int g)
    {
        var gS = new double[g];
        var gWorst = new double[g];
        if (world.K > MaxGroupOrder || world.D > 64)
        {
            Array.Fill(gS, double.NaN);
            Array.Fill(gWorst, double.NaN);
            return new GroupCalibrationResult(gS, gWorst, 0, false);
        }

        // Compact the resolved events that have answers: input bits and a row of per-group values, padded to whole
        // vectors. Usually every forecaster answers every event equally often (count c_g per event): then a row is
        // (Σ (f − q) per group, 1) and a cell's count for group g is c_g · (events in the cell); otherwise a row is
        // (Σ (f − q) per group, count per group). Either way a cell's mean is the exact Σ (f − q) / Σ count.
        var keep = new List<int>();
        for (var e = 0; e < bits.Length; e++)
        {
            if (outcome[e] > 1)
            {
                continue;
            }

            for (var gi = 0; gi < g; gi++)
            {
                if (gapCount[(e * g) + gi] > 0)
                {
                    keep.Add(e);
                    break;
                }
            }
        }

        var rows = keep.Count;
        var perEvent = new double[g];
        var uniform = rows > 0;
        for (var gi = 0; gi < g && rows > 0; gi++)
        {
            perEvent[gi] = gapCount[(keep[0] * g) + gi];
            foreach (var e in keep)
            {
                uniform &= gapCount[(e * g) + gi] == perEvent[gi];
            }
        }

        var lanes = Vector<double>.Count;
        var stride = ((uniform ? g + 1 : 2 * g) + lanes - 1) / lanes * lanes;
        var words = new ulong[rows];
        var values = new double[rows * stride];
        for (var r = 0; r < rows; r++)
        {
            var e = keep[r];
            words[r] = bits[e];
            for (var gi = 0; gi < g; gi++)
            {
                values[(r * stride) + gi] = gapSum[(e * g) + gi];
                if (!uniform)
                {
                    values[(r * stride) + g + gi] = gapCount[(e * g) + gi];
                }
            }

            if (uniform)
            {
                values[(r * stride) + g] = 1;
            }
        }

        var layout = new GroupLayout(g, stride, uniform ? perEvent : null);
        var sMask = world.SMask;
        var scratch = new GroupScratch(world.K, rows, stride);
        Scan(words, values, layout, sMask, scratch, gS);

        var total = ParityClosedForms.Binomial(world.D, world.K);
        var exhaustive = total <= MaxExhaustiveSubsets && total * Math.Max(1, rows) <= MaxExhaustiveWork;
        ulong[] masks;
        if (exhaustive)
        {
            masks = GroupStress.Combinations(world.D, world.K, (long)total);
        }
        else
        {
            var want = (int)Math.Clamp(MaxExhaustiveWork / Math.Max(1, rows), MinSampledSubsets, MaxSampledSubsets);
            var seen = new HashSet<ulong> { sMask };
            var list = new List<ulong> { sMask };
            for (var j = 0; j < want && list.Count < total; j++)
            {
                var set = CounterRng.SampleSubset(world.D, world.K, unchecked((ulong)seed), GroupSetStream, (ulong)j);
                ulong m = 0;
                foreach (var x in set)
                {
                    m |= 1UL << x;
                }

                if (seen.Add(m))
                {
                    list.Add(m);
                }
            }

            masks = [.. list];
        }

        Array.Copy(gS, gWorst, g);
        var gate = new object();
        Parallel.For(
            0,
            masks.Length,
            () => (Scratch: new GroupScratch(world.K, rows, stride), Worst: new double[g]),
            (i, _, local) =>
            {
                Scan(words, values, layout, masks[i], local.Scratch, local.Worst);
                return local;
            },
            local =>
            {
                lock (gate)
                {
                    for (var gi = 0; gi < g; gi++)
                    {
                        gWorst[gi] = Math.Max(gWorst[gi], local.Worst[gi]);
                    }
                }
            });

        return new GroupCalibrationResult(gS, gWorst, masks.Length, exhaustive);
    }

    /// <summary>One conditioning set: per group, worst = max(worst, max over the set's non-empty cells of |Σ gap / count|).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Scan(ulong[] words, double[] values, GroupLayout layout, ulong mask, GroupScratch s, double[] worst)
    {
        var g = layout.Groups;
        var stride = layout.Stride;
        var lanes = Vector<double>.Count;
        var gen = ++s.Generation;
        var used = 0;
        var sums = s.Sums;
        ref var sum0 = ref MemoryMarshal.GetArrayDataReference(sums);
        ref var value0 = ref MemoryMarshal.GetArrayDataReference(values);
        for (var r = 0; r < words.Length; r++)
        {
            var key = (int)CellKeys.Gather(words[r], mask);
            int slot;
            if (s.Stamp[key] != gen)
            {
                s.Stamp[key] = gen;
                slot = s.Slot[key] = used++;
                Array.Clear(sums, slot * stride, stride);
            }
            else
            {
                slot = s.Slot[key];
            }

            var to = (nuint)(slot * stride);
            var from = (nuint)(r * stride);
            for (nuint j = 0; j < (nuint)stride; j += (nuint)lanes)
            {
                (Vector.LoadUnsafe(ref sum0, to + j) + Vector.LoadUnsafe(ref value0, from + j)).StoreUnsafe(ref sum0, to + j);
            }
        }

        var perEvent = layout.PerEventCounts;
        for (var slot = 0; slot < used; slot++)
        {
            var o = slot * stride;
            for (var gi = 0; gi < g; gi++)
            {
                var n = perEvent is null ? sums[o + g + gi] : sums[o + g] * perEvent[gi];
                if (n > 0)
                {
                    worst[gi] = Math.Max(worst[gi], Math.Abs(sums[o + gi] / n));
                }
            }
        }
    }

    /// <summary>Row layout of <see cref="Scan"/>: groups, padded row length, and the per-event answer counts when they are uniform (else null: counts in the row).</summary>
    private sealed record GroupLayout(int Groups, int Stride, double[]? PerEventCounts);

    /// <summary>Per-thread buffers of <see cref="Scan"/>: a generation stamp and slot per cell key, and the touched cells' sums.</summary>
    private sealed class GroupScratch(int k, int rows, int stride)
    {
        public int[] Stamp { get; } = new int[1 << k];

        public int[] Slot { get; } = new int[1 << k];

        public double[] Sums { get; } = new double[Math.Max(1, rows) * stride];

        public int Generation { get; set; }
    }
}

/// <summary>Group calibration per forecaster: the value on J = S, the worst over the sets evaluated, how many, and whether every k-subset was.</summary>
internal sealed record GroupCalibrationResult(double[] S, double[] Worst, long Evaluated, bool Exhaustive);

/// <summary>
/// Streaming accumulator of the parity.md §4 metrics: the same definitions as <see cref="Calibration.Evaluate"/>
/// (Brier, log loss with q clipped to [1e−6, 1 − 1e−6], SCE, ECE over right-closed bins, (|f − q| − c)_+),
/// fed one row at a time.
/// </summary>
internal sealed class MetricAccumulator(int bins, double cost)
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
