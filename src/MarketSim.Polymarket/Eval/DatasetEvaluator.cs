using System.Globalization;
using MarketSim.Polymarket.Dataset;
using MarketSim.Polymarket.Import;
using MarketSim.Scoring.Metrics;

namespace MarketSim.Polymarket.Eval;

/// <summary>One reliability bin (20 right-closed bins as in ECE): count, mean forecast, observed frequency.</summary>
public sealed record ReliabilityBin(double Lo, double Hi, int Count, double MeanForecast, double ObservedFrequency);

/// <summary>Scores of one forecaster on a set of rows.</summary>
public sealed record ScoreSummary(int N, double Brier, double LogLoss, double Ece);

/// <summary>PnL and Kelly bankroll against the market (spec §5).</summary>
public sealed record TradingSummary(int N, double MeanPnl, double KellyFinalBankroll, double KellyRoi);

/// <summary>One forecaster's evaluation: overall, reliability, by category, by horizon, trading against the market.</summary>
public sealed record ForecasterReport(
    string Forecaster,
    ScoreSummary Overall,
    IReadOnlyList<ReliabilityBin> Reliability,
    IReadOnlyDictionary<string, ScoreSummary> ByCategory,
    IReadOnlyDictionary<string, ScoreSummary> ByHorizon,
    TradingSummary? VsMarket);

/// <summary>A forecast of YES for one market.</summary>
public sealed record Prediction(string Key, double Prob, string Forecaster);

/// <summary><c>pm eval</c>: the market baseline (market_prob) and each forecaster, on the rows each one covers.</summary>
public static class DatasetEvaluator
{
    internal const string MarketName = "market";
    internal static readonly string[] HorizonBuckets = ["0-1d", "1-7d", "7-30d", ">30d", "unknown"];

    /// <summary>Horizon bucket of a row: days between market_prob_target_ts and close (market_event_ts, else closedTime/endDate).</summary>
    public static string HorizonBucket(MarketRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Price is not { } p)
        {
            return "unknown";
        }

        var close = p.EventTs != 0 ? p.EventTs : (row.ClosedTime ?? row.EndDate)?.ToUnixTimeSeconds();
        if (close is not { } c || p.TargetTs == 0)
        {
            return "unknown";
        }

