namespace MarketSim.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        try
        {
            return CliApp.Run(args, Console.Out, Console.Error);
        }
        finally
        {
            MarketSim.Runtime.MarketSimSystem.ShutdownShared();
        }
    }
}
