namespace MarketSim.Cli.Tests;

/// <summary>Runs the CLI in process and captures what it prints.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Err);

internal static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    /// <summary>The repository root (holds MarketSim.sln), found by walking up from the test binaries.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "MarketSim.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("MarketSim.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
