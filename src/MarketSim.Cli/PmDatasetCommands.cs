using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MarketSim.Polymarket.Criteria;
using MarketSim.Polymarket.Dataset;
using MarketSim.Polymarket.Eval;
using MarketSim.Polymarket.Import;

namespace MarketSim.Cli;

/// <summary><c>pm import</c>, <c>pm build-criterion-prices</c>, <c>pm build-horizon-prices</c>, <c>pm eval</c> (docs/polymarket.md).</summary>
internal static class PmDatasetCommands
{
    public static void AddTo(Command pm, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(pm);
        pm.Subcommands.Add(Import(stdout, stderr));
        pm.Subcommands.Add(BuildCriterion(stdout, stderr));
        pm.Subcommands.Add(BuildHorizon(stdout, stderr));
        pm.Subcommands.Add(Eval(stdout, stderr));
    }

    private static Command Import(TextWriter stdout, TextWriter stderr)
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Folder with the three sources (shared/data/polymarket)", Required = true };
        var output = new Option<string>("--out") { Description = "Dataset to write (Parquet)", Required = true };
        var allow = new Option<bool>("--allow-non-yes-no") { Description = "Keep binary markets with named outcomes (YES = outcome index 0)" };
        var minVolume = new Option<double>("--min-volume") { Description = "Drop rows whose known volume is below this (USD)", DefaultValueFactory = _ => 0 };
        var reportFile = new Option<string?>("--report") { Description = "Write the full report (ids per drop reason) as JSON" };
        var cmd = new Command("import", "Import the shared Polymarket sources into the yes/no dataset, reporting rows kept and dropped with reasons.\nExample: marketsim pm import --data-dir DATA_DIR --out pm.parquet --report pm-import.json (DATA_DIR holds the Polymarket source files, docs/polymarket.md)")
        { dataDir, output, allow, minVolume, reportFile };
        cmd.SetAction(parse => Guard(stderr, () =>
        {
            var dir = parse.GetValue(dataDir)!;
            if (!Directory.Exists(dir))
            {
                throw new UsageException($"{dir}: no such folder");
            }

            var (rows, report) = PolymarketImporter.Import(dir, new ImportOptions(parse.GetValue(allow), parse.GetValue(minVolume)));
            var outPath = parse.GetValue(output)!;
            MarketDataset.Write(outPath, rows);
            if (parse.GetValue(reportFile) is { } rf)
            {
                File.WriteAllText(rf, report.ToJson());
            }

            stdout.Write(report.ToTable());
            stdout.WriteLine($"wrote {outPath}");
            return CliApp.ExitOk;
        }));
        return cmd;
    }

    private static Command BuildCriterion(TextWriter stdout, TextWriter stderr)
    {
        var dataset = new Argument<string>("DATASET") { Description = "Input dataset (Parquet)" };
        var prices = new Option<string>("--prices") { Description = "Folder of <token_id>.csv price histories (t,p)", Required = true };
        var criterion = new Option<string>("--criterion") { Description = "midpoint, duration-percent-25|75, time-average, before-close-hours-N, before-close-days-N, after-start-hours-N, after-start-days-N", Required = true };
        var output = new Option<string>("--out") { Description = "Dataset to write (Parquet)", Required = true };
        var cmd = new Command("build-criterion-prices", "Fill market_prob from each row's YES-token history by a Themis criterion; rows without history or an undefined criterion are reported and dropped.")
        { dataset, prices, criterion, output };
        cmd.SetAction(parse => Guard(stderr, () =>
        {
            Criterion c;
            try
            {
                c = PriceCriteria.Parse(parse.GetValue(criterion)!);
            }
            catch (FormatException e)
            {
                throw new UsageException(e.Message);
            }

            return Build(parse.GetValue(dataset)!, parse.GetValue(prices)!, parse.GetValue(output)!, stdout, (row, pts) => PriceCriteria.Evaluate(c, pts));
        }));
        return cmd;
    }

    private static Command BuildHorizon(TextWriter stdout, TextWriter stderr)
    {
        var dataset = new Argument<string>("DATASET") { Description = "Input dataset (Parquet)" };
        var prices = new Option<string>("--prices") { Description = "Folder of <token_id>.csv price histories (t,p)", Required = true };
        var horizon = new Option<string>("--horizon") { Description = "e.g. 7d or 24h", Required = true };
        var output = new Option<string>("--out") { Description = "Dataset to write (Parquet)", Required = true };
        var cmd = new Command("build-horizon-prices", "Fill market_prob = prob_at(close − horizon) (criterion horizon-<h>) from each row's YES-token history; close is closedTime, else endDate, else the history's end.")
        { dataset, prices, horizon, output };
        cmd.SetAction(parse => Guard(stderr, () =>
        {
            var h = parse.GetValue(horizon)!;
            try
            {
                PriceCriteria.ParseHorizon(h);
            }
            catch (FormatException e)
            {
                throw new UsageException(e.Message);
            }

            return Build(parse.GetValue(dataset)!, parse.GetValue(prices)!, parse.GetValue(output)!, stdout,
                (row, pts) => PriceCriteria.Horizon(h, pts, (row.ClosedTime ?? row.EndDate)?.ToUnixTimeSeconds()));
        }));
        return cmd;
    }

    private static int Build(string datasetPath, string pricesDir, string outPath, TextWriter stdout, Func<MarketRow, IReadOnlyList<PricePoint>, MarketPrice?> price)
    {
        if (!File.Exists(datasetPath))
        {
            throw new UsageException($"{datasetPath}: no such file");
        }

        if (!Directory.Exists(pricesDir))
        {
            throw new UsageException($"{pricesDir}: no such folder");
        }

        var rows = MarketDataset.Read(datasetPath);
        var kept = new List<MarketRow>();
        var noToken = new List<string>();
        var noHistory = new List<string>();
        var undefined = new List<string>();
        foreach (var row in rows)
        {
            var key = row.ConditionId.Length > 0 ? row.ConditionId : row.Id;
            if (string.IsNullOrEmpty(row.YesTokenId))
            {
                noToken.Add(key);
                continue;
            }

            var pts = PriceHistoryFiles.TryRead(pricesDir, row.YesTokenId);
            if (pts is null || pts.Count == 0)
            {
                noHistory.Add(key);
                continue;
            }

            if (price(row, pts) is not { } p)
            {
                undefined.Add(key);
                continue;
            }

            kept.Add(row with { Price = p });
        }

        MarketDataset.Write(outPath, kept);
        stdout.WriteLine($"rows read: {rows.Count}");
        stdout.WriteLine($"kept: {kept.Count}");
        stdout.WriteLine($"dropped: no YES token id: {noToken.Count}{Ids(noToken)}");
        stdout.WriteLine($"dropped: no price history: {noHistory.Count}{Ids(noHistory)}");
        stdout.WriteLine($"dropped: criterion undefined for the history: {undefined.Count}{Ids(undefined)}");
        stdout.WriteLine($"wrote {outPath}");
        return CliApp.ExitOk;
    }

    private static string Ids(List<string> ids) => ids.Count == 0 ? string.Empty : " (" + string.Join(", ", ids.Take(5)) + (ids.Count > 5 ? ", …" : string.Empty) + ")";

    private static Command Eval(TextWriter stdout, TextWriter stderr)
    {
        var dataset = new Argument<string>("DATASET") { Description = "Dataset (Parquet) with y and, for the baseline, market_prob" };
        var predictions = new Option<string?>("--predictions") { Description = "CSV or Parquet with conditionId (or id), pred_prob[, forecaster]" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var cmd = new Command("eval", "Brier, log loss, ECE, reliability, by category and by horizon, for the market baseline and each forecaster; PnL and Kelly bankroll against the market.")
        { dataset, predictions, json };
        cmd.SetAction(parse => Guard(stderr, () =>
        {
            var path = parse.GetValue(dataset)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"{path}: no such file");
            }

            var rows = MarketDataset.Read(path);
            var preds = parse.GetValue(predictions) is { } pf
                ? File.Exists(pf) ? DatasetEvaluator.ReadPredictions(pf) : throw new UsageException($"{pf}: no such file")
                : null;
            var reports = DatasetEvaluator.Evaluate(rows, preds);
            if (parse.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new { rows = rows.Count, forecasters = reports, anchors = DatasetEvaluator.Anchors.Select(a => new { a.What, a.Brier }) }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
                return CliApp.ExitOk;
            }

            var f = DatasetEvaluator.Format;
            stdout.WriteLine($"dataset: {path} ({rows.Count} rows, {rows.Count(r => r.Price is not null)} with market_prob)");
            stdout.WriteLine($"{"forecaster",-24} {"n",6} {"brier",8} {"logloss",8} {"ece",8} {"mean pnl",9} {"kelly",8}");
            foreach (var r in reports)
            {
                var t = r.VsMarket;
                stdout.WriteLine($"{r.Forecaster,-24} {r.Overall.N,6} {f(r.Overall.Brier),8} {f(r.Overall.LogLoss),8} {f(r.Overall.Ece),8} {(t is null ? "-" : f(t.MeanPnl)),9} {(t is null ? "-" : f(t.KellyFinalBankroll)),8}");
            }

            stdout.WriteLine();
            stdout.WriteLine("anchors (spec §6), Brier:");
            foreach (var (what, brier) in DatasetEvaluator.Anchors)
            {
                stdout.WriteLine($"  {f(brier)}  {what}");
            }

            foreach (var r in reports)
            {
                stdout.WriteLine();
                stdout.WriteLine($"== {r.Forecaster}");
                stdout.WriteLine("reliability (bin, count, mean forecast, observed):");
                foreach (var b in r.Reliability)
                {
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ({b.Lo:F2}, {b.Hi:F2}] {b.Count,6} {f(b.MeanForecast)} {f(b.ObservedFrequency)}"));
                }

                stdout.WriteLine("by horizon (n, brier, logloss, ece):");
                foreach (var (k, s) in r.ByHorizon)
                {
                    stdout.WriteLine($"  {k,-10} {s.N,6} {f(s.Brier)} {f(s.LogLoss)} {f(s.Ece)}");
                }

                stdout.WriteLine("by category (n, brier, logloss, ece):");
                foreach (var (k, s) in r.ByCategory)
                {
                    stdout.WriteLine($"  {k,-24} {s.N,6} {f(s.Brier)} {f(s.LogLoss)} {f(s.Ece)}");
                }
            }

            return CliApp.ExitOk;
        }));
        return cmd;
    }

    /// <summary>Bad input (corrupt row, malformed JSON, missing file inside the data) is a one-line error with exit code 1.</summary>
    private static int Guard(TextWriter stderr, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            CliApp.WriteError(stderr, e.Message);
            return CliApp.ExitFailure;
        }
    }
}
