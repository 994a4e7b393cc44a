using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Parity;
using MarketSim.Simulation.Randomness;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Simulation.Run;

/// <summary>
/// A shard of miners: contiguous miner ids, each a pure function of (its group's parameters, the world's seed, the event)
/// via <see cref="ParityForecaster"/>. Every parity forecaster depends on z only through χ_S(z), so each miner's answer
/// table (χ = +1, χ = −1) is computed once; an interval's batch is then a columnar fill, miner-major.
/// A <c>faulty</c> miner (test kind) sends its raw value (NaN, ±∞, out of range, or no answer for <c>none</c>) in a share
/// <c>rate</c> of its cells, drawn from the counter stream <see cref="RngStreams.FaultyAnswers"/>, and 0.5 elsewhere.
/// </summary>
public sealed class MinerShard : IShardModel
{
    private readonly double[] _qPlus;
    private readonly double[] _qMinus;
    private readonly FaultySpec?[] _faulty;
    private readonly bool[] _follower;
    private readonly bool _anyFollower;
    private readonly ulong _seed;
    private readonly bool _anyFaulty;

    /// <summary>Shard <paramref name="shard"/> of <paramref name="count"/> miners from id <paramref name="firstMiner"/>; each miner's group in <paramref name="groups"/> gives its forecaster.</summary>
    public MinerShard(int shard, int firstMiner, int count, IReadOnlyList<MinerGroup> groups, ParityWorld world)
    {
        Shard = shard;
        MinerIds = new int[count];
        _qPlus = new double[count];
        _qMinus = new double[count];
        _faulty = new FaultySpec?[count];
        _follower = new bool[count];
        _seed = unchecked((ulong)world.Seed);
        var zPlus = new sbyte[world.D];
        Array.Fill(zPlus, (sbyte)1);
        var zMinus = (sbyte[])zPlus.Clone();
        zMinus[world.S[0]] = -1;
        for (var m = 0; m < count; m++)
        {
            var id = firstMiner + m;
            MinerIds[m] = id;
            var group = groups.First(g => id >= g.FirstMinerId && id < g.FirstMinerId + g.Count);
            if (group is MarketFollowerMiners)
            {
                _follower[m] = true;
                _anyFollower = true;
                _qPlus[m] = _qMinus[m] = double.NaN;
                continue;
            }

            if (group is FaultyMiners faulty)
            {
                _faulty[m] = new FaultySpec(faulty.Value, faulty.Rate);
                _anyFaulty = true;
                _qPlus[m] = _qMinus[m] = 0.5;
                continue;
            }

            var f = CreateForecaster(group);
            _qPlus[m] = f.Forecast(world, zPlus);
            _qMinus[m] = f.Forecast(world, zMinus);
        }
    }

    /// <inheritdoc />
    public int Shard { get; }

    /// <summary>Miner ids, ascending.</summary>
    public int[] MinerIds { get; }

    /// <summary>The forecaster of a miner group (parity.md §3).</summary>
    public static ParityForecaster CreateForecaster(MinerGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return group switch
        {
            OracleMiners => new OracleForecaster(),
            ConstantMiners c => new ConstantForecaster(c.Value),
            ArDepthMiners a => new LQueryOracleForecaster(a.Depth),
            RandomChainsMiners r => new RandomizedChainsForecaster(r.Depth, r.Chains),
            DiffusionMiners d => new DiffusionAnalyticForecaster(d.Rho),
            FaultyMiners => new ConstantForecaster(0.5),
            _ => throw new NotSupportedException($"miner kind '{group.Kind}' does not play the parity world"),
        };
    }

    /// <inheritdoc />
    public PredictionBatch Answer(IntervalOpened opened)
    {
        ArgumentNullException.ThrowIfNull(opened);
        var batch = Answer(opened.Interval, opened.EventIds, opened.Chi);
        return _anyFollower ? FollowMarket(batch, opened.Prices) : batch;
    }

    /// <summary>Market followers (with <c>marketmaker.kind = lmsr</c>) answer the market maker's quote.</summary>
    private PredictionBatch FollowMarket(PredictionBatch batch, double[] prices)
    {
        var e = batch.EventIds.Length;
        var p = batch.Probabilities;
        var answered = batch.Answered;
        for (var m = 0; m < MinerIds.Length; m++)
        {
            if (!_follower[m])
            {
                continue;
            }

            for (var j = 0; j < e; j++)
            {
                var cell = (m * e) + j;
                var q = prices.Length > j ? prices[j] : double.NaN;
                p[cell] = q;
                if (double.IsNaN(q))
                {
                    PredictionBatch.MarkUnanswered(ref answered, p.Length, cell);
                }
            }
        }

        return batch with { Answered = answered };
    }

    /// <summary>The shard's answers for one interval: miner-major matrix over the open events.</summary>
    public PredictionBatch Answer(long interval, long[] eventIds, sbyte[] chi)
    {
        ArgumentNullException.ThrowIfNull(eventIds);
        ArgumentNullException.ThrowIfNull(chi);
        var e = eventIds.Length;
        var p = new double[MinerIds.Length * e];
        for (var m = 0; m < MinerIds.Length; m++)
        {
            var row = p.AsSpan(m * e, e);
            double qp = _qPlus[m], qm = _qMinus[m];
            for (var j = 0; j < e; j++)
            {
                row[j] = chi[j] > 0 ? qp : qm;
            }
        }

        return new PredictionBatch(interval, Shard, eventIds, MinerIds, p, _anyFaulty ? FillFaulty(interval, eventIds, p) : null);
    }

    /// <summary>Overwrites the faulty miners' cells; returns the presence bitmap, or null when every cell was answered.</summary>
    private byte[]? FillFaulty(long interval, long[] eventIds, double[] p)
    {
        var e = eventIds.Length;
        byte[]? answered = null;
        for (var m = 0; m < MinerIds.Length; m++)
        {
            if (_faulty[m] is not { } spec)
            {
                continue;
            }

            for (var j = 0; j < e; j++)
            {
                if (spec.Rate < 1 && !CounterRng.Bernoulli(spec.Rate, _seed, RngStreams.FaultyAnswers, (ulong)MinerIds[m], (ulong)eventIds[j], unchecked((ulong)interval)))
                {
                    continue;
                }

                var cell = (m * e) + j;
                if (spec.Value is { } raw)
                {
                    p[cell] = raw;
                    continue;
                }

                p[cell] = double.NaN;
                PredictionBatch.MarkUnanswered(ref answered, p.Length, cell);
            }
        }

        return answered;
    }
}

/// <summary>A faulty miner's raw value (null = no answer) and the share of cells where it sends it.</summary>
internal sealed record FaultySpec(double? Value, double Rate);
