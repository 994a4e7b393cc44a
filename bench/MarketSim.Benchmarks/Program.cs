using BenchmarkDotNet.Running;

namespace MarketSim.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project bench/MarketSim.Benchmarks -- --filter '*'</c>
/// (any BenchmarkDotNet switch works: --filter, --job short, --list flat).
/// </summary>
public static class Program
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
