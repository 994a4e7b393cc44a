using BenchmarkDotNet.Attributes;
using MarketSim.Parquet;

namespace MarketSim.Benchmarks;

/// <summary>
/// Parquet write and read of one required DOUBLE column of <see cref="Count"/> values (in memory, one core),
/// uncompressed and Snappy. Times are per value (OperationsPerInvoke = Count), so 1e9 / mean-ns = values per second.
/// Run: <c>dotnet run -c Release --project bench/MarketSim.Benchmarks -- --filter '*Parquet*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class ParquetBenchmarks
{
    private const int Count = 10_000_000;
    private static readonly ParquetSchema Schema = new(ParquetColumn.Double("x"));
    private double[] _values = null!;
    private byte[] _file = null!;
    private MemoryStream _sink = null!;

    [Params(ParquetCompression.Uncompressed, ParquetCompression.Snappy)]
    public ParquetCompression Compression { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(7);
        _values = new double[Count];
        for (int i = 0; i < Count; i++)
        {
            _values[i] = Math.Round(100 + (rnd.NextDouble() * 10), 2);
        }

        _sink = new MemoryStream(Count * 9);
        Write();
        _file = _sink.ToArray();
    }

    [Benchmark(OperationsPerInvoke = Count, Description = "write 10M doubles")]
    public long Write()
    {
        _sink.SetLength(0);
        using (var w = ParquetWriter.Create(_sink, Schema, new ParquetWriterOptions { Compression = Compression }, leaveOpen: true))
        {
            w.WriteBatch(_values);
        }

        return _sink.Length;
    }

    [Benchmark(OperationsPerInvoke = Count, Description = "read 10M doubles")]
    public int Read()
    {
        using var r = ParquetReader.Open(new MemoryStream(_file, writable: false));
        return r.ReadColumn<double>("x").Length;
    }
}
