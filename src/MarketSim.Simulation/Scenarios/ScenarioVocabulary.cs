namespace MarketSim.Simulation.Scenarios;

/// <summary>
/// The one place that lists every name a scenario file may use: world kinds, miner kinds, validator rule presets
/// (shared/spec/scoring.md §3) and their component overrides, and what each preset uses by default.
/// </summary>
public static class ScenarioVocabulary
{
    /// <summary>World kinds available now.</summary>
    public static IReadOnlyList<string> WorldKinds { get; } = ["parity", "polymarket"];

    /// <summary>World kinds the schema reserves for later releases (rejected with "not available yet").</summary>
    public static IReadOnlyList<string> ReservedWorldKinds { get; } = [];

    /// <summary>Miner kinds (shared/spec/parity.md §3), plus <c>faulty</c>: a test miner that sends invalid answers (docs/scenarios.md).</summary>
    public static IReadOnlyList<string> MinerKinds { get; } = ["oracle", "constant", "ar-depth", "random-chains", "diffusion", "faulty", "market-follower", "base-rate", "text-baseline", "llm"];

    /// <summary>Miner kinds of the parity world.</summary>
    public static IReadOnlyList<string> ParityMinerKinds { get; } = ["oracle", "constant", "ar-depth", "random-chains", "diffusion", "faulty", "market-follower"];

    /// <summary>Miner kinds of the Polymarket replay.</summary>
    public static IReadOnlyList<string> PolymarketMinerKinds { get; } = ["constant", "market-follower", "base-rate", "text-baseline", "llm"];

    /// <summary>Validator rule presets (shared/spec/scoring.md §3).</summary>
    public static IReadOnlyList<string> RulePresets { get; } =
    [
        "brier-legacy-v1", "brier-legacy-v2", "peer-1.3.9", "peer-1.4.3", "peer-1.4.4", "peer-1.5.5", "shared-quadratic", "market-relative",
    ];

    /// <summary>The default rule preset.</summary>
    public const string DefaultRule = "peer-1.5.5";

    /// <summary>Interval weight schemes (scoring.md §6.1, §7.5).</summary>
    public static IReadOnlyList<string> IntervalWeights { get; } = ["rema-exp", "rema-first2", "power2"];

    /// <summary>Imputation of unresponsive cells (scoring.md §7.2).</summary>
    public static IReadOnlyList<string> Imputations { get; } = ["worst-clip", "third-toward-worst"];

    /// <summary>Moving averages across events (scoring.md §8).</summary>
    public static IReadOnlyList<string> MovingAverageKinds { get; } = ["fixed-window", "class-balanced"];

    /// <summary>Journal back ends.</summary>
    public static IReadOnlyList<string> JournalKinds { get; } = ["sqlite", "postgres"];

    /// <summary>The family of a preset: which component overrides apply to it.</summary>
    public static RuleFamily FamilyOf(string rule) => rule switch
    {
        "brier-legacy-v1" or "brier-legacy-v2" => RuleFamily.Legacy,
        "shared-quadratic" or "market-relative" => RuleFamily.Sequential,
        _ when rule.StartsWith("peer-", StringComparison.Ordinal) => RuleFamily.Peer,
        _ => throw new ArgumentException($"unknown rule preset '{rule}'", nameof(rule)),
    };

    /// <summary>The components a preset uses when the scenario does not override them.</summary>
    public static PresetDefaults DefaultsOf(string rule) => rule switch
    {
        "brier-legacy-v1" => new PresetDefaults("rema-exp", null, null, 30, 0),
        "brier-legacy-v2" => new PresetDefaults("rema-exp", null, null, 5, 0),
        "peer-1.3.9" => new PresetDefaults("rema-exp", "worst-clip", new MovingAverageSettings("fixed-window", 99), null, null),
        "peer-1.4.3" => new PresetDefaults("rema-exp", "third-toward-worst", new MovingAverageSettings("fixed-window", 149), null, null),
        "peer-1.4.4" => new PresetDefaults("rema-first2", "third-toward-worst", new MovingAverageSettings("fixed-window", 149), null, null),
        "peer-1.5.5" => new PresetDefaults("power2", "third-toward-worst", new MovingAverageSettings("class-balanced", 149), null, null),
        "shared-quadratic" or "market-relative" => new PresetDefaults(null, null, null, null, null),
        _ => throw new ArgumentException($"unknown rule preset '{rule}'", nameof(rule)),
    };
}

/// <summary>Which component overrides a preset accepts.</summary>
public enum RuleFamily
{
    /// <summary><c>brier-legacy-*</c>: interval-weights, k, offset.</summary>
    Legacy,

    /// <summary><c>peer-*</c>: interval-weights, imputation, moving-average.</summary>
    Peer,

    /// <summary><c>shared-quadratic</c>, <c>market-relative</c>: no grid, no overrides.</summary>
    Sequential,
}

/// <summary>A preset's own components (null where the component does not apply to it).</summary>
public sealed record PresetDefaults(string? IntervalWeights, string? Imputation, MovingAverageSettings? MovingAverage, double? K, double? Offset);
