using System.CommandLine;

namespace MarketSim.Cli;

/// <summary><c>marketsim pm ...</c>: Polymarket datasets (docs/polymarket.md).</summary>
internal static class PolymarketCommands
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var pm = new Command("pm", "Polymarket datasets: import the shared sources, download from Gamma/CLOB, build market prices by criterion, evaluate forecasts (docs/polymarket.md)");
        PmDatasetCommands.AddTo(pm, stdout, stderr);
        PmDownloadCommands.AddTo(pm, stdout, stderr);
        return pm;
    }
}
