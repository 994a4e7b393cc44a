using MarketSim.Hocon;

namespace MarketSim.Cli;

/// <summary>Turns <c>--set path=value</c> arguments into a Config; the last occurrence of a path wins.</summary>
internal static class Overrides
{
    public static Config Parse(IReadOnlyList<string> assignments)
    {
        var result = Config.Empty;
        for (var i = 0; i < assignments.Count; i++)
        {
            // Earlier assignments are fallbacks of later ones.
            result = ParseOne(assignments[i], i + 1).WithFallback(result);
        }

        return result;
    }

    private static Config ParseOne(string assignment, int index)
    {
        var eq = assignment.IndexOf('=');
        if (eq <= 0)
        {
            throw new UsageException($"--set expects path=value, got '{assignment}'");
        }

        var path = assignment[..eq].Trim();
        var value = assignment[(eq + 1)..].Trim();
        var origin = $"--set #{index}";
        try
        {
            return ConfigFactory.ParseAssignment(path, value, origin);
        }
        catch (HoconParseException e)
        {
            throw new UsageException($"--set '{assignment}': {e.Message}");
        }
    }
}
