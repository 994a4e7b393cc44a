using FsCheck;
using FsCheck.Fluent;
using MarketSim.Markets.Journal;

namespace MarketSim.Markets.Tests.Journal;

public sealed class ScoreEventSerializerSpec
{
    public static TheoryData<string> Manifests() =>
    [
        "RunStarted", "RunCompleted", "EventIssued", "EventResolved", "PredictionBatch", "EventScored", "MovingAverageUpdated", "WeightsUpdated",
    ];

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Every_event_type_round_trips_under_its_manifest(string manifest)
    {
        var events = JournalTestData.SmallRun().Select(x => x.Event).Where(e => ScoreEventSerializer.ManifestOf(e) == manifest).ToList();
        Assert.NotEmpty(events);
        foreach (var e in events)
        {
            var bytes = ScoreEventSerializer.Serialize(e);
            Assert.Equal(ScoreEventSerializer.FormatVersion, bytes[0]);
            JournalTestData.AssertSame(e, ScoreEventSerializer.Deserialize(manifest, bytes));
        }
    }

    [Fact]
    public void Unicode_strings_and_extreme_values_round_trip()
    {
        var e = new EventIssued(long.MaxValue, long.MinValue, 0, -1, ulong.MaxValue, "ünïcødé — \"slug\" 🎲");
        Assert.Equal(e, ScoreEventSerializer.Deserialize("EventIssued", ScoreEventSerializer.Serialize(e)));
        var r = new EventResolved(1, 2, 1, double.NaN);
        JournalTestData.AssertSame(r, ScoreEventSerializer.Deserialize("EventResolved", ScoreEventSerializer.Serialize(r)));
    }

    [Fact]
    public void Prediction_batches_round_trip_for_any_shape_and_values()
    {
        var gen =
            from miners in Gen.Choose(0, 40)
            from events in Gen.Choose(0, 60)
            from interval in ArbMap.Default.GeneratorFor<long>()
            from shard in Gen.Choose(0, 1000)
            from eventIds in Gen.ArrayOf(ArbMap.Default.GeneratorFor<long>(), events)
            from minerIds in Gen.ArrayOf(ArbMap.Default.GeneratorFor<int>(), miners)
            from p in Gen.ArrayOf(ArbMap.Default.GeneratorFor<double>(), miners * events)
            select new PredictionBatch(interval, shard, eventIds, minerIds, p);
        Prop.ForAll(gen.ToArbitrary(), batch =>
        {
            var bytes = ScoreEventSerializer.Serialize(batch);
            var back = (PredictionBatch)ScoreEventSerializer.Deserialize(ScoreEventSerializer.PredictionBatchManifest, bytes);
            return back.Interval == batch.Interval && back.Shard == batch.Shard
                && back.EventIds.SequenceEqual(batch.EventIds) && back.MinerIds.SequenceEqual(batch.MinerIds)
                && JournalTestData.Bits(back.Probabilities).SequenceEqual(JournalTestData.Bits(batch.Probabilities))
                && bytes.Length == 1 + 8 + 4 + 12 + (8 * batch.EventIds.Length) + (4 * batch.MinerIds.Length) + (8 * batch.Probabilities.Length) + 4;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Any_flipped_byte_is_detected()
    {
        var bytes = ScoreEventSerializer.Serialize(JournalTestData.Batch(3, 1, 5, 7));
        Prop.ForAll(Gen.Choose(0, bytes.Length - 1).ToArbitrary(), Gen.Choose(1, 255).ToArbitrary(), (at, mask) =>
        {
            var copy = (byte[])bytes.Clone();
            copy[at] ^= (byte)mask;
            return Record.Exception(() => ScoreEventSerializer.Deserialize("PredictionBatch", copy)) is JournalFormatException;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_wrong_manifest_or_truncated_payload_is_a_format_error()
    {
        var bytes = ScoreEventSerializer.Serialize(new RunCompleted(1, 2, 3));
        Assert.Throws<JournalFormatException>(() => ScoreEventSerializer.Deserialize("Nope", bytes));
        Assert.Throws<JournalFormatException>(() => ScoreEventSerializer.Deserialize("EventIssued", bytes));
        Assert.Throws<JournalFormatException>(() => ScoreEventSerializer.Deserialize("RunCompleted", bytes[..^6]));
    }

    [Fact]
    public void A_batch_whose_matrix_does_not_match_its_columns_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ScoreEventSerializer.Serialize(new PredictionBatch(0, 0, [1, 2], [1], [0.5])));
    }

    [Fact]
    public void The_accelerated_checksum_equals_the_portable_one()
    {
        Prop.ForAll<byte[]>(data => Markets.Journal.Crc32C.Compute(data) == Markets.Journal.Crc32C.ComputePortable(data)).QuickCheckThrowOnFailure();
        Assert.Equal(0xE3069283u, Markets.Journal.Crc32C.Compute("123456789"u8));
    }
}
