using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MarketSim.Polymarket.Dataset;
using MarketSim.Polymarket.Download;
using Spectre.Console;

namespace MarketSim.Cli;

/// <summary><c>pm download-gamma</c>, <c>pm build-gamma</c>, <c>pm download-clob-history</c> (docs/polymarket.md, "Downloading from Polymarket").</summary>
internal static class PmDownloadCommands
{
    public const string DefaultGammaUrl = "https://gamma-api.polymarket.com";
    public const string DefaultClobUrl = "https://clob.polymarket.com";
    public const string GammaUrlVariable = "MARKETSIM_GAMMA_URL";
    public const string ClobUrlVariable = "MARKETSIM_CLOB_URL";
    public const int ExitInterrupted = 130;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Cancels a running download from a test (as Ctrl-C would).</summary>
    internal static CancellationToken TestCancellation { get; set; }

    public static void AddTo(Command pm, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(pm);
        pm.Subcommands.Add(DownloadGamma(stdout, stderr));
        pm.Subcommands.Add(BuildGamma(stdout, stderr));
        pm.Subcommands.Add(DownloadClob(stdout, stderr));
    }

    private sealed class HttpOptions
    {
        public Option<double> Rps { get; } = new("--rps") { Description = "At most this many requests per second (default 5; 0: unlimited)", DefaultValueFactory = _ => 5 };

        public Option<int> Retries { get; } = new("--retries") { Description = "Retries of one request on 429, 5xx and timeouts before giving up (default 6)", DefaultValueFactory = _ => 6 };

        public Option<double> BackoffMs { get; } = new("--backoff-ms") { Description = "First backoff in ms, doubled per retry with ±50 % jitter (default 1000); Retry-After wins when sent", DefaultValueFactory = _ => 1000 };

        public Option<double> MaxBackoffS { get; } = new("--max-backoff-s") { Description = "Cap of one backoff or Retry-After in seconds (default 60)", DefaultValueFactory = _ => 60 };

        public Option<double> TimeoutS { get; } = new("--timeout-s") { Description = "Timeout of one request in seconds (default 30)", DefaultValueFactory = _ => 30 };

        public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the backoff jitter (default 1)", DefaultValueFactory = _ => 1 };

        public Option<bool> Quiet { get; } = new("--quiet") { Description = "No progress output" };

        public void AddTo(Command c)
        {
            c.Options.Add(Rps);
            c.Options.Add(Retries);
            c.Options.Add(BackoffMs);
            c.Options.Add(MaxBackoffS);
            c.Options.Add(TimeoutS);
            c.Options.Add(Seed);
            c.Options.Add(Quiet);
        }

        public HttpPolicy Policy(ParseResult p)
        {
            var rps = p.GetValue(Rps);
            var retries = p.GetValue(Retries);
            var backoff = p.GetValue(BackoffMs);
            var cap = p.GetValue(MaxBackoffS);
            var timeout = p.GetValue(TimeoutS);
            if (rps < 0 || retries < 0 || backoff < 0 || cap < 0 || timeout <= 0)
            {
                throw new UsageException("--rps, --retries, --backoff-ms and --max-backoff-s must not be negative and --timeout-s must be positive");
            }

            return new HttpPolicy(rps, retries, TimeSpan.FromMilliseconds(backoff), TimeSpan.FromSeconds(cap), TimeSpan.FromSeconds(timeout), p.GetValue(Seed));
        }
    }

