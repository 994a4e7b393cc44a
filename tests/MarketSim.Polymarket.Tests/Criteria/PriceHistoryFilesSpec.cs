using MarketSim.Polymarket.Criteria;
using MarketSim.Polymarket.Dataset;

namespace MarketSim.Polymarket.Tests.Criteria;

public sealed class PriceHistoryFilesSpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-prices").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Written_histories_are_sorted_without_duplicate_t_and_read_back_exactly()
    {
        var path = PriceHistoryFiles.Write(_dir, "123", [new(30, 0.3), new(10, 0.1), new(20, 0.2), new(10, 0.15), new(40, 1.0 / 3)]);
        Assert.Equal(Path.Combine(_dir, "123.csv"), path);
        Assert.StartsWith("t,p\n10,0.1\n20,0.2\n30,0.3\n", File.ReadAllText(path));
        Assert.Equal([new PricePoint(10, 0.1), new(20, 0.2), new(30, 0.3), new(40, 1.0 / 3)], PriceHistoryFiles.TryRead(_dir, "123"));
        Assert.Null(PriceHistoryFiles.TryRead(_dir, "456"));
    }

    [Fact]
    public void A_malformed_line_names_the_file_and_line()
    {
        var path = Path.Combine(_dir, "9.csv");
        File.WriteAllText(path, "t,p\n1,0.5\n2,abc\n");
        var e = Assert.Throws<InvalidDataException>(() => PriceHistoryFiles.Read(path));
        Assert.Contains($"{path}:3:", e.Message);
        File.WriteAllText(path, "t,p\n2,0.5\n1,0.4\n");
        Assert.Contains($"{path}:3:", Assert.Throws<InvalidDataException>(() => PriceHistoryFiles.Read(path)).Message);
        File.WriteAllText(path, "time,price\n");
        Assert.Contains($"{path}:1:", Assert.Throws<InvalidDataException>(() => PriceHistoryFiles.Read(path)).Message);
    }

    [Fact]
    public void Token_ids_must_be_decimal_strings()
    {
        Assert.Throws<ArgumentException>(() => PriceHistoryFiles.PathOf(_dir, "../x"));
    }
}
