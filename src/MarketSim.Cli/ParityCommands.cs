using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MarketSim.Scoring.Metrics;
using MarketSim.Simulation.Parity;
using Spectre.Console;

namespace MarketSim.Cli;

/// <summary>
/// One-shot commands of the synthetic parity world (docs/parity.md): <c>parity</c>,
/// <c>groupstress</c>, <c>intrinsic-post</c>. Each prints a table, or JSON with <c>--json</c>.
/// </summary>
internal static class ParityCommands
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Adds the three commands to <paramref name="root"/> (one call from <see cref="CliApp"/>).</summary>
    public static void AddTo(Command root, TextWriter stdout, TextWriter stderr)
    {
        root.Subcommands.Add(BuildParity(stdout));
        root.Subcommands.Add(BuildGroupStress(stdout, stderr));
        root.Subcommands.Add(BuildIntrinsicPost(stdout));
    }

    public static Command BuildParity(TextWriter stdout)
    {
        var d = Opt("--d", 16, "Number of input bits");
        var k = Opt("--k", 8, "Size of the parity set S (1 <= k <= d)");
        var alpha = Opt("--alpha", 0.8, "Signal amplitude, 0 < alpha <= 1");
        var n = Opt("--n", 50_000, "Number of evaluation rows");
        var rho = Opt("--rho", 0.95, "Noise-operator correlation of the analytic diffusion forecaster, 0 <= rho <= 1");
        var l = Opt("--L", 4, "AR query depth L");
        var seed = Opt("--seed", 0L, "World seed");
        var bins = Opt("--bins", Calibration.DefaultBins, "ECE bins");
        var cost = Opt("--cost", 0.0, "Transaction cost c of the arbitrage metric");
        var chains = Opt("--K", 1, "Randomized L-query chains (K > 1 replaces L_query_oracle by K averaged chains)");
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("parity",
            "Synthetic parity world: oracle, constant, analytic diffusion (T_rho f) and depth-L AR forecasters with Brier, log loss, SCE, ECE and arbitrage.\n" +
            "Example: marketsim parity --d 16 --k 8 --alpha 0.8 --n 50000 --rho 0.95 --L 4 --json")
        {
            d, k, alpha, n, rho, l, seed, bins, cost, chains, json,
        };
        command.SetAction(parse =>
        {
            var options = new ParityRunOptions
            {
                D = parse.GetValue(d),
                K = parse.GetValue(k),
                Alpha = parse.GetValue(alpha),
                N = parse.GetValue(n),
                Rho = parse.GetValue(rho),
                L = parse.GetValue(l),
                Seed = parse.GetValue(seed),
                Bins = parse.GetValue(bins),
                Cost = parse.GetValue(cost),
                Chains = parse.GetValue(chains),
            };
            var result = Guard(() => ParityRun.Run(options));
            if (parse.GetValue(json))
            {
                WriteJson(stdout, w =>
                {
                    w.WriteStartObject("config");
                    WriteConfig(w, options.D, options.K, options.Alpha, options.Seed, options.Rho, options.L, options.Bins, options.Cost);
                    w.WriteNumber("n", options.N);
                    w.WriteNumber("K", options.Chains);
                    WriteInts(w, "S", result.S);
                    w.WriteEndObject();
                    w.WriteStartArray("forecasters");
                    foreach (var m in result.Forecasters)
                    {
                        w.WriteStartObject();
                        WriteMetrics(w, m);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                });
            }
            else
            {
                stdout.WriteLine($"parity: d={options.D} k={options.K} alpha={F(options.Alpha)} n={options.N} rho={F(options.Rho)} L={options.L} K={options.Chains} seed={options.Seed} bins={options.Bins} cost={F(options.Cost)} S=[{string.Join(',', result.S)}]");
                WriteTable(stdout, MetricColumns, result.Forecasters.Select(MetricCells).ToList());
            }

            return CliApp.ExitOk;
        });
        return command;
    }

    public static Command BuildGroupStress(TextWriter stdout, TextWriter stderr)
    {
        var d = Opt("--d", 14, "Number of input bits");
        var k = Opt("--k", 7, "Size of the parity set S and of every conditioning set J");
        var alpha = Opt("--alpha", 0.8, "Signal amplitude, 0 < alpha <= 1");
        var n = Opt("--n", 200_000, "Number of sampled rows (ignored with --exact)");
        var rho = Opt("--rho", 0.9, "Noise-operator correlation, 0 <= rho <= 1");
        var l = Opt("--L", 3, "AR query depth L");
        var seed = Opt("--seed", 0L, "World seed");
        var maxJ = new Option<long?>("--max-j") { Description = "Evaluate only the first N subsets J in lexicographic order (J = S is always computed)" };
        var exact = new Option<bool>("--exact") { Description = "Use all 2^d points instead of samples (refused when d > 18)" };
        var top = Opt("--top", 200, "Number of top subsets to report");
        var bins = Opt("--bins", Calibration.DefaultBins, "ECE bins of the metric rows");
        var cost = Opt("--cost", 0.0, "Transaction cost of the arbitrage metric");
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("groupstress",
            "Small-group diagnostic: worst subcube cell |mean (f - T_rho f)| for every k-subset J, sorted; J = S carries (alpha/2)(1 - rho^k), every other J only noise.\n" +
            "Example: marketsim groupstress --d 14 --k 7 --alpha 0.8 --n 200000 --rho 0.9 --L 3 --top 20")
        {
            d, k, alpha, n, rho, l, seed, maxJ, exact, top, bins, cost, json,
        };
        command.SetAction(parse =>
        {
            var options = new GroupStressOptions
            {
                D = parse.GetValue(d),
                K = parse.GetValue(k),
                Alpha = parse.GetValue(alpha),
                N = parse.GetValue(n),
                Rho = parse.GetValue(rho),
                L = parse.GetValue(l),
                Seed = parse.GetValue(seed),
                MaxJ = parse.GetValue(maxJ),
                Exact = parse.GetValue(exact),
                Top = parse.GetValue(top),
                Bins = parse.GetValue(bins),
                Cost = parse.GetValue(cost),
            };
            // Progress only for long scans (over ~2e9 row visits) and only on a terminal.
            var subsets = Math.Min(ParityClosedForms.Binomial(options.D, options.K), options.MaxJ ?? double.MaxValue);
            var rowsScanned = options.Exact ? Math.Pow(2, Math.Min(options.D, 62)) : options.N;
            var showProgress = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected && subsets * rowsScanned > 2e9;
            var lastPercent = -1L;
            var progressLock = new object();
            Action<long, long>? progress = showProgress
                ? (done, total) =>
                {
                    lock (progressLock)
                    {
                        var percent = done * 100 / Math.Max(1, total);
                        if (percent > lastPercent)
                        {
                            lastPercent = percent;
                            stderr.Write($"\rgroupstress: {done}/{total} subsets ({percent}%)");
                            if (done >= total)
                            {
                                stderr.WriteLine();
                            }
                        }
                    }
                }
            : null;
            var result = Guard(() => GroupStress.Run(options, progress));
            if (parse.GetValue(json))
            {
                WriteJson(stdout, w => WriteGroupStressJson(w, result));
            }
            else
            {
                WriteGroupStressText(stdout, result);
            }

            return CliApp.ExitOk;
        });
        return command;
    }

    public static Command BuildIntrinsicPost(TextWriter stdout)
    {
        var d = Opt("--d", 16, "Number of input bits");
        var k = Opt("--k", 8, "Size of the parity set S");
        var alpha = Opt("--alpha", 0.8, "Signal amplitude, 0 < alpha <= 1");
        var seed = Opt("--seed", 0L, "World seed");
        var rho = Opt("--rho", 0.95, "Noise-operator correlation of the diffusion base, 0 <= rho <= 1");
        var l = Opt("--L", 4, "AR query depth L of the AR base");
        var nTrain = Opt("--n-train", 50_000, "Training rows (the first rows)");
        var nTest = Opt("--n-test", 10_000, "Test rows (the rows after the training rows)");
        var bins = Opt("--bins", Calibration.DefaultBins, "ECE bins of the report");
        var cost = Opt("--cost", 0.0, "Transaction cost of the arbitrage metric");
        var postBins = Opt("--post-bins", 20, "Bins of the post-processor");
        var postPrior = Opt("--post-prior", 5.0, "Shrinkage prior P toward the bin centre");
        var postClip = Opt("--post-clip", 1e-4, "Clip q to [c, 1 - c] before post-processor binning");
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("intrinsic-post",
            "Post-processing with the oracle partition (2^k cells of the true S x bins) applied to the AR and diffusion bases; test-set metrics and gcal_S.\n" +
            "Example: marketsim intrinsic-post --d 16 --k 8 --n-train 50000 --n-test 10000 --post-prior 5 --json")
        {
            d, k, alpha, seed, rho, l, nTrain, nTest, bins, cost, postBins, postPrior, postClip, json,
        };
        command.SetAction(parse =>
        {
            var options = new IntrinsicPostOptions
            {
                D = parse.GetValue(d),
                K = parse.GetValue(k),
                Alpha = parse.GetValue(alpha),
                Seed = parse.GetValue(seed),
                Rho = parse.GetValue(rho),
                L = parse.GetValue(l),
                NTrain = parse.GetValue(nTrain),
                NTest = parse.GetValue(nTest),
                Bins = parse.GetValue(bins),
                Cost = parse.GetValue(cost),
                PostBins = parse.GetValue(postBins),
                PostPrior = parse.GetValue(postPrior),
                PostClip = parse.GetValue(postClip),
            };
            var result = Guard(() => IntrinsicPost.Run(options));
            if (parse.GetValue(json))
            {
                WriteJson(stdout, w =>
                {
                    w.WriteStartObject("config");
                    WriteConfig(w, options.D, options.K, options.Alpha, options.Seed, options.Rho, options.L, options.Bins, options.Cost);
                    w.WriteNumber("n_train", options.NTrain);
                    w.WriteNumber("n_test", options.NTest);
                    w.WriteNumber("post_bins", options.PostBins);
                    w.WriteNumber("post_prior", options.PostPrior);
                    w.WriteNumber("post_clip", options.PostClip);
                    WriteInts(w, "S", result.S);
                    w.WriteEndObject();
                    w.WriteStartArray("forecasters");
                    foreach (var row in result.Rows)
                    {
                        w.WriteStartObject();
                        WriteMetrics(w, row.Metrics);
                        w.WriteNumber("gcal_S", row.GcalS);
                        w.WriteNumber("gcal_S_argmax_key", row.GcalArgmaxKey);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                });
            }
            else
            {
                stdout.WriteLine($"intrinsic-post: d={options.D} k={options.K} alpha={F(options.Alpha)} rho={F(options.Rho)} L={options.L} seed={options.Seed} n_train={options.NTrain} n_test={options.NTest} post_bins={options.PostBins} post_prior={F(options.PostPrior)} post_clip={F(options.PostClip)} S=[{string.Join(',', result.S)}]");
                string[] columns = [.. MetricColumns, "gcal_S", "argmax_key"];
                var cells = result.Rows
                    .Select(r => MetricCells(r.Metrics).Concat([F6(r.GcalS), r.GcalArgmaxKey.ToString(Inv)]).ToArray())
                    .ToList();
                WriteTable(stdout, columns, cells);
            }

            return CliApp.ExitOk;
        });
        return command;
    }

    private static readonly string[] MetricColumns = ["forecaster", "brier", "logloss", "sce", "ece", "arb_profit", "n_eval"];

    private static string[] MetricCells(ForecastMetrics m) =>
        [m.Name, F6(m.Brier), F6(m.LogLoss), F6(m.Sce), F6(m.Ece), F6(m.ArbProfit), m.NEval.ToString(Inv)];

    private static void WriteGroupStressText(TextWriter o, GroupStressResult r)
    {
        var opt = r.Options;
        o.WriteLine($"groupstress: d={opt.D} k={opt.K} alpha={F(opt.Alpha)} rho={F(opt.Rho)} L={opt.L} seed={opt.Seed} rows={r.Rows}{(opt.Exact ? " (exact: all 2^d points)" : "")} S=[{string.Join(',', r.S)}]");
        WriteTable(o, MetricColumns, r.Forecasters.Select(MetricCells).ToList());
        o.WriteLine();
        o.WriteLine($"theory (alpha/2)(1-rho^k)      {F6(r.Theory)}");
        o.WriteLine($"AR lower bound (L {(opt.L < opt.K ? "<" : ">=")} k)         {F6(r.ArLowerBound)}");
        o.WriteLine($"subsets evaluated              {r.SubsetsEvaluated} of {r.SubsetsTotal}");
        o.WriteLine($"J = S                          {F6(r.SubsetS.WorstGroup)} (argmax key {r.SubsetS.ArgmaxKey})");
        o.WriteLine(r.BestOther is { } b
            ? $"best J != S                    {F6(b.WorstGroup)} J=[{string.Join(',', b.J)}] (argmax key {b.ArgmaxKey})"
            : "best J != S                    (none evaluated)");
        o.WriteLine($"J = S is the top               {(r.SIsTop ? "yes" : "no")}");
        o.WriteLine($"margin over best J != S        {F6(r.Margin)} (noise ceiling {F6(r.NoiseCeiling)}; {(r.Margin > r.NoiseCeiling ? "separated" : "NOT separated")})");
        o.WriteLine();
        var shown = r.TopSubsets.Take(20).ToList();
        if (shown.Count == 0)
        {
            return;
        }

        o.WriteLine($"top {shown.Count} subsets (* = S):");
        var max = Math.Max(shown.Max(s => s.WorstGroup), 1e-300);
        var labels = shown.Select(s => "[" + string.Join(',', s.J) + "]").ToList();
        var width = labels.Max(x => x.Length);
        for (var i = 0; i < shown.Count; i++)
        {
            var isS = shown[i].J.SequenceEqual(r.S);
            var bar = new string('#', (int)Math.Round(40 * shown[i].WorstGroup / max));
            o.WriteLine($"{(isS ? '*' : ' ')} {labels[i].PadRight(width)}  {F6(shown[i].WorstGroup)}  key {shown[i].ArgmaxKey,-6} {bar}");
        }
    }

    private static void WriteGroupStressJson(Utf8JsonWriter w, GroupStressResult r)
    {
        var opt = r.Options;
        w.WriteStartObject("config");
        WriteConfig(w, opt.D, opt.K, opt.Alpha, opt.Seed, opt.Rho, opt.L, opt.Bins, opt.Cost);
        w.WriteNumber("n", opt.N);
        w.WriteBoolean("exact", opt.Exact);
        if (opt.MaxJ is { } mj)
        {
            w.WriteNumber("max_j", mj);
        }
        else
        {
            w.WriteNull("max_j");
        }

        w.WriteNumber("top", opt.Top);
        WriteInts(w, "S", r.S);
        w.WriteEndObject();
        w.WriteNumber("n_rows", r.Rows);
        w.WriteNumber("theory", r.Theory);
        w.WriteNumber("ar_lower_bound", r.ArLowerBound);
        w.WriteNumber("subsets_total", r.SubsetsTotal);
        w.WriteNumber("subsets_evaluated", r.SubsetsEvaluated);
        w.WriteStartObject("S_subset");
        WriteSubset(w, r.SubsetS);
        w.WriteEndObject();
        if (r.BestOther is { } b)
        {
            w.WriteStartObject("best_other");
            WriteSubset(w, b);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("best_other");
        }

        w.WriteBoolean("S_is_top", r.SIsTop);
        w.WriteNumber("margin", r.Margin);
        w.WriteNumber("noise_ceiling", r.NoiseCeiling);
        w.WriteStartArray("forecasters");
        foreach (var m in r.Forecasters)
        {
            w.WriteStartObject();
            WriteMetrics(w, m);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("subsets");
        foreach (var s in r.TopSubsets)
        {
            w.WriteStartObject();
            WriteSubset(w, s);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteSubset(Utf8JsonWriter w, SubsetStat s)
    {
        WriteInts(w, "J", s.J);
        w.WriteNumber("worst_group", s.WorstGroup);
        w.WriteNumber("argmax_key", s.ArgmaxKey);
    }

    private static void WriteConfig(Utf8JsonWriter w, int d, int k, double alpha, long seed, double rho, int l, int bins, double cost)
    {
        w.WriteNumber("d", d);
        w.WriteNumber("k", k);
        w.WriteNumber("alpha", alpha);
        w.WriteNumber("seed", seed);
        w.WriteNumber("rho", rho);
        w.WriteNumber("L", l);
        w.WriteNumber("bins", bins);
        w.WriteNumber("cost", cost);
    }

    private static void WriteMetrics(Utf8JsonWriter w, ForecastMetrics m)
    {
        w.WriteString("name", m.Name);
        w.WriteNumber("brier", m.Brier);
        w.WriteNumber("log_loss", m.LogLoss);
        w.WriteNumber("sce", m.Sce);
        w.WriteNumber("ece", m.Ece);
        w.WriteNumber("arb_profit", m.ArbProfit);
        w.WriteNumber("n_eval", m.NEval);
    }

    private static void WriteInts(Utf8JsonWriter w, string name, IEnumerable<int> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static void WriteJson(TextWriter stdout, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        stdout.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>A Spectre table when stdout is a terminal, plain aligned text otherwise.</summary>
    private static void WriteTable(TextWriter stdout, string[] columns, IReadOnlyList<string[]> rows)
    {
        if (ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected)
        {
            var table = new Table();
            for (var c = 0; c < columns.Length; c++)
            {
                var column = new TableColumn(columns[c]);
                table.AddColumn(c == 0 ? column : column.RightAligned());
            }

            foreach (var row in rows)
            {
                table.AddRow(row.Select(Markup.Escape).ToArray());
            }

            AnsiConsole.Write(table);
            return;
        }

        MarketSim.Simulation.Summary.TextTable.Write(stdout, columns, rows);
    }

    private static T Guard<T>(Func<T> run)
    {
        try
        {
            return run();
        }
        catch (ArgumentException e)
        {
            var message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            throw new UsageException(message);
        }
    }

    private static Option<T> Opt<T>(string name, T defaultValue, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    private static string F(double x) => ParityForecaster.FormatParameter(x);

    private static string F6(double x) => x.ToString("F6", Inv);
}
