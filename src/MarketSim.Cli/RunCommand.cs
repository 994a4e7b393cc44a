using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MarketSim.Runtime;
using MarketSim.Scenarios;
using MarketSim.Simulation.Run;
using MarketSim.Simulation.Scenarios;
using MarketSim.Simulation.Summary;
using Spectre.Console;

namespace MarketSim.Cli;

/// <summary>
/// <c>marketsim run FILE [--seed N] [--set path=value ...] [--out DIR] [--quiet]</c>: plays a scenario (docs/running.md).
/// Exit codes: 0 complete, 1 failed, 2 invalid scenario or usage, 130 interrupted (Ctrl-C or SIGTERM).
/// </summary>
public static class RunCommand
{
    /// <summary>Exit code of a run stopped by Ctrl-C or SIGTERM (128 + SIGINT).</summary>
    public const int ExitInterrupted = 130;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The <c>marketsim run</c> command, printing to <paramref name="stdout"/> and <paramref name="stderr"/>.</summary>
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string?>("FILE") { Description = "Scenario file (HOCON), e.g. scenarios/parity-cliff-fog.conf (omit with --resume)", Arity = ArgumentArity.ZeroOrOne };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this run folder (killed, interrupted or failed); ends identical to an uninterrupted run" };
        var journal = new Option<string?>("--journal") { Description = "Journal backend: sqlite (journal.db in the run folder, default) or postgres (needs marketsim.persistence.postgres.connection-string or MARKETSIM_POSTGRES)" };
        var llmCache = new Option<string?>("--llm-cache") { Description = "LLM miners' response cache: off, read (cached answers only, no requests) or readwrite (default: each miner's llm.cache)" };
        var export = new Option<string?>("--export") { Description = "After a complete run, export its tables (parquet or csv) into RUN_DIR/export" };
        var seed = new Option<long?>("--seed") { Description = "Root seed (replaces marketsim.scenario.seed)" };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a key: path=value (repeatable; paths not starting with 'marketsim.' are under marketsim.scenario)",
            AllowMultipleArgumentsPerToken = false,
        };
        var outDir = new Option<string?>("--out") { Description = "Parent folder of the run folder (default: outputs.directory, i.e. runs)" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress output" };
        var cluster = new Option<string?>("--cluster") { Description = "Reserved: clustered runs return on Akka.Cluster (docs/cluster.md); this build plays runs embedded only" };
        var command = new Command("run",
            "Play a scenario: issue events, collect miners' predictions every interval, score them with the validators, journal everything (SQLite, or PostgreSQL with --journal postgres) and print the summary; --resume continues a killed run.\n" +
            "Exit codes: 0 complete, 1 failed (one line on stderr, status.json says why), 2 invalid scenario or usage, 130 interrupted by Ctrl-C or SIGTERM (resumable).\n" +
            "Example: marketsim run scenarios/parity-cliff-fog.conf --seed 1 --set timeline.events=120 --out /tmp/runs\n" +
            "         marketsim run --resume runs/20260101T000000Z_parity-cliff-fog")
        {
            file, seed, set, outDir, quiet, resume, journal, export, llmCache, cluster,
        };
        command.SetAction(parse =>
        {
            var overrides = (parse.GetValue(set) ?? []).ToList();
            var backend = parse.GetValue(journal);
            var exportFormat = parse.GetValue(export)?.ToLowerInvariant();
            if (exportFormat is not (null or "parquet" or "csv"))
            {
                throw new UsageException($"--export must be parquet or csv, not '{exportFormat}'");
            }

            if (backend is not null)
            {
                if (backend is not ("sqlite" or "postgres"))
                {
                    throw new UsageException($"--journal must be sqlite or postgres, not '{backend}'");
                }

                overrides.Insert(0, "marketsim.persistence.journal=" + backend);
            }

            MarketSim.Llm.LlmCacheMode? cacheMode = null;
            if (parse.GetValue(llmCache) is { } cacheText)
            {
                try
                {
                    cacheMode = MarketSim.Llm.LlmCacheModes.Parse(cacheText);
                }
                catch (FormatException e)
                {
                    throw new UsageException(e.Message);
                }
            }

            var resumeDir = parse.GetValue(resume);
            var scenarioFile = parse.GetValue(file);
            if (parse.GetValue(cluster) is not null)
            {
                throw new UsageException("--cluster: cluster mode is being rebuilt on Akka.Cluster and is not in this build (docs/cluster.md); run without --cluster to play the run embedded");
            }

            if (resumeDir is not null)
            {
                if (scenarioFile is not null || parse.GetValue(seed) is not null || parse.GetValue(outDir) is not null || backend is not null)
                {
                    throw new UsageException("--resume continues a run folder with its own scenario, seed, folder and journal; give no FILE, --seed, --out or --journal");
                }

                return Execute(new RunRequest(null, resumeDir, null, overrides, null, parse.GetValue(quiet), exportFormat) { LlmCache = cacheMode }, stdout, stderr);
            }

            if (scenarioFile is null)
            {
                throw new UsageException("run needs a scenario FILE (or --resume RUN_DIR)");
            }

            return Execute(new RunRequest(scenarioFile, null, parse.GetValue(seed), overrides, parse.GetValue(outDir), parse.GetValue(quiet), exportFormat) { LlmCache = cacheMode }, stdout, stderr);
        });
        return command;
    }

    /// <summary>Runs a scenario file and prints the summary table; returns the exit code.</summary>
    public static int Execute(string file, long? seed, IReadOnlyList<string> overrides, string? outDir, bool quiet, TextWriter stdout, TextWriter stderr, CancellationToken cancellation = default) =>
        Execute(new RunRequest(file, null, seed, overrides, outDir, quiet, null), stdout, stderr, cancellation);

    /// <summary>Runs (or resumes) a scenario and prints the summary table; returns the exit code.</summary>
    public static int Execute(RunRequest request, TextWriter stdout, TextWriter stderr, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var quiet = request.Quiet;
        // The actor system starts while the scenario is read, the folder claimed and the journal opened.
        if (Prepare(request, stderr, out var prepared) is { } failed)
        {
            return failed;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        // SIGTERM (docker stop, systemd, kill) ends the run like Ctrl-C: after the current interval, resumable.
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            cts.Cancel();
        });
        RunOutcome outcome;
        try
        {
            var scenario = prepared.Scenario;
            if (!quiet)
            {
                var verb = prepared.Resume ? "resuming" : "running";
                var persistence = prepared.Deployment.Persistence;
                var where = persistence.IsPostgres ? $", journal in PostgreSQL schema {persistence.PostgresSchema}" : string.Empty;
                stderr.WriteLine($"marketsim: {verb} {scenario.Name} (seed {scenario.Seed.ToString(Inv)}, {scenario.MinerCount} miners in {scenario.ShardCount} shards, {scenario.Validators.Count} validators, {(scenario.World is MarketSim.Simulation.Scenarios.PolymarketWorldSettings pm ? "markets of " + pm.Dataset : scenario.Timeline.Events.ToString(Inv) + " events")}{where}) into {prepared.Folder.Path}");
            }

            var interactive = !quiet && ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
            outcome = interactive
                ? RunWithProgressBar(prepared, cts.Token)
                : ScenarioRunner.Run(prepared, new RunOptions(cts.Token, quiet ? null : PlainProgress(stderr), quiet ? null : w => stderr.WriteLine("marketsim: " + w)));
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        switch (outcome.State)
        {
            case RunState.Complete:
                SummaryWriter.WriteReport(stdout, outcome.Summary!, prepared.Scenario.World.Kind == "polymarket");

                stdout.WriteLine($"run folder: {outcome.Folder.Path}");
                return request.Export is null ? CliApp.ExitOk : ExportAfterRun(outcome.Folder.Path, request.Export, quiet, stdout, stderr);
            case RunState.Interrupted:
                stderr.WriteLine($"marketsim: interrupted after {outcome.Intervals.ToString(Inv)} intervals (grid interval {outcome.LastInterval?.ToString(Inv) ?? "-"}, virtual time {outcome.VirtualTime?.ToString("O", Inv) ?? "-"}); journal flushed, {outcome.Folder.Path} marked interrupted");
                return ExitInterrupted;
            default:
                CliApp.WriteError(stderr, $"run failed: {outcome.Error?.Message ?? "unknown error"} ({outcome.Folder.Path} marked failed)");
                return CliApp.ExitFailure;
        }
    }

    /// <summary>Validates the scenario and creates (or opens, for --resume) the run folder; returns an exit code on failure, else null.</summary>
    internal static int? Prepare(RunRequest request, TextWriter stderr, out PreparedRun prepared)
    {
        prepared = null!;
        try
        {
            prepared = request.ResumeDir is { } dir
                ? RunPreparation.Resume(dir, request.Overrides)
                : RunPreparation.Prepare(request.File!, request.Overrides, request.Seed, request.OutDir, DateTimeOffset.UtcNow);
        }
        catch (ResumeException e)
        {
            CliApp.WriteError(stderr, "cannot resume: " + e.Message);
            return ResumeException.ExitCode;
        }
        catch (RunFolderException e)
        {
            CliApp.WriteError(stderr, e.Message);
            return RunFolderException.ExitCode;
        }
        catch (ScenarioException e)
        {
            stderr.WriteLine($"marketsim: invalid scenario {e.Source}: {e.Errors.Count} error{(e.Errors.Count == 1 ? string.Empty : "s")}");
            foreach (var error in e.Errors)
            {
                stderr.WriteLine(error.ToString().ReplaceLineEndings(" "));
            }

            return ScenarioException.ExitCode;
        }

        if (request.LlmCache is { } mode && prepared.Scenario.Miners.Any(g => g is MarketSim.Simulation.Scenarios.LlmMiners))
        {
            prepared = prepared with { Scenario = ScenarioRunner.WithLlmCache(prepared.Scenario, mode) };
            prepared.Folder.WriteScenario(prepared.Scenario, prepared.Deployment);
        }

        return null;
    }

    internal static int ExportAfterRun(string folder, string format, bool quiet, TextWriter stdout, TextWriter stderr)
    {
        var target = Path.Combine(folder, "export");
        try
        {
            var watch = Stopwatch.StartNew();
            var result = MarketSim.Journal.Export.RunExporter.Export(folder, target, new MarketSim.Journal.Export.ExportOptions(format == "csv" ? MarketSim.Journal.Export.ExportFormat.Csv : MarketSim.Journal.Export.ExportFormat.Parquet));
            if (!quiet)
            {
                stderr.WriteLine(string.Create(Inv, $"marketsim: exported {result.Files.Count} tables ({string.Join(", ", result.Rows.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {r.Value}"))} rows) in {watch.Elapsed.TotalSeconds:F2} s"));
            }

            stdout.WriteLine($"export: {target}");
            return CliApp.ExitOk;
        }
        catch (Exception e) when (e is MarketSim.Journal.Export.ExportException or IOException or UnauthorizedAccessException)
        {
            CliApp.WriteError(stderr, $"the run is complete, but the export to {target} failed: {e.Message} (retry with: marketsim export {folder} --format {format} --out {target})");
            return CliApp.ExitFailure;
        }
    }

    private static Action<RunProgress> PlainProgress(TextWriter stderr)
    {
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        return p =>
        {
            var now = clock.Elapsed;
            if (now - last < TimeSpan.FromSeconds(2) && p.Interval != p.TotalIntervals)
            {
                return;
            }

            last = now;
            stderr.WriteLine(Line(p, now));
        };
    }

    internal static string Line(RunProgress p, TimeSpan elapsed) =>
        string.Create(Inv, $"{(p.Replaying ? "replaying (verifying the journal) " : string.Empty)}interval {p.Interval}/{p.TotalIntervals}  events resolved {p.EventsResolved}/{p.TotalEvents}  predictions {p.Predictions}  ({Rate(p.Predictions, elapsed)} predictions/s)");

    private static string Rate(long predictions, TimeSpan elapsed) =>
        elapsed.TotalSeconds <= 0 ? "-" : (predictions / elapsed.TotalSeconds).ToString("N0", Inv);

    private static RunOutcome RunWithProgressBar(PreparedRun prepared, CancellationToken token)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        RunOutcome? outcome = null;
        var warnings = new List<string>();
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var intervals = ctx.AddTask("intervals");
                var events = ctx.AddTask("events resolved");
                var clock = Stopwatch.StartNew();
                var options = new RunOptions(
                    token,
                    p =>
                    {
                        intervals.MaxValue = p.TotalIntervals;
                        intervals.Value = p.Interval;
                        events.MaxValue = Math.Max(1, p.TotalEvents);
                        events.Value = p.EventsResolved;
                        intervals.Description = (p.Replaying ? "replaying " : string.Empty) + $"intervals {p.Interval.ToString(Inv)}/{p.TotalIntervals.ToString(Inv)}, {Rate(p.Predictions, clock.Elapsed)} predictions/s";
                    },
                    w =>
                    {
                        lock (warnings)
                        {
                            warnings.Add(w);
                        }
                    });
                outcome = ScenarioRunner.Run(prepared, options);
            });
        foreach (var w in warnings)
        {
            console.MarkupLine($"[yellow]marketsim:[/] {Markup.Escape(w)}");
        }

        return outcome!;
    }
}

/// <summary>What <c>marketsim run</c> was asked to do.</summary>
/// <param name="File">Scenario file (null when resuming).</param>
/// <param name="ResumeDir">Run folder to resume (null for a new run).</param>
/// <param name="Seed">--seed.</param>
/// <param name="Overrides">--set assignments (and --journal).</param>
/// <param name="OutDir">--out.</param>
/// <param name="Quiet">--quiet.</param>
/// <param name="Export">--export format (parquet or csv), or null.</param>
public sealed record RunRequest(string? File, string? ResumeDir, long? Seed, IReadOnlyList<string> Overrides, string? OutDir, bool Quiet, string? Export)
{
    /// <summary>--llm-cache: every LLM miner's cache mode, or null to keep the scenario's.</summary>
    public MarketSim.Llm.LlmCacheMode? LlmCache { get; init; }
}
