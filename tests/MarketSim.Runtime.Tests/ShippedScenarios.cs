namespace MarketSim.Runtime.Tests;

/// <summary>The scenario files shipped in the repository's scenarios/ folder.</summary>
internal static class ShippedScenarios
{
    /// <summary>The full path of scenarios/<paramref name="name"/>, found by walking up from the test binaries to MarketSim.sln.</summary>
    public static string Path(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "MarketSim.sln")))
        {
            dir = dir.Parent;
        }

        return System.IO.Path.Combine(dir?.FullName ?? throw new InvalidOperationException("MarketSim.sln not found"), "scenarios", name);
    }
}