    private static Command DownloadGamma(TextWriter stdout, TextWriter stderr)
    {
        var outDir = new Option<string>("--out-dir") { Description = "Folder of markets.jsonl and state.json (created; an existing one is resumed)", Required = true };
        var url = new Option<string?>("--gamma-url") { Description = $"Gamma base URL (default ${GammaUrlVariable}, else {DefaultGammaUrl})" };
        var limit = new Option<int>("--limit") { Description = "Page size (default 500; the keyset endpoint serves at most 100)", DefaultValueFactory = _ => 500 };
        var keyset = new Option<bool>("--keyset") { Description = "Page /markets/keyset by cursor instead of /markets by offset (no deep-offset limit)" };
        var endMin = new Option<string?>("--end-date-min") { Description = "end_date_min, ISO-8601 (e.g. 2025-01-01 or 2025-01-01T00:00:00Z)" };
        var endMax = new Option<string?>("--end-date-max") { Description = "end_date_max, ISO-8601" };
        var windowDays = new Option<double?>("--window-days") { Description = "Split [--end-date-min, --end-date-max] into windows of this many days, each paged from offset 0 (keeps offsets below Gamma's ~2,100 limit)" };
        var startMin = new Option<string?>("--start-date-min") { Description = "start_date_min, ISO-8601" };
        var startMax = new Option<string?>("--start-date-max") { Description = "start_date_max, ISO-8601" };
        var tagId = new Option<string?>("--tag-id") { Description = "tag_id (e.g. 2 for Politics)" };
        var related = new Option<bool>("--related-tags") { Description = "related_tags=true (with --tag-id)" };
        var volumeMin = new Option<double?>("--volume-min") { Description = "volume_num_min (USD)" };
        var volumeMax = new Option<double?>("--volume-max") { Description = "volume_num_max (USD)" };
        var liquidityMin = new Option<double?>("--liquidity-min") { Description = "liquidity_num_min (USD)" };
        var order = new Option<string?>("--order") { Description = "order field, e.g. volume or closedTime (keep it fixed while resuming)" };
        var ascending = new Option<bool?>("--ascending") { Description = "ascending=true|false (with --order)" };
        var http = new HttpOptions();
        var command = new Command("download-gamma",
            "Download closed markets from Gamma /markets into DIR/markets.jsonl (one market per line, append-only). Pages by offset (or --keyset), rate-limited, retried with backoff on 429/5xx; " +
            "resumable after a kill without duplicates (DIR/state.json, ids already in the file are skipped).\n" +
            "Example: marketsim pm download-gamma --out-dir data/gamma --end-date-min 2025-01-01 --end-date-max 2025-07-01 --window-days 7 --volume-min 1000")
        {
            outDir, url, limit, keyset, endMin, endMax, windowDays, startMin, startMax, tagId, related, volumeMin, volumeMax, liquidityMin, order, ascending,
        };
        http.AddTo(command);
        command.SetAction(p =>
        {
            var filters = new List<KeyValuePair<string, string>>();
            void Add(string key, string? value)
            {
                if (value is not null)
                {
                    filters.Add(new(key, value));
                }
            }

            Add("start_date_min", IsoOrNull(p.GetValue(startMin), "--start-date-min"));
            Add("start_date_max", IsoOrNull(p.GetValue(startMax), "--start-date-max"));
            Add("tag_id", p.GetValue(tagId));
            Add("related_tags", p.GetValue(related) ? "true" : null);
            Add("volume_num_min", p.GetValue(volumeMin)?.ToString(Inv));
            Add("volume_num_max", p.GetValue(volumeMax)?.ToString(Inv));
            Add("liquidity_num_min", p.GetValue(liquidityMin)?.ToString(Inv));
            Add("order", p.GetValue(order));
            Add("ascending", p.GetValue(ascending) is { } asc ? (asc ? "true" : "false") : null);
            var min = DateOrNull(p.GetValue(endMin), "--end-date-min");
            var max = DateOrNull(p.GetValue(endMax), "--end-date-max");
            var days = p.GetValue(windowDays);
            if (days is not null && (days <= 0 || min is null || max is null || max <= min))
            {
                throw new UsageException("--window-days needs a positive size, --end-date-min and a later --end-date-max");
            }

            if (p.GetValue(limit) <= 0)
            {
                throw new UsageException("--limit must be positive");
            }

            var dir = p.GetValue(outDir)!;
            var baseUrl = BaseUrl(p.GetValue(url), GammaUrlVariable, DefaultGammaUrl, "--gamma-url");
            var options = new GammaDownloadOptions(baseUrl, p.GetValue(limit), p.GetValue(keyset), min, max, days, filters, http.Policy(p));
            return RunGamma(dir, options, p.GetValue(http.Quiet), stdout, stderr);
        });
        return command;
    }

