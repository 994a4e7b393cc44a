using System.CommandLine;

namespace MarketSim.Cli;

/// <summary><c>pm import</c>, <c>pm build-criterion-prices</c>, <c>pm build-horizon-prices</c>, <c>pm eval</c>.</summary>
public static class PmDatasetCommands
{
    public static void AddTo(Command pm, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(pm);
        _ = (stdout, stderr);
    }
}
