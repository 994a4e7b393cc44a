using MarketSim.Hocon;

namespace MarketSim.TestKit;

/// <summary>The <c>akka.test.*</c> settings (defaults = the TestKit's reference.conf).</summary>
public sealed record TestKitSettings
{
    /// <summary>Defaults.</summary>
    public static TestKitSettings Default { get; } = new();

    /// <summary><c>akka.test.single-expect-default</c> (3 s).</summary>
    public TimeSpan SingleExpectDefault { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary><c>akka.test.default-timeout</c> (5 s).</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>akka.test.filter-leeway</c> (3 s).</summary>
    public TimeSpan FilterLeeway { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary><c>akka.test.timefactor</c> (1.0): every wait is multiplied by it.</summary>
    public double TimeFactor { get; init; } = 1.0;

    /// <summary>Read from a (merged) config; missing keys keep their defaults.</summary>
    public static TestKitSettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var d = Default;
        var factor = config.GetDouble("akka.test.timefactor", d.TimeFactor);
        if (factor <= 0)
        {
            throw new ArgumentException("akka.test.timefactor must be positive.");
        }
        return new TestKitSettings
        {
            SingleExpectDefault = config.GetTimeSpan("akka.test.single-expect-default", d.SingleExpectDefault, allowInfinite: false),
            DefaultTimeout = config.GetTimeSpan("akka.test.default-timeout", d.DefaultTimeout, allowInfinite: false),
            FilterLeeway = config.GetTimeSpan("akka.test.filter-leeway", d.FilterLeeway, allowInfinite: false),
            TimeFactor = factor,
        };
    }
}
