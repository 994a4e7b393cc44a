using FsCheck;
using FsCheck.Fluent;
using MarketSim.Parquet;

namespace MarketSim.Parquet.Tests;

public sealed class RoundTripSpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parquet-spec").FullName;

    public static TheoryData<ParquetCompression> Codecs => new() { ParquetCompression.Uncompressed, ParquetCompression.Snappy, ParquetCompression.Gzip };

    public void Dispose() => Directory.Delete(_dir, true);

    internal static ParquetSchema AllTypes() => new(
        ParquetColumn.Boolean("b"),
        ParquetColumn.Int32("i"),
        ParquetColumn.Int64("l"),
        ParquetColumn.Float("f"),
        ParquetColumn.Double("d"),
        ParquetColumn.String("s"),
        ParquetColumn.Timestamp("t"),
        ParquetColumn.Boolean("ob", required: false),
        ParquetColumn.Int32("oi", required: false),
        ParquetColumn.Int64("ol", required: false),
        ParquetColumn.Float("of", required: false),
        ParquetColumn.Double("od", required: false),
        ParquetColumn.String("os", required: false),
        ParquetColumn.Timestamp("ot", required: false));

    internal static Array[] AllTypesData(int n, int seed = 1)
    {
        var r = new Random(seed);
        bool Null() => r.Next(4) == 0;
        var t0 = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        return
        [
            Enumerable.Range(0, n).Select(i => i % 3 == 0).ToArray(),
            Enumerable.Range(0, n).Select(i => i * 7 - 1000).ToArray(),
            Enumerable.Range(0, n).Select(i => (long)i * 1_000_000_007L).ToArray(),
            Enumerable.Range(0, n).Select(i => i * 0.5f).ToArray(),
            Enumerable.Range(0, n).Select(i => r.NextDouble() - 0.5).ToArray(),
            Enumerable.Range(0, n).Select(i => $"s{i % 17}é").ToArray(),
            Enumerable.Range(0, n).Select(i => t0.AddTicks(i * 10L * 1_234_567)).ToArray(),
            Enumerable.Range(0, n).Select(i => Null() ? (bool?)null : i % 2 == 0).ToArray(),
            Enumerable.Range(0, n).Select(i => Null() ? (int?)null : -i).ToArray(),
            Enumerable.Range(0, n).Select(i => Null() ? (long?)null : long.MaxValue - i).ToArray(),
            Enumerable.Range(0, n).Select(i => Null() ? (float?)null : i / 3f).ToArray(),
            Enumerable.Range(0, n).Select(i => Null() ? (double?)null : i / 7.0).ToArray(),
            Enumerable.Range(0, n).Select(i => Null() ? null : new string('x', i % 5)).ToArray(),
            Enumerable.Range(0, n).Select(i => Null() ? (DateTime?)null : t0.AddDays(i)).ToArray(),
        ];
    }

    internal static void AssertColumnsEqual(Array[] expected, ParquetReader reader)
    {
        for (int c = 0; c < expected.Length; c++)
        {
            var name = reader.Schema.Columns[c].Name;
            Array actual = expected[c] switch
            {
                DateTime[] => reader.ReadColumn<DateTime>(name),
                DateTime?[] => reader.ReadColumn<DateTime?>(name),
                _ => reader.ReadColumn(name),
            };
            Assert.Equal(expected[c].Cast<object?>(), actual.Cast<object?>());
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Every_supported_type_survives_a_round_trip(ParquetCompression codec)
    {
        var path = Path.Combine(_dir, "all.parquet");
        var data = AllTypesData(1000);
        using (var w = ParquetWriter.Create(path, AllTypes(), new ParquetWriterOptions { Compression = codec, RowGroupSize = 300, DataPageSize = 100 }))
        {
            w.WriteBatch(data);
        }

        using var r = ParquetReader.Open(path);
        Assert.Equal(AllTypes().Columns, r.Schema.Columns);
        Assert.Equal([300L, 300, 300, 100], r.RowGroups.Select(g => g.NumRows));
        Assert.Equal(1000, r.NumRows);
        AssertColumnsEqual(data, r);
    }

    [Fact]
    public void Dictionary_encoded_strings_survive_a_round_trip()
    {
        var path = Path.Combine(_dir, "dict.parquet");
        var data = AllTypesData(500);
        using (var w = ParquetWriter.Create(path, AllTypes(), new ParquetWriterOptions { DictionaryStrings = true, RowGroupSize = 200 }))
        {
            w.WriteBatch(data);
        }

        using var r = ParquetReader.Open(path);
        Assert.Contains("RLE_DICTIONARY", r.RowGroups[0].Columns[5].Encodings);
        AssertColumnsEqual(data, r);
    }

    [Fact]
    public void A_dictionary_with_one_entry_round_trips()
    {
        var ms = new MemoryStream();
        var schema = new ParquetSchema(ParquetColumn.String("s", required: false));
        using (var w = ParquetWriter.Create(ms, schema, new ParquetWriterOptions { DictionaryStrings = true }, leaveOpen: true))
        {
            w.WriteBatch(new[] { "same", null, "same", "same" });
        }

        ms.Position = 0;
        using var r = ParquetReader.Open(ms);
        Assert.Equal(new string?[] { "same", null, "same", "same" }, r.ReadColumn<string?>("s"));
    }

    [Fact]
    public void Batches_are_split_into_row_groups_of_the_configured_size()
    {
        var ms = new MemoryStream();
        var schema = new ParquetSchema(ParquetColumn.Int64("x"));
        using (var w = ParquetWriter.Create(ms, schema, new ParquetWriterOptions { RowGroupSize = 4 }, leaveOpen: true))
        {
            w.WriteBatch(new long[] { 1, 2, 3 });
            w.WriteBatch(new long[] { 4, 5, 6 });
            Assert.Equal(1, w.RowGroupCount);
            w.WriteRowGroup(new long[] { 7 });
        }

        ms.Position = 0;
        using var r = ParquetReader.Open(ms);
        Assert.Equal([4L, 2, 1], r.RowGroups.Select(g => g.NumRows));
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], r.ReadColumn<long>("x"));
        Assert.Equal([5L, 6], r.ReadColumn("x", 1).Cast<long>());
    }

    [Fact]
    public void Statistics_hold_min_max_and_null_count()
    {
        var ms = new MemoryStream();
        var schema = new ParquetSchema(ParquetColumn.Int32("i", required: false), ParquetColumn.String("s"));
        using (var w = ParquetWriter.Create(ms, schema, leaveOpen: true))
        {
            w.WriteBatch(new int?[] { 5, null, -3, 9, null }, new[] { "b", "a", "c", "ab", "b" });
        }

        ms.Position = 0;
        using var r = ParquetReader.Open(ms);
        var si = r.RowGroups[0].Columns[0].Statistics!;
        Assert.Equal(2, si.NullCount);
        Assert.Equal(-3, BitConverter.ToInt32(si.Min!));
        Assert.Equal(9, BitConverter.ToInt32(si.Max!));
        var ss = r.RowGroups[0].Columns[1].Statistics!;
        Assert.Equal("a"u8.ToArray(), ss.Min);
        Assert.Equal("c"u8.ToArray(), ss.Max);
    }

    [Fact]
    public void An_empty_file_has_the_schema_and_no_rows()
    {
        var ms = new MemoryStream();
        using (ParquetWriter.Create(ms, AllTypes(), leaveOpen: true))
        {
        }

        ms.Position = 0;
        using var r = ParquetReader.Open(ms);
        Assert.Equal(AllTypes().Columns, r.Schema.Columns);
        Assert.Empty(r.RowGroups);
        Assert.Empty(r.ReadColumn("s"));
    }

    [Fact]
    public void Writing_null_into_a_required_column_is_rejected()
    {
        var ms = new MemoryStream();
        using var w = ParquetWriter.Create(ms, new ParquetSchema(ParquetColumn.String("s")), leaveOpen: true);
        Assert.Throws<ArgumentException>(() => w.WriteBatch(new string?[] { "a", null }));
    }

    [Fact]
    public void Optional_doubles_round_trip_for_any_values()
    {
        Prop.ForAll<double?[], bool>((values, snappy) =>
        {
            values ??= [];
            var ms = new MemoryStream();
            var schema = new ParquetSchema(ParquetColumn.Double("d", required: false));
            using (var w = ParquetWriter.Create(ms, schema, new ParquetWriterOptions { Compression = snappy ? ParquetCompression.Snappy : ParquetCompression.Uncompressed, RowGroupSize = 7 }, leaveOpen: true))
            {
                w.WriteBatch(values);
            }

            ms.Position = 0;
            using var r = ParquetReader.Open(ms);
            return r.ReadColumn<double?>("d").SequenceEqual(values);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Strings_round_trip_for_any_text()
    {
        Prop.ForAll<string?[]>(values =>
        {
            values ??= [];
            var clean = values.Select(v => v is null ? null : new string([.. v.Where(ch => !char.IsSurrogate(ch))])).ToArray();
            var ms = new MemoryStream();
            var schema = new ParquetSchema(ParquetColumn.String("s", required: false));
            using (var w = ParquetWriter.Create(ms, schema, new ParquetWriterOptions { DictionaryStrings = values.Length % 2 == 0 }, leaveOpen: true))
            {
                w.WriteBatch(clean);
            }

            ms.Position = 0;
            using var r = ParquetReader.Open(ms);
            return r.ReadColumn<string?>("s").SequenceEqual(clean);
        }).QuickCheckThrowOnFailure();
    }
}
