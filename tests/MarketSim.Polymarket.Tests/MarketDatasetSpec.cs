using MarketSim.Polymarket.Dataset;
using MarketSim.Polymarket.Eval;
using Parquet;
using Parquet.Schema;

namespace MarketSim.Polymarket.Tests;

public sealed class MarketDatasetSpec : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "marketsim-pm-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void A_dataset_round_trips_through_Parquet_with_nulls_and_prices()
    {
        var t = new DateTimeOffset(2024, 12, 22, 5, 8, 16, 423, TimeSpan.Zero);
        var rows = new[]
        {
            new MarketRow("516211", "0x" + new string('a', 64), "Will it?", "Rules ✓", "will-it", "Politics", 1, "123", "456", t, t.AddDays(3), t.AddDays(4), null, 1e6, 0.999,
                new MarketPrice("midpoint", 1, 20, 10, 10, 20, 0.7), "outcomes.csv"),
            new MarketRow(string.Empty, "0x" + new string('b', 64), "Or not?", null, null, null, 0, null, null, null, null, null, null, null, null, null, "events_chunk_0.json"),
        };
        var path = Path.Combine(_dir, "d.parquet");

        MarketDataset.Write(path, rows);

        Assert.Equal(rows, MarketDataset.Read(path));
    }

    [Fact]
    public void A_failed_write_leaves_neither_the_file_nor_a_temporary_file()
    {
        var path = Path.Combine(_dir, "d.parquet");
        Directory.CreateDirectory(path); // the target is a folder: the final rename fails
        Assert.ThrowsAny<IOException>(() => MarketDataset.Write(path, [Row()]));
        Assert.Equal([path], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void A_file_that_is_not_Parquet_or_is_truncated_is_one_line_naming_the_file()
    {
        var path = Path.Combine(_dir, "d.parquet");
        MarketDataset.Write(path, [Row()]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^20]);
        AssertOneLine(Assert.Throws<InvalidDataException>(() => MarketDataset.Read(path)), path + ": not a readable Parquet file: ");
        File.WriteAllText(path, "id,conditionId\n1,2\n");
        AssertOneLine(Assert.Throws<InvalidDataException>(() => MarketDataset.Read(path)), path + ": not a readable Parquet file: ");
    }

    [Fact]
    public void A_file_with_a_wrong_schema_is_one_line_naming_the_file_and_the_column()
    {
        var path = Path.Combine(_dir, "d.parquet");
        var id = new DataField("id", typeof(string), false);
        ParquetColumns.Write(path, [(id, new string?[] { "1" })], CompressionMethod.Snappy);
        AssertOneLine(Assert.Throws<InvalidDataException>(() => MarketDataset.Read(path)), path + ": no column conditionId");

        var fields = MarketDataset.Fields();
        var values = fields.Select(f => f.Name == "y" ? new string?[] { "yes" } : f.ClrType == typeof(string) || f.ClrType == typeof(ReadOnlyMemory<char>) ? new string?[] { "x" } : (Array)Array.CreateInstance(typeof(Nullable<>).MakeGenericType(f.ClrType), 1)).ToArray();
        fields[6] = new DataField("y", typeof(string), false);
        ParquetColumns.Write(path, [.. fields.Zip(values)], CompressionMethod.Snappy);
        AssertOneLine(Assert.Throws<InvalidDataException>(() => MarketDataset.Read(path)), path + ": column y is String, expected an INT32");
    }

    [Fact]
    public void A_predictions_file_with_a_wrong_column_type_is_one_line_naming_the_file()
    {
        var path = Path.Combine(_dir, "p.parquet");
        ParquetColumns.Write(path, [(new DataField("id", typeof(string), false), new string?[] { "1" }), (new DataField("pred_prob", typeof(string), false), new string?[] { "0.5" })], CompressionMethod.Snappy);
        AssertOneLine(Assert.Throws<InvalidDataException>(() => DatasetEvaluator.ReadPredictions(path)), path + ": column pred_prob is String, expected a DOUBLE");
    }

    [Fact]
    public void A_timestamp_past_the_year_9999_is_one_line_naming_the_file_and_the_column()
    {
        var path = Path.Combine(_dir, "d.parquet");
        var edge = new DateTimeOffset(DateTime.SpecifyKind(DateTime.MaxValue.AddTicks(-9), DateTimeKind.Utc));
        MarketDataset.Write(path, [Row() with { CreatedAt = edge }], CompressionMethod.None);
        var micros = (edge.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
        var bytes = File.ReadAllBytes(path);
        var pattern = BitConverter.GetBytes(micros);
        for (var at = bytes.AsSpan().IndexOf(pattern); at >= 0; at = bytes.AsSpan().IndexOf(pattern))
        {
            BitConverter.GetBytes(micros + 1_000_000_000_000L).CopyTo(bytes, at);
        }

        File.WriteAllBytes(path, bytes);
        AssertOneLine(Assert.Throws<InvalidDataException>(() => MarketDataset.Read(path)), path + ": column createdAt: a timestamp is outside the years 0001-9999");
    }

    private static MarketRow Row() =>
        new("1", "0x01", "Will it?", null, null, null, 1, null, null, new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), null, null, null, null, null, null, "spec");

    private static void AssertOneLine(Exception e, string start)
    {
        Assert.StartsWith(start, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }
}