    private static int RunGamma(string dir, GammaDownloadOptions options, bool quiet, TextWriter stdout, TextWriter stderr)
    {
        if (!quiet)
        {
            stderr.WriteLine($"marketsim: downloading closed markets from {options.BaseUrl}{(options.Keyset ? "/markets/keyset" : "/markets")} into {Path.Combine(dir, GammaDownloader.MarketsFile)}");
        }

        return Interruptible(stderr, "rerun the same command to resume", async token =>
        {
            GammaDownloadResult result;
            if (Interactive(quiet, stderr))
            {
                result = await WithProgressBar("gamma pages", async (task, retry) =>
                {
                    var o = options with
                    {
                        OnRetry = retry,
                        Progress = g =>
                        {
                            task.IsIndeterminate = g.Windows == 1;
                            task.MaxValue = g.Windows;
                            task.Value = g.Window;
                            task.Description = string.Create(Inv, $"gamma: window {g.Window + 1}/{g.Windows}, offset {g.Offset}, {g.Total} markets");
                        },
                    };
                    return await GammaDownloader.RunAsync(dir, o, token).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
            else
            {
                var throttle = Throttle();
                var o = options with
                {
                    OnRetry = quiet ? null : line => stderr.WriteLine("marketsim: " + line),
                    Progress = quiet ? null : g =>
                    {
                        if (throttle(false))
                        {
                            stderr.WriteLine(string.Create(Inv, $"gamma: window {g.Window + 1}/{g.Windows}, page {g.Pages}, offset {g.Offset}, {g.Written} new, {g.Duplicates} already present, {g.Total} markets"));
                        }
                    },
                };
                result = await GammaDownloader.RunAsync(dir, o, token).ConfigureAwait(false);
            }

            if (result.RepairedBytes > 0)
            {
                stderr.WriteLine(string.Create(Inv, $"marketsim: removed a torn last line ({result.RepairedBytes} bytes) left by an interrupted run; its market was fetched again"));
            }

            stdout.WriteLine(result.AlreadyComplete
                ? string.Create(Inv, $"already complete: {result.Total} markets in {Path.Combine(dir, GammaDownloader.MarketsFile)} (delete {GammaDownloader.StateFile} to page again)")
                : string.Create(Inv, $"{(result.Resumed ? "resumed; " : string.Empty)}{result.Pages} pages, {result.Written} new markets, {result.Duplicates} already present{(result.WithoutId > 0 ? $", {result.WithoutId} without id skipped" : string.Empty)}; {result.Total} markets in {Path.Combine(dir, GammaDownloader.MarketsFile)}"));
            return CliApp.ExitOk;
        });
    }

    private static Command BuildGamma(TextWriter stdout, TextWriter stderr)
    {
        var input = new Argument<string>("DIR") { Description = "Folder of pm download-gamma (its markets.jsonl), or a .jsonl file" };
        var output = new Option<string>("--out") { Description = "Dataset to write (Parquet)", Required = true };
        var allowNamed = new Option<bool>("--allow-non-yes-no") { Description = "Keep binary markets with other labels (YES = outcome index 0)" };
        var allowOpen = new Option<bool>("--allow-open") { Description = "Keep markets that are not closed (prices must still be extreme)" };
        var minVolume = new Option<double>("--min-volume") { Description = "Minimum volumeNum in USD (default 0)" };
        var createdAfter = new Option<string?>("--created-after") { Description = "Drop markets created before this date (ISO-8601), e.g. 2024-01-01" };
        var command = new Command("build-gamma",
            "Build the yes/no dataset (Parquet) from Gamma markets.jsonl: decodes outcomes, prices and CLOB token ids, matches the Yes/No labels, keeps closed markets with extreme final prices; " +
            "reports every dropped market with its rule (OUT.dropped.tsv).\n" +
            "Example: marketsim pm build-gamma data/gamma --out data/gamma.parquet --min-volume 100 --created-after 2024-01-01")
        {
            input, output, allowNamed, allowOpen, minVolume, createdAfter,
        };
        command.SetAction(p =>
        {
            var source = p.GetValue(input)!;
            var path = Directory.Exists(source) ? Path.Combine(source, GammaDownloader.MarketsFile) : source;
            if (!File.Exists(path))
            {
                throw new UsageException($"no such file: {path}");
            }

            var options = new GammaBuildOptions(p.GetValue(allowNamed), p.GetValue(allowOpen), p.GetValue(minVolume), DateOrNull(p.GetValue(createdAfter), "--created-after"));
            var result = GammaDatasetBuilder.BuildFile(path, options);
            var outPath = p.GetValue(output)!;
            var dir = Path.GetDirectoryName(Path.GetFullPath(outPath));
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
            }

            MarketDataset.Write(outPath, result.Rows);
            var droppedPath = outPath + ".dropped.tsv";
            var tsv = new StringBuilder("id\tline\treason\n");
            foreach (var d in result.Dropped)
            {
                tsv.Append(d.Id).Append('\t').Append(d.Line).Append('\t').Append(d.Reason.ReplaceLineEndings(" ").Replace('\t', ' ')).Append('\n');
            }

            File.WriteAllText(droppedPath, tsv.ToString());
            var yes = result.Rows.Count(r => r.Y == 1);
            stdout.WriteLine(string.Create(Inv, $"{result.Rows.Count} markets kept ({yes} resolved YES), {result.Dropped.Count} dropped, of {result.Rows.Count + result.Dropped.Count} in {path}; dataset {outPath}"));
            if (result.Dropped.Count > 0)
            {
                MarketSim.Simulation.Summary.TextTable.Write(stdout, ["dropped because", "markets"], result.DroppedByRule.Select(x => new[] { x.Rule, x.Count.ToString(Inv) }).ToList());
                stdout.WriteLine($"every dropped market with its reason: {droppedPath}");
            }

            return CliApp.ExitOk;
        });
        return command;
    }

    private static Command DownloadClob(TextWriter stdout, TextWriter stderr)
    {
        var dataset = new Argument<string>("DATASET") { Description = "Dataset (Parquet) with yes_token_id, createdAt and closedTime/endDate, e.g. from pm build-gamma" };
        var outDir = new Option<string>("--out-dir") { Description = "Folder of <token_id>.csv files (t,p) and empty-histories.txt", Required = true };
        var url = new Option<string?>("--clob-url") { Description = $"CLOB base URL (default ${ClobUrlVariable}, else {DefaultClobUrl})" };
        var fidelity = new Option<int>("--fidelity") { Description = "Bar spacing in minutes (default 60; 1440 daily)", DefaultValueFactory = _ => 60 };
        var window = new Option<string>("--window") { Description = "Range of one request, e.g. 7d, 12h (default 7d; halved when the API says the interval is too long)", DefaultValueFactory = _ => "7d" };
        var startTsMin = new Option<long?>("--start-ts-min") { Description = "Ask nothing before this unix time (e.g. 1704096000)" };
        var includeNo = new Option<bool>("--include-no") { Description = "Also download the NO token's history" };
        var http = new HttpOptions();
        var command = new Command("download-clob-history",
            "Download the CLOB price history of each market's YES token (GET /prices-history in windows from createdAt to closedTime) into DIR/<token_id>.csv. " +
            "Resumable: tokens with a file, or listed as empty in DIR/empty-histories.txt, are skipped.\n" +
            "Example: marketsim pm download-clob-history data/gamma.parquet --out-dir data/history --fidelity 60 --window 7d")
        {
            dataset, outDir, url, fidelity, window, startTsMin, includeNo,
        };
        http.AddTo(command);
        command.SetAction(p =>
        {
            var path = p.GetValue(dataset)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"no such file: {path}");
            }

            if (p.GetValue(fidelity) <= 0)
            {
                throw new UsageException("--fidelity must be a positive number of minutes");
            }

            var options = new ClobDownloadOptions(
                BaseUrl(p.GetValue(url), ClobUrlVariable, DefaultClobUrl, "--clob-url"),
                p.GetValue(fidelity),
                ParseDuration(p.GetValue(window)!, "--window"),
                null,
                p.GetValue(startTsMin),
                p.GetValue(includeNo),
                http.Policy(p));
            var rows = MarketDataset.Read(path);
            return RunClob(rows, p.GetValue(outDir)!, options, p.GetValue(http.Quiet), stdout, stderr);
        });
        return command;
    }

