namespace MarketSim.Scenarios.Tests;

/// <summary>Temporary scenario files and the repository's scenarios/ folder.</summary>
internal sealed class ScenarioTestFiles : IDisposable
{
    public ScenarioTestFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "marketsim-scenario-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string Write(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, text.ReplaceLineEndings("\n"));
        return path;
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MarketSim.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("MarketSim.sln not found above " + AppContext.BaseDirectory);
    }

    public static string ShippedScenario(string name) => Path.Combine(RepositoryRoot(), "scenarios", name);

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
