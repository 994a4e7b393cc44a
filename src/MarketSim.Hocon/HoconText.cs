namespace MarketSim.Hocon;

/// <summary>Helpers for writing HOCON text by hand (e.g. turning a command-line value into a literal).</summary>
public static class HoconText
{
    /// <summary>A quoted HOCON (and JSON) string literal for <paramref name="value"/>, with every escape needed.</summary>
    public static string Quote(string value) => Renderer.Quote(value);
}
