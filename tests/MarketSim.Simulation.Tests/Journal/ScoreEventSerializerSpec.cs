using FsCheck;
using FsCheck.Fluent;
using MarketSim.Simulation.Journal;

namespace MarketSim.Simulation.Tests.Journal;

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
    public void The_payloads_of_the_existing_manifests_are_unchanged()
    {
        // SHA-256 over manifest + payload of every event of the small run in payload version 3 (dictionary-packed double
        // columns): equal runs keep giving equal bytes; a change here is a format change (bump the version, keep reading the old).
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (_, e, _) in JournalTestData.SmallRun())
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(ScoreEventSerializer.ManifestOf(e)));
            sha.AppendData(ScoreEventSerializer.Serialize(e));
        }


        Assert.Equal(SmallRunPayloadHash, Convert.ToHexString(sha.GetHashAndReset()));
    }

    private const string SmallRunPayloadHash = "6CEC25749CA87F14B115492088DF0CD38231E53F8108293C1FCE5A59EFE86297";

    /// <summary>A PredictionBatch payload as versions 1 and 2 wrote it: raw double column; version 2 adds the bitmap array.</summary>
    private static byte[] OldBatchPayload(byte version, PredictionBatch b)
    {
        var body = new List<byte> { version };
        body.AddRange(BitConverter.GetBytes(b.Interval));
        body.AddRange(BitConverter.GetBytes(b.Shard));
        body.AddRange(BitConverter.GetBytes(b.EventIds.Length));
        foreach (var e in b.EventIds)
        {
            body.AddRange(BitConverter.GetBytes(e));
        }

        body.AddRange(BitConverter.GetBytes(b.MinerIds.Length));
        foreach (var m in b.MinerIds)
        {
            body.AddRange(BitConverter.GetBytes(m));
        }

        body.AddRange(BitConverter.GetBytes(b.Probabilities.Length));
        foreach (var p in b.Probabilities)
        {
            body.AddRange(BitConverter.GetBytes(p));
        }

        if (version == ScoreEventSerializer.RawColumnsFormatVersion)
        {
            body.AddRange(BitConverter.GetBytes(b.Answered?.Length ?? 0));
            body.AddRange(b.Answered ?? []);
        }

        var bytes = body.ToArray();
        return [.. bytes, .. BitConverter.GetBytes(Simulation.Journal.Crc32C.Compute(bytes))];
    }

    [Fact]
    public void A_version_2_batch_with_raw_columns_is_still_read()
    {
        var batch = new PredictionBatch(7, 1, [1, 2, 3], [4, 5], [0.5, 0.5, 0.5, 0.25, 0.25, 0.25], [0b101101]);

        var back = (PredictionBatch)ScoreEventSerializer.Deserialize(ScoreEventSerializer.PredictionBatchManifest, OldBatchPayload(ScoreEventSerializer.RawColumnsFormatVersion, batch));

        Assert.Equal(batch.Probabilities, back.Probabilities);
        Assert.Equal(batch.Answered, back.Answered);
        Assert.Equal(batch.EventIds, back.EventIds);
    }

    [Fact]
    public void Version_3_packs_a_column_of_few_distinct_values()
    {
        var probabilities = Enumerable.Range(0, 64 * 42).Select(i => i % 2 == 0 ? 0.525 : 0.475).ToArray();
        var batch = new PredictionBatch(7, 1, [.. Enumerable.Range(0, 42).Select(i => (long)i)], [.. Enumerable.Range(0, 64)], probabilities);

        var v3 = ScoreEventSerializer.Serialize(batch);

        Assert.Equal(ScoreEventSerializer.FormatVersion, v3[0]);
        Assert.True(v3.Length * 10 < OldBatchPayload(ScoreEventSerializer.RawColumnsFormatVersion, batch).Length, $"{v3.Length} bytes");
        Assert.Equal(probabilities, ((PredictionBatch)ScoreEventSerializer.Deserialize(ScoreEventSerializer.PredictionBatchManifest, v3)).Probabilities);
    }

    private static IntervalScored Detail(int miners, int intervals, bool predictions, int seed = 1)
    {
        var rng = new Random(seed);
        var cells = miners * intervals;
        return new IntervalScored(
            "peer-1.5.5 ✓", 42, 1_000_000_007L, [.. Enumerable.Range(0, intervals).Select(_ => rng.NextDouble())], [.. Enumerable.Range(0, miners).Select(m => (m * 3) + 1)],
            [.. Enumerable.Range(0, cells).Select(_ => (rng.NextDouble() * 4) - 2)], predictions ? [.. Enumerable.Range(0, cells).Select(_ => rng.NextDouble())] : []);
    }

    private static void AssertSameDetail(IntervalScored a, IntervalScored b)
    {
        Assert.Equal((a.Validator, a.EventId, a.FirstInterval, a.Intervals), (b.Validator, b.EventId, b.FirstInterval, b.Intervals));
        Assert.Equal(a.MinerIds, b.MinerIds);
        Assert.Equal(JournalTestData.Bits(a.Weights), JournalTestData.Bits(b.Weights));
        Assert.Equal(JournalTestData.Bits(a.Scores), JournalTestData.Bits(b.Scores));
        Assert.Equal(JournalTestData.Bits(a.Predictions), JournalTestData.Bits(b.Predictions));
    }

    [Theory]
    [InlineData(3, 4, true)]
    [InlineData(3, 4, false)]
    [InlineData(0, 5, true)]
    [InlineData(7, 0, true)]
    public void Interval_scores_round_trip_under_their_own_manifest(int miners, int intervals, bool predictions)
    {
        var e = Detail(miners, intervals, predictions);
        Assert.Equal("IntervalScored", ScoreEventSerializer.ManifestOf(e));
        Assert.Equal(JournalIds.ScoresTag, JournalIds.TagOf(e));
        var bytes = ScoreEventSerializer.Serialize(e);
        Assert.Equal(ScoreEventSerializer.FormatVersion, bytes[0]);
        // random cells never repeat: 12 bytes of header per matrix, then every cell
        Assert.Equal(1 + 4 + 14 + 8 + 8 + 4 + 4 + 12 + 12 + (8 * intervals) + (4 * miners) + (8 * miners * intervals * (predictions ? 2 : 1)) + 4, bytes.Length);
        AssertSameDetail(e, (IntervalScored)ScoreEventSerializer.Deserialize(ScoreEventSerializer.IntervalScoredManifest, bytes));
        var from = SerializedEvent.From(e);
        Assert.Equal("IntervalScored", from.Manifest);
        Assert.Equal(bytes, from.Payload);
    }

    [Fact]
    public void Repeated_neighbouring_cells_are_stored_once_and_come_back_bit_for_bit()
    {
        // 2 intervals x 6 miners; groups of equal strategies give equal neighbouring cells; -0.0, 0.0 and NaN payloads stay distinct.
        var negativeZero = -0.0;
        var oddNaN = BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8_0000_0000_1234UL));
        double[] scores = [0.5, 0.5, 0.5, 0.0, negativeZero, negativeZero, oddNaN, oddNaN, double.NaN, 1, 1, 1];
        double[] preds = [.. Enumerable.Repeat(0.25, 12)];
        var e = new IntervalScored("v", 1, 2, [1.0, 0.5], [0, 1, 2, 3, 4, 5], scores, preds);
        var bytes = ScoreEventSerializer.Serialize(e);
        // scores: 6 stored of 12 (2-byte bitmap), predictions: 1 stored of 12
        Assert.Equal(1 + 5 + 8 + 8 + (4 + 16) + (4 + 24) + (12 + 2 + (6 * 8)) + (12 + 2 + 8) + 4, bytes.Length);
        AssertSameDetail(e, (IntervalScored)ScoreEventSerializer.Deserialize(ScoreEventSerializer.IntervalScoredManifest, bytes));
    }

    [Fact]
    public void Interval_scores_of_any_shape_and_values_round_trip()
    {
        var gen =
            from miners in Gen.Choose(0, 30)
            from intervals in Gen.Choose(0, 12)
            from first in ArbMap.Default.GeneratorFor<long>()
            from w in Gen.ArrayOf(ArbMap.Default.GeneratorFor<double>(), intervals)
            from ids in Gen.ArrayOf(ArbMap.Default.GeneratorFor<int>(), miners)
            from scores in Gen.ArrayOf(Gen.Elements(0.0, -0.0, 1.5, double.NaN).Or(ArbMap.Default.GeneratorFor<double>()), miners * intervals)
            from withPredictions in ArbMap.Default.GeneratorFor<bool>()
            from p in Gen.ArrayOf(ArbMap.Default.GeneratorFor<double>(), withPredictions ? miners * intervals : 0)
            select new IntervalScored("v", first, first ^ 0x5555, w, ids, scores, p);
        Prop.ForAll(gen.ToArbitrary(), e =>
        {
            var back = (IntervalScored)ScoreEventSerializer.Deserialize(ScoreEventSerializer.IntervalScoredManifest, ScoreEventSerializer.Serialize(e));
            return back.EventId == e.EventId && back.FirstInterval == e.FirstInterval && back.MinerIds.SequenceEqual(e.MinerIds)
                && JournalTestData.Bits(back.Weights).SequenceEqual(JournalTestData.Bits(e.Weights))
                && JournalTestData.Bits(back.Scores).SequenceEqual(JournalTestData.Bits(e.Scores))
                && JournalTestData.Bits(back.Predictions).SequenceEqual(JournalTestData.Bits(e.Predictions));
        }).Check(Config.QuickThrowOnFailure.WithReplay(20260101UL, 7UL));
    }

    [Fact]
    public void Any_flipped_byte_of_interval_scores_is_a_format_error()
    {
        var bytes = ScoreEventSerializer.Serialize(Detail(4, 3, true));
        for (var at = 0; at < bytes.Length; at++)
        {
            var copy = (byte[])bytes.Clone();
            copy[at] ^= 0x5A;
            Assert.IsType<JournalFormatException>(Record.Exception(() => ScoreEventSerializer.Deserialize(ScoreEventSerializer.IntervalScoredManifest, copy)));
        }

        Assert.Throws<JournalFormatException>(() => ScoreEventSerializer.Deserialize(ScoreEventSerializer.IntervalScoredManifest, bytes[..^9]));
        Assert.Throws<JournalFormatException>(() => ScoreEventSerializer.Deserialize(ScoreEventSerializer.EventScoredManifest, bytes));
    }

    [Fact]
    public void Interval_scores_whose_matrix_does_not_match_their_columns_are_refused()
    {
        // scores: 2 intervals x 2 miners needs 4 cells; predictions: none or 4.
        Assert.Throws<JournalFormatException>(() => ScoreEventSerializer.Deserialize("IntervalScored", HandMade([1, 1], [0, 1], [1, 2, 3], [])));
        Assert.Throws<JournalFormatException>(() => ScoreEventSerializer.Deserialize("IntervalScored", HandMade([1, 1], [0, 1], [1, 2, 3, 4], [1])));
        Assert.IsType<IntervalScored>(ScoreEventSerializer.Deserialize("IntervalScored", HandMade([1, 1], [0, 1], [1, 2, 3, 4], [])));
        var repeated = (IntervalScored)ScoreEventSerializer.Deserialize("IntervalScored", HandMade([1, 1], [0, 1], [1, 2, 3], [], [0b0100]));
        Assert.Equal([1.0, 2, 2, 3], repeated.Scores);
        // the first cell cannot repeat; a bitmap of the wrong length or with bits past the cells is refused
        Assert.Throws<JournalFormatException>(() => ScoreEventSerializer.Deserialize("IntervalScored", HandMade([1, 1], [0, 1], [1, 2, 3], [], [0b0001])));
        Assert.Throws<JournalFormatException>(() => ScoreEventSerializer.Deserialize("IntervalScored", HandMade([1, 1], [0, 1], [1, 2, 3], [], [0b0100, 0])));
        Assert.Throws<JournalFormatException>(() => ScoreEventSerializer.Deserialize("IntervalScored", HandMade([1, 1], [0, 1], [1, 2, 3], [], [0b1_0000])));
        Assert.Throws<ArgumentException>(() => ScoreEventSerializer.Serialize(new IntervalScored("v", 0, 0, [1, 1], [0, 1], [1, 2, 3], [])));
        Assert.Throws<ArgumentException>(() => ScoreEventSerializer.Serialize(new IntervalScored("v", 0, 0, [1], [0], [1], [1, 2])));
    }

    // A payload written field by field with a valid checksum, so only the shape checks can refuse it; repeats (a bitmap with
    // one bit set) adds a repeated cell to the scores.
    private static byte[] HandMade(double[] weights, int[] miners, double[] scores, double[] predictions, byte[]? repeats = null)
    {
        repeats ??= [];
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(ScoreEventSerializer.FormatVersion);
            w.Write(1);
            w.Write((byte)'v');
            w.Write(9L);
            w.Write(100L);
            w.Write(weights.Length);
            Array.ForEach(weights, w.Write);
            w.Write(miners.Length);
            Array.ForEach(miners, w.Write);
            foreach (var (cells, map) in new[] { (scores, repeats), (predictions, Array.Empty<byte>()) })
            {
                w.Write(cells.Length + (map.Length == 0 ? 0 : 1)); // a set repeat bit adds one cell
                w.Write(map.Length);
                w.Write(map);
                w.Write(cells.Length);
                Array.ForEach(cells, w.Write);
            }
        }

        var body = ms.ToArray();
        var crc = BitConverter.GetBytes(Simulation.Journal.Crc32C.Compute(body));
        return [.. body, .. crc];
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
            from present in Gen.ArrayOf(ArbMap.Default.GeneratorFor<bool>(), miners * events)
            from withBitmap in ArbMap.Default.GeneratorFor<bool>()
            select new PredictionBatch(interval, shard, eventIds, minerIds, p, withBitmap && miners * events > 0 ? Bitmap(present) : null);
        Prop.ForAll(gen.ToArbitrary(), batch =>
        {
            var bytes = ScoreEventSerializer.Serialize(batch);
            var back = (PredictionBatch)ScoreEventSerializer.Deserialize(ScoreEventSerializer.PredictionBatchManifest, bytes);
            return back.Interval == batch.Interval && back.Shard == batch.Shard
                && back.EventIds.SequenceEqual(batch.EventIds) && back.MinerIds.SequenceEqual(batch.MinerIds)
                && JournalTestData.Bits(back.Probabilities).SequenceEqual(JournalTestData.Bits(batch.Probabilities))
                && (back.Answered ?? []).SequenceEqual(batch.Answered ?? [])
                && Enumerable.Range(0, (int)batch.Count).All(c => back.IsAnswered(c) == batch.IsAnswered(c))
                && bytes.Length <= 1 + 8 + 4 + 12 + 1 + (8 * batch.EventIds.Length) + (4 * batch.MinerIds.Length) + (8 * batch.Probabilities.Length)
                    + 4 + (batch.Answered?.Length ?? 0) + 4;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void An_answered_NaN_stays_distinct_from_no_answer()
    {
        // 1 miner x 4 events: answered NaN, no answer, answered +inf, answered 0.25.
        var batch = new PredictionBatch(3, 0, [10, 11, 12, 13], [5], [double.NaN, double.NaN, double.PositiveInfinity, 0.25], Bitmap([true, false, true, true]));
        var back = (PredictionBatch)ScoreEventSerializer.Deserialize(ScoreEventSerializer.PredictionBatchManifest, ScoreEventSerializer.Serialize(batch));

        Assert.Equal([true, false, true, true], Enumerable.Range(0, 4).Select(e => back.IsAnswered(0, e)));
        Assert.True(double.IsNaN(back[0, 0]));
        Assert.Equal(double.PositiveInfinity, back[0, 2]);
        Assert.Equal(3, back.AnsweredCount);
    }

    [Fact]
    public void A_version_1_batch_is_still_read_with_NaN_as_no_answer()
    {
        // Version 1 = version 2 without the bitmap.
        var v1 = OldBatchPayload(ScoreEventSerializer.LegacyFormatVersion, new PredictionBatch(7, 1, [1, 2], [4, 5], [0.5, double.NaN, double.NaN, 0.75]));

        var back = (PredictionBatch)ScoreEventSerializer.Deserialize(ScoreEventSerializer.PredictionBatchManifest, v1);
        Assert.Equal([true, false, false, true], Enumerable.Range(0, 4).Select(c => back.IsAnswered(c)));
        Assert.Equal(2, back.AnsweredCount);
        Assert.Equal(0.75, back[1, 1]);
    }

    [Fact]
    public void A_bitmap_of_the_wrong_size_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ScoreEventSerializer.Serialize(new PredictionBatch(0, 0, [1], [1], [0.5], [1, 1])));
    }

    private static byte[] Bitmap(bool[] present)
    {
        var bits = new byte[PredictionBatch.BitmapLength(present.Length)];
        for (var c = 0; c < present.Length; c++)
        {
            if (present[c])
            {
                bits[c >> 3] |= (byte)(1 << (c & 7));
            }
        }

        return bits;
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
        Prop.ForAll<byte[]>(data => Simulation.Journal.Crc32C.Compute(data) == Simulation.Journal.Crc32C.ComputePortable(data)).QuickCheckThrowOnFailure();
        Assert.Equal(0xE3069283u, Simulation.Journal.Crc32C.Compute("123456789"u8));
    }
}
