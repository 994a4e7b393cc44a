using MarketSim.Scoring.Rules;

namespace MarketSim.Simulation.Scenarios;

/// <summary>
/// The one place that lists every name a scenario file may use: world kinds, miner kinds, validator rule presets
/// (docs/scoring.md) and their component overrides, and what each preset uses by default.
/// </summary>
public static class ScenarioVocabulary
{
    /// <summary>World kinds available now.</summary>
    public static IReadOnlyList<string> WorldKinds { get; } = ["parity", "polymarket"];

    /// <summary>World kinds the schema reserves for later releases (rejected with "not available yet").</summary>
    public static IReadOnlyList<string> ReservedWorldKinds { get; } = [];

    /// <summary>Miner kinds (docs/parity.md), plus <c>faulty</c>: a test miner that sends invalid answers (docs/scenarios.md).</summary>
    public static IReadOnlyList<string> MinerKinds { get; } = ["oracle", "constant", "ar-depth", "random-chains", "diffusion", "faulty", "market-follower", "base-rate", "text-baseline", "llm"];

    /// <summary>Miner kinds of the parity world.</summary>
    public static IReadOnlyList<string> ParityMinerKinds { get; } = ["oracle", "constant", "ar-depth", "random-chains", "diffusion", "faulty", "market-follower"];

    /// <summary>Miner kinds of the Polymarket replay.</summary>
    public static IReadOnlyList<string> PolymarketMinerKinds { get; } = ["constant", "market-follower", "base-rate", "text-baseline", "llm"];

    /// <summary>Validator rule presets (docs/scoring.md): MarketSim.Scoring's preset table, the only one.</summary>
    public static IReadOnlyList<string> RulePresets => RulePreset.Names;

    /// <summary>The default rule preset.</summary>
    public const string DefaultRule = RulePreset.DefaultName;

    /// <summary>Interval weight schemes (scoring.md §6.1, §7.5), as MarketSim.Scoring names them.</summary>
    public static IReadOnlyList<string> IntervalWeights { get; } = [.. Enum.GetValues<IntervalWeighting>().Select(MarketSim.Scoring.Rules.IntervalWeights.Name)];

    /// <summary>Imputation of unresponsive cells (scoring.md §7.2), as MarketSim.Scoring names them.</summary>
    public static IReadOnlyList<string> Imputations { get; } = [.. Enum.GetValues<Imputation>().Select(PeerScoring.Name)];

    /// <summary>Moving averages across events (scoring.md §8), as MarketSim.Scoring names them.</summary>
    public static IReadOnlyList<string> MovingAverageKinds { get; } = [.. Enum.GetValues<MovingAverageKind>().Select(MetagraphAggregator.Name)];

    /// <summary>Journal back ends.</summary>
    public static IReadOnlyList<string> JournalKinds { get; } = ["sqlite", "postgres"];

    /// <summary>The family of a preset: which component overrides apply to it.</summary>
    public static RuleFamily FamilyOf(string rule) => RulePreset.Parse(rule) switch
    {
        { IsLegacy: true } => RuleFamily.Legacy,
        { IsPeer: true } => RuleFamily.Peer,
        _ => RuleFamily.Sequential,
    };

    /// <summary>The validator a preset gives when the scenario overrides none of its components (from MarketSim.Scoring's table).</summary>
    public static ValidatorSettings DefaultsOf(string name, string rule)
    {
        var r = RulePreset.Parse(rule);
        return FamilyOf(rule) switch
        {
            RuleFamily.Legacy => new LegacyValidator(name, rule, MarketSim.Scoring.Rules.IntervalWeights.Name(r.IntervalWeights), r.K, r.Offset),
            RuleFamily.Peer => new PeerValidator(name, rule, MarketSim.Scoring.Rules.IntervalWeights.Name(r.IntervalWeights), PeerScoring.Name(r.Imputation), new MovingAverageSettings(MetagraphAggregator.Name(r.MovingAverage), r.WindowEvents)),
            _ => new SequentialValidator(name, rule),
        };
    }
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

