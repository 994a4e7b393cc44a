namespace MarketSim.Scoring.Metrics;

// CONTRACT FILE (placeholder bodies): the metrics surface other modules compile against
// (shared/spec/parity.md §4). The scoring work replaces every body; signatures may grow, not break.

/// <summary>One forecaster's metrics row (parity.md §4 columns).</summary>
public sealed record ForecastMetrics(string Name, double Brier, double LogLoss, double Sce, double Ece, double ArbProfit, int NEval);

/// <summary>Proper scores, calibration and arbitrage over evaluation rows. q = forecast, y = outcome (0/1), f = truth.</summary>
public static class Calibration
{
    public const int DefaultBins = 20;

    /// <summary>mean (q − y)².</summary>
    public static double Brier(ReadOnlySpan<double> q, ReadOnlySpan<byte> y) => throw new NotImplementedException();

    /// <summary>mean −[y ln q̃ + (1 − y) ln(1 − q̃)], q̃ = clip(q, 1e−6, 1 − 1e−6).</summary>
    public static double LogLoss(ReadOnlySpan<double> q, ReadOnlySpan<byte> y) => throw new NotImplementedException();

    /// <summary>mean (q − f)².</summary>
    public static double Sce(ReadOnlySpan<double> q, ReadOnlySpan<double> f) => throw new NotImplementedException();

    /// <summary>Σ_b (n_b/n)·|ȳ_b − q̄_b| over non-empty equal-width right-closed bins.</summary>
    public static double Ece(ReadOnlySpan<double> q, ReadOnlySpan<byte> y, int bins = DefaultBins) => throw new NotImplementedException();

    /// <summary>Bin of q under the ECE rule: (e_b, e_{b+1}], q ≤ 0 → 0, q > 1 → bins − 1.</summary>
    public static int BinIndex(double q, int bins = DefaultBins) => throw new NotImplementedException();

    /// <summary>B · mean (|f − q| − c)_+.</summary>
    public static double ArbProfit(ReadOnlySpan<double> q, ReadOnlySpan<double> f, double budget = 1.0, double cost = 0.0) => throw new NotImplementedException();

    /// <summary>All columns at once.</summary>
    public static ForecastMetrics Evaluate(string name, ReadOnlySpan<double> q, ReadOnlySpan<byte> y, ReadOnlySpan<double> f, int bins = DefaultBins, double cost = 0.0, double budget = 1.0) => throw new NotImplementedException();
}

/// <summary>Group calibration over subcubes G_{J,a} (parity.md §4 "Subcubes").</summary>
public static class GroupCalibration
{
    /// <summary>Cell key of row z (±1 entries) for conditioning set J (ascending): Σ_t [z_{J[t]} = +1]·2^t.</summary>
    public static int CellKey(ReadOnlySpan<sbyte> z, ReadOnlySpan<int> j) => throw new NotImplementedException();

    /// <summary>
    /// max over the 2^|J| cells of |mean of values over the rows in the cell| (empty cells count 0),
    /// with the argmax cell key. <paramref name="rows"/> is row-major, <paramref name="d"/> entries per row.
    /// </summary>
    public static (double Worst, int ArgmaxKey) WorstCell(ReadOnlySpan<sbyte> rows, int d, ReadOnlySpan<double> values, ReadOnlySpan<int> j) => throw new NotImplementedException();
}