    private static int RunClob(IReadOnlyList<MarketRow> rows, string dir, ClobDownloadOptions options, bool quiet, TextWriter stdout, TextWriter stderr)
    {
        if (!quiet)
        {
            stderr.WriteLine(string.Create(Inv, $"marketsim: downloading price histories of {rows.Count} markets from {options.BaseUrl}/prices-history (fidelity {options.FidelityMinutes} min) into {dir}"));
        }

        return Interruptible(stderr, "rerun the same command to resume (finished tokens are kept)", async token =>
        {
            ClobDownloadResult result;
            if (Interactive(quiet, stderr))
            {
                result = await WithProgressBar("tokens", async (task, retry) =>
                {
                    var o = options with
                    {
                        OnRetry = retry,
                        Progress = c =>
                        {
                            task.MaxValue = Math.Max(1, c.Total);
                            task.Value = c.Done;
                            task.Description = string.Create(Inv, $"tokens {c.Done}/{c.Total}");
                        },
                    };
                    return await ClobHistoryDownloader.RunAsync(rows, dir, o, token).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
            else
            {
                var throttle = Throttle();
                var o = options with
                {
                    OnRetry = quiet ? null : line => stderr.WriteLine("marketsim: " + line),
                    Progress = quiet ? null : c =>
                    {
                        if (throttle(c.Done == c.Total))
                        {
                            stderr.WriteLine(string.Create(Inv, $"tokens {c.Done}/{c.Total}"));
                        }
                    },
                };
                result = await ClobHistoryDownloader.RunAsync(rows, dir, o, token).ConfigureAwait(false);
            }

            stdout.WriteLine(string.Create(Inv,
                $"{result.Tokens} tokens: {result.Downloaded} downloaded ({result.Points} points), {result.Empty} empty (now in {ClobHistoryDownloader.EmptyIndexFile}), {result.Existing} already downloaded, {result.KnownEmpty} known empty, {result.Failed.Count} failed{(result.Skipped.Count > 0 ? $", {result.Skipped.Count} skipped (no time range)" : string.Empty)}; {result.Requests} requests"));
            if (result.RowsWithoutToken > 0)
            {
                stdout.WriteLine(string.Create(Inv, $"{result.RowsWithoutToken} markets have no yes_token_id and were not asked for"));
            }

            foreach (var f in result.Skipped)
            {
                stderr.WriteLine($"marketsim: token {f.TokenId} (market {f.MarketId}) not asked for: {f.Reason}");
            }

            foreach (var f in result.Failed)
            {
                stderr.WriteLine($"marketsim: token {f.TokenId} (market {f.MarketId}): {f.Reason}");
            }

            if (result.Failed.Count > 0)
            {
                CliApp.WriteError(stderr, string.Create(Inv, $"{result.Failed.Count} tokens failed (listed above); rerun to try them again"));
                return CliApp.ExitFailure;
            }

            return CliApp.ExitOk;
        });
    }

    private static int Interruptible(TextWriter stderr, string hint, Func<CancellationToken, Task<int>> run)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestCancellation);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return run(cts.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            CliApp.WriteError(stderr, "interrupted; " + hint);
            return ExitInterrupted;
        }
        catch (PolymarketHttpException e)
        {
            CliApp.WriteError(stderr, e.Message + "; " + hint);
            return CliApp.ExitFailure;
        }
        catch (GammaDownloadException e)
        {
            CliApp.WriteError(stderr, e.Message);
            return CliApp.ExitFailure;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static bool Interactive(bool quiet, TextWriter stderr) => !quiet && ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;

    private static async Task<T> WithProgressBar<T>(string name, Func<ProgressTask, Action<string>, Task<T>> body)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var retries = new List<string>();
        var result = await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(name);
                var value = await body(task, line =>
                {
                    lock (retries)
                    {
                        retries.Add(line);
                    }
                }).ConfigureAwait(false);
                task.Value = task.MaxValue;
                return value;
            }).ConfigureAwait(false);
        if (retries.Count > 0)
        {
            console.MarkupLine(Markup.Escape(string.Create(Inv, $"marketsim: {retries.Count} retries; the last: {retries[^1]}")));
        }

        return result;
    }

