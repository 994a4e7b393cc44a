using MarketSim.Polymarket.Dataset;

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
}
