using MarketSim.Runtime;
using MarketSim.Scenarios;

namespace MarketSim.Journal.Tests.Run;

/// <summary>A temporary output folder and small runs of the shipped scenarios.</summary>
internal sealed class RunTestSupport : IDisposable
{
    public RunTestSupport()
    {
        Directory = Path.Combine(Path.GetTempPath(), "marketsim-run-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public static string Shipped(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MarketSim.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("MarketSim.sln not found"), "scenarios", name);
    }

    /// <summary>Prepares and plays a shipped scenario with overrides into its own sub-folder.</summary>
    public RunOutcome Run(string scenario, string[] overrides, long? seed = null, RunOptions? options = null, string? subFolder = null)
    {
        var outDir = Path.Combine(Directory, subFolder ?? Guid.NewGuid().ToString("N"));
        var prepared = RunPreparation.Prepare(Shipped(scenario), overrides, seed, outDir, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return ScenarioRunner.Run(prepared, options);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