        var days = (c - p.TargetTs) / 86_400.0;
        return days <= 1 ? "0-1d" : days <= 7 ? "1-7d" : days <= 30 ? "7-30d" : ">30d";
    }

    internal static ScoreSummary Score(IReadOnlyList<double> q, IReadOnlyList<int> y)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(y);
        var qa = q.ToArray();
        var ya = y.Select(v => (byte)v).ToArray();
        return new ScoreSummary(qa.Length, Calibration.Brier(qa, ya), Calibration.LogLoss(qa, ya), Calibration.Ece(qa, ya));
    }

    internal static IReadOnlyList<ReliabilityBin> Reliability(IReadOnlyList<double> q, IReadOnlyList<int> y, int bins = Calibration.DefaultBins)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(y);
        var count = new int[bins];
        var sq = new double[bins];
        var sy = new double[bins];
        for (var i = 0; i < q.Count; i++)
        {
            var b = Calibration.BinIndex(q[i], bins);
            count[b]++;
            sq[b] += q[i];
            sy[b] += y[i];
        }

        return [.. Enumerable.Range(0, bins).Where(b => count[b] > 0)
            .Select(b => new ReliabilityBin(Calibration.BinEdge(b, bins), Calibration.BinEdge(b + 1, bins), count[b], sq[b] / count[b], sy[b] / count[b]))];
    }

    /// <summary>
    /// Spec §5: pnl = b(y − q) − c|b| with b = B·sign(p − q), averaged; Kelly bankroll from 1 with f capped at 0.25,
    /// p and q clipped to [1e−9, 1 − 1e−9], a proportional fee c taken from the bankroll before the bet.
    /// </summary>
    public static TradingSummary Trade(IReadOnlyList<double> p, IReadOnlyList<double> q, IReadOnlyList<int> y, double budget = 1.0, double cost = 0.0)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(y);
        double pnl = 0, bank = 1;
        for (var i = 0; i < p.Count; i++)
        {
            var b = budget * Math.Sign(p[i] - q[i]);
            pnl += (b * (y[i] - q[i])) - (cost * Math.Abs(b));
            var pi = Math.Clamp(p[i], 1e-9, 1 - 1e-9);
            var qi = Math.Clamp(q[i], 1e-9, 1 - 1e-9);
            if (pi == qi)
            {
                continue;
            }

            var yes = pi > qi;
            var f = Math.Min(0.25, yes ? (pi - qi) / (1 - qi) : (qi - pi) / qi);
            var stake = f * bank;
            bank -= cost * stake;
            bank -= stake;
            var won = yes ? y[i] == 1 : y[i] == 0;
            if (won)
            {
                bank += stake * (yes ? 1 / qi : 1 / (1 - qi));
            }
        }

        return new TradingSummary(p.Count, p.Count == 0 ? double.NaN : pnl / p.Count, bank, bank - 1);
    }

    /// <summary>Evaluates the market baseline (rows with market_prob) and every forecaster in <paramref name="predictions"/>.</summary>
    public static IReadOnlyList<ForecasterReport> Evaluate(IReadOnlyList<MarketRow> rows, IReadOnlyList<Prediction>? predictions = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var reports = new List<ForecasterReport>();
        var market = rows.Where(r => r.Price is not null).Select(r => (Row: r, P: r.Price!.Prob)).ToList();
        reports.Add(Report(MarketName, market, withMarket: false));
        if (predictions is not null)
        {
            var byKey = new Dictionary<string, MarketRow>(StringComparer.Ordinal);
            foreach (var r in rows)
            {
                if (r.ConditionId.Length > 0)
                {
                    byKey.TryAdd(r.ConditionId.ToLowerInvariant(), r);
                }

                if (r.Id.Length > 0)
                {
                    byKey.TryAdd(r.Id, r);
                }
            }

            foreach (var g in predictions.GroupBy(p => p.Forecaster).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var matched = new List<(MarketRow Row, double P)>();
                foreach (var pr in g)
                {
                    var key = pr.Key.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? pr.Key.ToLowerInvariant() : pr.Key;
                    if (!byKey.TryGetValue(key, out var row))
                    {
                        throw new InvalidDataException($"forecaster '{g.Key}': prediction for '{pr.Key}' matches no row of the dataset");
                    }

                    matched.Add((row, pr.Prob));
                }

                reports.Add(Report(g.Key, matched, withMarket: true));
            }
        }

        return reports;
    }

    private static ForecasterReport Report(string name, List<(MarketRow Row, double P)> items, bool withMarket)
    {
        var q = items.Select(x => x.P).ToList();
        var y = items.Select(x => x.Row.Y).ToList();
        var byCategory = items.GroupBy(x => x.Row.Category ?? "(none)").OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Score([.. g.Select(x => x.P)], [.. g.Select(x => x.Row.Y)]));
        var byHorizon = items.GroupBy(x => HorizonBucket(x.Row)).OrderBy(g => System.Array.IndexOf(HorizonBuckets, g.Key))
            .ToDictionary(g => g.Key, g => Score([.. g.Select(x => x.P)], [.. g.Select(x => x.Row.Y)]));
        TradingSummary? trading = null;
        if (withMarket)
        {
            var both = items.Where(x => x.Row.Price is not null).ToList();
            trading = Trade([.. both.Select(x => x.P)], [.. both.Select(x => x.Row.Price!.Prob)], [.. both.Select(x => x.Row.Y)]);
        }

        return new ForecasterReport(name, Score(q, y), Reliability(q, y), byCategory, byHorizon, trading);
    }

    /// <summary>
    /// Reads predictions: CSV (header with <c>conditionId</c> or <c>id</c>, <c>pred_prob</c>, optional <c>forecaster</c>)
    /// or Parquet with the same columns. A bad value throws naming <c>file:line</c>.
    /// </summary>
    public static IReadOnlyList<Prediction> ReadPredictions(string path, string defaultForecaster = "predictions")
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        var result = new List<Prediction>();
        if (path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
        {
            var r = Dataset.ParquetColumns.Open(path);
            var keyCol = r.Has("conditionId") ? "conditionId" : r.Has("id") ? "id" : throw new InvalidDataException($"{path}: needs a conditionId or id column");
            if (!r.Has("pred_prob"))
            {
                throw new InvalidDataException($"{path}: needs a pred_prob column");
            }

            var keys = r.Strings(keyCol);
            var probs = r.Doubles("pred_prob");
            var fc = r.Has("forecaster") ? r.Strings("forecaster") : new string?[keys.Length];
            for (var i = 0; i < keys.Length; i++)
            {
                result.Add(new Prediction(
                    keys[i] ?? throw new InvalidDataException($"{path}: row {i}: {keyCol} is null"),
                    Check(probs[i], $"{path}: row {i}"),
                    fc[i] ?? defaultForecaster));
            }

            return result;
        }

        using var reader = new StreamReader(path);
        string[]? header = null;
        foreach (var (line, f) in CsvRecords.Read(reader, path))
        {
            if (header is null)
            {
                header = f;
                continue;
            }

            var ki = System.Array.IndexOf(header, "conditionId") is >= 0 and var k ? k : System.Array.IndexOf(header, "id");
            var pi = System.Array.IndexOf(header, "pred_prob");
            if (ki < 0 || pi < 0)
            {
                throw new InvalidDataException($"{path}:1: header needs conditionId (or id) and pred_prob");
            }

            if (f.Length != header.Length)
            {
                throw new InvalidDataException($"{path}:{line}: expected {header.Length} fields, found {f.Length}");
            }

            var fi = System.Array.IndexOf(header, "forecaster");
            double? p = double.TryParse(f[pi], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
            result.Add(new Prediction(f[ki], Check(p, $"{path}:{line}"), fi >= 0 && f[fi].Length > 0 ? f[fi] : defaultForecaster));
        }

        return header is null ? throw new InvalidDataException($"{path}:1: empty file, expected a header") : result;
    }

    private static double Check(double? p, string where) =>
        p is { } v && v >= 0 && v <= 1 ? v : throw new InvalidDataException($"{where}: pred_prob is not a probability in [0, 1]");

    /// <summary>brier.fyi and shared-file anchors (spec §6), printed beside the market baseline.</summary>
    public static readonly (string What, double Brier)[] Anchors =
    [
        ("brier.fyi: one month before close (n = 76,941)", 0.09),
        ("brier.fyi: median Brier at market midpoint (n = 443,535)", 0.0225),
        ("Dune dashboard (weak anchor)", 0.056),
        ("shared files: safechoices 1-day favourite price", 0.092),
        ("shared files: outcomes.csv YES price (4,504 markets)", 0.082),
    ];

    /// <summary>A metric as printed in the report: 4 decimals, invariant culture, <c>NaN</c> as is.</summary>
    public static string Format(double v) => double.IsNaN(v) ? "NaN" : v.ToString("F4", CultureInfo.InvariantCulture);
}
