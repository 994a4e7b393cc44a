using MarketSim.Hocon;

namespace MarketSim.Cli;

/// <summary>Turns <c>--set path=value</c> arguments into a Config; the last occurrence of a path wins.</summary>
public static class Overrides
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
            // The value is HOCON: numbers, durations, lists, objects and quoted strings all work.
            return ConfigFactory.ParseString($"{path} = {value}", origin);
        }
        catch (HoconParseException)
        {
            // Not a HOCON value (e.g. a connection string "Host=x;Port=5432"): take it literally.
            try
            {
                return ConfigFactory.ParseString($"{path} = {HoconText.Quote(value)}", origin);
            }
            catch (HoconParseException e)
            {
                throw new UsageException($"--set '{assignment}': {e.Message}");
            }
        }
    }
}