    /// <summary>True at most every 2 s (and when forced).</summary>
    private static Func<bool, bool> Throttle()
    {
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.MinValue;
        return force =>
        {
            var now = clock.Elapsed;
            if (!force && last != TimeSpan.MinValue && now - last < TimeSpan.FromSeconds(2))
            {
                return false;
            }

            last = now;
            return true;
        };
    }

    internal static string BaseUrl(string? option, string variable, string fallback, string name)
    {
        var value = option ?? Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"{name} must be an http(s) URL, not '{value}'");
        }

        return value.TrimEnd('/');
    }

    private static DateTimeOffset? DateOrNull(string? text, string name)
    {
        if (text is null)
        {
            return null;
        }

        return GammaDatasetBuilder.ParseDate(text) ?? throw new UsageException($"{name} must be an ISO-8601 date, not '{text}'");
    }

    private static string? IsoOrNull(string? text, string name) =>
        DateOrNull(text, name)?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv);

    /// <summary>A duration such as 7d, 12h, 30m, 90s (a bare number is days).</summary>
    internal static TimeSpan ParseDuration(string text, string name)
    {
        var t = text.Trim().ToLowerInvariant();
        var unit = t.Length > 0 && char.IsAsciiLetter(t[^1]) ? t[^1] : 'd';
        var number = char.IsAsciiLetter(unit) && t.Length > 0 && char.IsAsciiLetter(t[^1]) ? t[..^1] : t;
        if (!double.TryParse(number, NumberStyles.Float, Inv, out var n) || n <= 0 || !double.IsFinite(n))
        {
            throw new UsageException($"{name} must be a positive duration such as 7d, 12h or 30m, not '{text}'");
        }

        return unit switch
        {
            'd' => TimeSpan.FromDays(n),
            'h' => TimeSpan.FromHours(n),
            'm' => TimeSpan.FromMinutes(n),
            's' => TimeSpan.FromSeconds(n),
            _ => throw new UsageException($"{name} must be a positive duration such as 7d, 12h or 30m, not '{text}'"),
        };
    }
}
