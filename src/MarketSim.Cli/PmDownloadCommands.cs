using System.CommandLine;

namespace MarketSim.Cli;

/// <summary><c>pm download-gamma</c>, <c>pm build-gamma</c>, <c>pm download-clob-history</c>.</summary>
public static class PmDownloadCommands
{
    public static void AddTo(Command pm, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(pm);
        _ = (stdout, stderr);
    }
}
