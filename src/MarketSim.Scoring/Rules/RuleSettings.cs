namespace MarketSim.Scoring.Rules;

/// <summary>Per-event score family of a preset.</summary>
public enum ScoreFamily
{
    /// <summary>Time-weighted S, then exp(K·s') for s' &gt; 0 and L1 (brier-legacy-v1).</summary>
    LegacyBrierV1,

    /// <summary>Time-weighted S, then softmax with K (brier-legacy-v2).</summary>
    LegacyBrierV2,

    /// <summary>Peer log score (peer-*).</summary>
    Peer,

    /// <summary>§9.1 shared-quadratic.</summary>
    SharedQuadratic,

    /// <summary>§9.2 market-relative.</summary>
    MarketRelative,
}

/// <summary>
/// A validator's complete rule configuration (scoring.md §3). Built from a preset with <see cref="RulePreset.Parse"/>
/// and adjusted component by component with <see cref="With(string, string)"/>. Components that do not apply to the
/// family (e.g. K for a peer preset) are carried but unused.
/// </summary>
public sealed record RuleSettings(
    string Preset,
    ScoreFamily Family,
    IntervalWeighting IntervalWeights,
    Imputation Imputation,
    MovingAverageKind MovingAverage,
    int WindowEvents,
    double K,
    double Offset)
{
    /// <summary>Clip bounds applied to the running mean before scoring.</summary>
    public (double Low, double High) Clip => Family == ScoreFamily.Peer ? (PeerScoring.ClipLow, PeerScoring.ClipHigh) : (0.0, 1.0);

    /// <summary>True for the grid-based peer presets.</summary>
    public bool IsPeer => Family == ScoreFamily.Peer;

    /// <summary>True for the legacy Brier presets.</summary>
    public bool IsLegacy => Family is ScoreFamily.LegacyBrierV1 or ScoreFamily.LegacyBrierV2;

    /// <summary>Component names accepted by <see cref="With(string, string)"/>.</summary>
    public static IReadOnlyList<string> Components { get; } = ["interval-weights", "imputation", "moving-average", "window", "k", "offset"];

    /// <summary>
    /// Overrides one component by name: <c>interval-weights</c> (rema-exp | rema-first2 | power2), <c>imputation</c>
    /// (worst-clip | third-toward-worst), <c>moving-average</c> (fixed-window | class-balanced), <c>window</c>
    /// (N ≥ 0, previous events), <c>k</c> (finite, &gt; 0), <c>offset</c> (finite, in [0, 1)). Errors name the component
    /// and the bad value.
    /// </summary>
    public RuleSettings With(string component, string value)
    {
        try
        {
            return component switch
            {
                "interval-weights" => this with { IntervalWeights = Rules.IntervalWeights.Parse(value) },
                "imputation" => this with { Imputation = PeerScoring.ParseImputation(value) },
                "moving-average" => this with { MovingAverage = MetagraphAggregator.ParseKind(value) },
                "window" => this with { WindowEvents = ParseWindow(value) },
                "k" => this with { K = ParsePositive(value) },
                "offset" => this with { Offset = ParseOffset(value) },
                _ => throw new ArgumentException($"unknown rule component '{component}' (expected one of {string.Join(", ", Components)})", nameof(component)),
            };
        }
        catch (ArgumentException ex) when (ex.ParamName != nameof(component))
        {
            throw new ArgumentException($"rule component '{component}' of preset '{Preset}': {ex.Message.Split(" (Parameter")[0]}", nameof(value), ex);
        }
    }

    /// <summary>Applies several overrides in order.</summary>
    public RuleSettings With(IEnumerable<KeyValuePair<string, string>> overrides)
    {
        var s = this;
        foreach (var (k, v) in overrides)
        {
            s = s.With(k, v);
        }

        return s;
    }

    private static int ParseWindow(string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int n) && n >= 0
            ? n
            : throw new ArgumentException($"window '{value}' is not a non-negative integer", nameof(value));

    private static double ParsePositive(string value) =>
        double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double k) && double.IsFinite(k) && k > 0
            ? k
            : throw new ArgumentException($"k '{value}' is not a finite positive number", nameof(value));

    private static double ParseOffset(string value) =>
        double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double o) && o >= 0 && o < 1
            ? o
            : throw new ArgumentException($"offset '{value}' is not a number in [0, 1)", nameof(value));
}

/// <summary>The named presets of scoring.md §3.</summary>
public static class RulePreset
{
    /// <summary>The current rule, used when a validator names none.</summary>
    public const string DefaultName = "peer-1.5.5";

    /// <summary>All preset names.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["brier-legacy-v1", "brier-legacy-v2", "peer-1.3.9", "peer-1.4.3", "peer-1.4.4", "peer-1.5.5", "shared-quadratic", "market-relative"];

    /// <summary>The default preset (peer-1.5.5).</summary>
    public static RuleSettings Default => Parse(DefaultName);

    /// <summary>Settings of a preset by name; unknown names throw, listing the known ones.</summary>
    public static RuleSettings Parse(string name) => name switch
    {
        "brier-legacy-v1" => new(name, ScoreFamily.LegacyBrierV1, IntervalWeighting.RemaExp, Imputation.WorstClip, MovingAverageKind.FixedWindow, 0, 30, 0),
        "brier-legacy-v2" => new(name, ScoreFamily.LegacyBrierV2, IntervalWeighting.RemaExp, Imputation.WorstClip, MovingAverageKind.FixedWindow, 0, 5, 0),
        "peer-1.3.9" => new(name, ScoreFamily.Peer, IntervalWeighting.RemaExp, Imputation.WorstClip, MovingAverageKind.FixedWindow, 99, 0, 0),
        "peer-1.4.3" => new(name, ScoreFamily.Peer, IntervalWeighting.RemaExp, Imputation.ThirdTowardWorst, MovingAverageKind.FixedWindow, 149, 0, 0),
        "peer-1.4.4" => new(name, ScoreFamily.Peer, IntervalWeighting.RemaFirst2, Imputation.ThirdTowardWorst, MovingAverageKind.FixedWindow, 149, 0, 0),
        "peer-1.5.5" => new(name, ScoreFamily.Peer, IntervalWeighting.Power2, Imputation.ThirdTowardWorst, MovingAverageKind.ClassBalanced, 149, 0, 0),
        "shared-quadratic" => new(name, ScoreFamily.SharedQuadratic, IntervalWeighting.Power2, Imputation.WorstClip, MovingAverageKind.FixedWindow, 0, 0, 0),
        "market-relative" => new(name, ScoreFamily.MarketRelative, IntervalWeighting.Power2, Imputation.WorstClip, MovingAverageKind.FixedWindow, 0, 0, 0),
        _ => throw new ArgumentException($"unknown rule preset '{name}' (expected one of {string.Join(", ", Names)})", nameof(name)),
    };
}
