using System.Diagnostics;
using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using Parquet;
using Parquet.Schema;

namespace MarketSim.Benchmarks;

/// <summary>
/// Parquet.Net write and read of one required DOUBLE column of <see cref="Count"/> values (in memory, one core, row
/// groups of 1 M rows, CompressionLevel.Optimal), uncompressed and Snappy. Times are per value (OperationsPerInvoke = Count), so 1e9 / mean-ns = values per second.
/// Run: <c>dotnet run -c Release --project bench/MarketSim.Benchmarks -- --filter '*Parquet*' --job short</c>.
/// Yardstick in the same run: the read case's setup saves the file it reads and runs
/// <c>scripts/duckdb-parquet-bench.mjs</c> on it (DuckDB, one thread, reading that file and writing the same values),
/// printing a "DuckDB ..." line into the log and writing
/// <c>BenchmarkDotNet.Artifacts/results/ParquetBenchmarks-duckdb-{codec}.json</c>; it needs
/// <c>MARKETSIM_DUCKDB_NODE_MODULES</c> (<c>scripts/duckdb-setup.sh</c>) or <c>.tools/duckdb</c>, else it says it skipped.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ParquetBenchmarks
{
    private const int Count = 10_000_000;
    private const int RowGroup = 1 << 20;
    private double[] _values = null!;
    private byte[] _file = null!;
    private MemoryStream _sink = null!;

    [Params(CompressionMethod.None, CompressionMethod.Snappy)]
    public CompressionMethod Compression { get; set; }

    [GlobalSetup(Target = nameof(Write))]
    public void SetupWrite() => Setup();

    [GlobalSetup(Target = nameof(Read))]
    public void SetupRead()
    {
        Setup();
        DuckDbYardstick();
    }

    private void Setup()
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
        var field = new DataField("x", typeof(double), false);
        var options = new ParquetOptions { CompressionMethod = Compression, CompressionLevel = CompressionLevel.Optimal };
        var w = ParquetWriter.CreateAsync(new ParquetSchema(field), _sink, options).GetAwaiter().GetResult();
        for (int at = 0; at < Count; at += RowGroup)
        {
            using var g = w.CreateRowGroup();
            g.WriteAsync<double>(field, _values.AsMemory(at, Math.Min(RowGroup, Count - at))).GetAwaiter().GetResult();
        }

        w.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return _sink.Length;
    }

    [Benchmark(OperationsPerInvoke = Count, Description = "read 10M doubles")]
    public int Read()
    {
        var r = ParquetReader.CreateAsync(new MemoryStream(_file, writable: false)).GetAwaiter().GetResult();
        var field = r.Schema.GetDataFields()[0];
        var all = new double[Count];
        int at = 0;
        foreach (var g in r.RowGroups)
        {
            int n = (int)g.RowCount;
            g.ReadAsync(field, all.AsMemory(at, n)).AsTask().GetAwaiter().GetResult();
            at += n;
        }

        r.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return at;
    }

    private void DuckDbYardstick()
    {
        string? root = FindRoot(AppContext.BaseDirectory) ?? FindRoot(Environment.CurrentDirectory);
        if (root is null)
        {
            Console.WriteLine("DuckDB yardstick skipped: repository root (MarketSim.sln) not found");
            return;
        }

        string modules = Environment.GetEnvironmentVariable("MARKETSIM_DUCKDB_NODE_MODULES") is { Length: > 0 } m ? m : Path.Combine(root, ".tools", "duckdb", "node_modules");
        if (!Directory.Exists(Path.Combine(modules, "@duckdb", "node-api")))
        {
            Console.WriteLine("DuckDB yardstick skipped: @duckdb/node-api not installed (export MARKETSIM_DUCKDB_NODE_MODULES=\"$(scripts/duckdb-setup.sh)\")");
            return;
        }

        string codec = Compression == CompressionMethod.Snappy ? "snappy" : "uncompressed";
        string results = Path.Combine(root, "BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(results);
        string file = Path.Combine(Path.GetTempPath(), $"marketsim-parquet-bench-{Environment.ProcessId}-{codec}.parquet");
        File.WriteAllBytes(file, _file);
        try
        {
            var psi = new ProcessStartInfo("node")
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in new[] { Path.Combine(root, "scripts", "duckdb-parquet-bench.mjs"), "--json", Path.Combine(results, $"ParquetBenchmarks-duckdb-{codec}.json"), $"{codec}={file}" })
            {
                psi.ArgumentList.Add(a);
            }

            psi.Environment["MARKETSIM_DUCKDB_NODE_MODULES"] = modules;
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Console.Write(output);
            if (p.ExitCode != 0)
            {
                Console.WriteLine($"DuckDB yardstick failed (exit {p.ExitCode}): {err.Result}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string? FindRoot(string start)
    {
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "MarketSim.sln")))
            {
                return d.FullName;
            }
        }

        return null;
    }
}
