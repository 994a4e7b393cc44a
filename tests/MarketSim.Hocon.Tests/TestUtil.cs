using MarketSim.Hocon;

namespace MarketSim.Hocon.Tests;

internal static class H
{
    public static Config Parse(string hocon) => ConfigFactory.ParseString(hocon);

    /// <summary>Compact JSON of the resolved config.</summary>
    public static string Json(string hocon) => ConfigFactory.ParseString(hocon).ToJson(indented: false);

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    public static HoconParseException ParseError(string hocon, string? origin = null) =>
        Assert.Throws<HoconParseException>(() => ConfigFactory.ParseString(hocon, origin));
}
