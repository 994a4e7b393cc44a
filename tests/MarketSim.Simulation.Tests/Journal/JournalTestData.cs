using MarketSim.Simulation.Journal;

namespace MarketSim.Simulation.Tests.Journal;

/// <summary>Score events for the journal specs (the SQLite writer part is in MarketSim.Journal.Tests, which links this file).</summary>
internal static partial class JournalTestData
{
    public static readonly long T0 = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    public static PredictionBatch Batch(long interval, int shard, int miners, int events, int seed = 0)
    {
        var rng = new System.Random(seed + (int)interval * 31 + shard);
        var eventIds = Enumerable.Range((int)interval, events).Select(i => (long)i).ToArray();
        var minerIds = Enumerable.Range(shard * miners, miners).ToArray();
        var p = new double[miners * events];
        for (var i = 0; i < p.Length; i++)
        {
            p[i] = i % 97 == 0 ? double.NaN : rng.NextDouble();
        }

        return new PredictionBatch(interval, shard, eventIds, minerIds, p);
    }

    /// <summary>A small but complete run: lifecycle, issuer, shards, one validator.</summary>
    public static List<(string Pid, ScoreEvent Event, long Timestamp)> SmallRun()
    {
        var list = new List<(string, ScoreEvent, long)>
        {
            (JournalIds.Run, new RunStarted("small", 42, 8, 1, 4, "marketsim.scenario { }\n"), T0),
        };
        for (var e = 0; e < 4; e++)
        {
            list.Add((JournalIds.Issuer, new EventIssued(e, T0, T0 + 1000, T0 + 2000, 0xF0F0UL + (ulong)e, string.Empty), T0));
        }

        for (var k = 0; k < 3; k++)
        {
            for (var s = 0; s < 2; s++)
            {
                list.Add((JournalIds.Shard(s), Batch(k, s, 4, 4), T0 + (k * TimeSpan.TicksPerHour * 4)));
            }
        }

        var miners = Enumerable.Range(0, 8).ToArray();
        for (var e = 0; e < 4; e++)
        {
            list.Add((JournalIds.Issuer, new EventResolved(e, T0 + 2000, (byte)(e % 2), 0.9), T0 + 2000));
            list.Add((JournalIds.Validator("peer"), new EventScored("peer", e, (byte)(e % 2), 3, miners, [.. miners.Select(m => m * 0.1 - 0.3)], [.. miners.Select(m => m / 8.0)]), T0 + 2000));
            list.Add((JournalIds.Validator("peer"), new MovingAverageUpdated("peer", e, miners, [.. miners.Select(m => m * 0.01)]), T0 + 2000));
        }

        list.Add((JournalIds.Validator("peer"), new WeightsUpdated("peer", 3, miners, [.. miners.Select(m => m / 28.0)]), T0 + 3000));
        list.Add((JournalIds.Run, new RunCompleted(4, 96, 3), T0 + 3000));
        return list;
    }

    /// <summary>Structural comparison (records compare arrays by reference); NaN equals NaN bit for bit.</summary>
    public static void AssertSame(ScoreEvent expected, ScoreEvent actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        switch (expected, actual)
        {
            case (PredictionBatch a, PredictionBatch b):
                Assert.Equal((a.Interval, a.Shard), (b.Interval, b.Shard));
                Assert.Equal(a.EventIds, b.EventIds);
                Assert.Equal(a.MinerIds, b.MinerIds);
                Assert.Equal(Bits(a.Probabilities), Bits(b.Probabilities));
                Assert.Equal(a.Answered, b.Answered);
                break;
            case (EventScored a, EventScored b):
                Assert.Equal((a.Validator, a.EventId, a.Outcome, a.Intervals), (b.Validator, b.EventId, b.Outcome, b.Intervals));
                Assert.Equal(a.MinerIds, b.MinerIds);
                Assert.Equal(Bits(a.Scores), Bits(b.Scores));
                Assert.Equal(Bits(a.WeightedPredictions), Bits(b.WeightedPredictions));
                break;
            case (MovingAverageUpdated a, MovingAverageUpdated b):
                Assert.Equal((a.Validator, a.EventId), (b.Validator, b.EventId));
                Assert.Equal(a.MinerIds, b.MinerIds);
                Assert.Equal(Bits(a.Values), Bits(b.Values));
                break;
            case (WeightsUpdated a, WeightsUpdated b):
                Assert.Equal((a.Validator, a.EventId), (b.Validator, b.EventId));
                Assert.Equal(a.MinerIds, b.MinerIds);
                Assert.Equal(Bits(a.Weights), Bits(b.Weights));
                break;
            case (EventResolved a, EventResolved b):
                Assert.Equal((a.EventId, a.ResolvedAt, a.Outcome, BitConverter.DoubleToInt64Bits(a.Truth)), (b.EventId, b.ResolvedAt, b.Outcome, BitConverter.DoubleToInt64Bits(b.Truth)));
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }

    public static long[] Bits(double[] values) => [.. values.Select(BitConverter.DoubleToInt64Bits)];
}
