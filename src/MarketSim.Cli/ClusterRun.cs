using System.Diagnostics;
using System.Globalization;
using MarketSim.Markets.Run;
using MarketSim.Markets.Scenarios;
using MarketSim.Node;

namespace MarketSim.Cli;

/// <summary>
/// <c>marketsim run FILE --cluster hocon/node.conf</c>: the run folder is made here (scenario.conf, status.json and at the
/// end the summary), the run itself is played by the cluster (docs/cluster.md). Exit codes as for an embedded run.
/// </summary>
internal static class ClusterRun
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Execute(RunRequest request, string clusterConfig, TextWriter stdout, TextWriter stderr)
    {
        var config = ConfigCommands.Load(clusterConfig, [], includeReference: true);
        if (RunCommand.Prepare(request, stderr, out var prepared) is { } failed)
        {
            return failed;
        }

        var folder = prepared.Folder;
        var runId = Path.GetFileName(folder.Path) + "-" + Guid.NewGuid().ToString("N")[..6];
        var schema = ClusterRunClient.SchemaFor(runId);
        var connection = config.GetString("marketsim.persistence.postgres.connection-string") ?? string.Empty;
        var scenario = prepared.Scenario with { Persistence = new PersistenceSettings("postgres", connection, schema) };
        folder.WriteScenario(scenario);
        prepared = prepared with { Scenario = scenario };
        var quiet = request.Quiet;
        if (!quiet)
        {
            stderr.WriteLine($"marketsim: submitting {scenario.Name} (seed {scenario.Seed.ToString(Inv)}, {scenario.MinerCount} miners in {scenario.ShardCount} shards, {scenario.Validators.Count} validators) to the cluster as run {runId}, journal in PostgreSQL schema {schema}; run folder {folder.Path}");
        }

        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        RunFinished result;
        var clock = Stopwatch.StartNew();
        try
        {
            string? coordinator = null;
            var last = TimeSpan.Zero;
            result = ClusterRunClient.RunAsync(prepared, runId, config, p =>
            {
                if (quiet)
                {
                    return;
                }

                if (p.Coordinator != coordinator)
                {
                    stderr.WriteLine($"marketsim: coordinator {p.Coordinator}{(coordinator is null ? string.Empty : " took over (resuming from the journal)")}");
                    coordinator = p.Coordinator;
                }

                var now = clock.Elapsed;
                if (now - last >= TimeSpan.FromSeconds(2) || p.Interval == p.TotalIntervals)
                {
                    last = now;
                    stderr.WriteLine(RunCommand.Line(new RunProgress(p.Interval, p.TotalIntervals, default, 0, p.EventsResolved, p.TotalEvents, p.Predictions, p.Replaying), now));
                }
            }, quiet ? null : w => stderr.WriteLine("marketsim: " + w), cts.Token).GetAwaiter().GetResult();
        }
        catch (ClusterRunException e)
        {
            folder.MarkFailed(DateTimeOffset.UtcNow, e.Message);
            CliApp.WriteError(stderr, e.Message);
            return CliApp.ExitFailure;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        switch (result.State)
        {
            case "complete":
                if (result.SummaryJson is { } json)
                {
                    File.WriteAllBytes(folder.SummaryJsonFile, json);
                }

                if (result.SummaryMarkdown is { } md)
                {
                    File.WriteAllText(folder.SummaryMarkdownFile, md, new System.Text.UTF8Encoding(false));
                }

                folder.MarkComplete(DateTimeOffset.UtcNow, result.LastInterval, null);
                stdout.Write(result.Report ?? string.Empty);
                stdout.WriteLine($"run folder: {folder.Path}");
                if (!quiet)
                {
                    var perInterval = result.Intervals > 0 ? (double)result.BrokerMessages / result.Intervals : 0;
                    stderr.WriteLine(string.Create(Inv, $"marketsim: cluster run {runId} complete on {result.Coordinator}: {result.Predictions} predictions in {seconds:F2} s ({result.Predictions / Math.Max(seconds, 1e-9):N0} predictions/s); {result.BrokerMessages} shard messages over the broker ({perInterval:F1} per interval, {result.Shards} shards)"));
                }

                return request.Export is null ? CliApp.ExitOk : RunCommand.ExportAfterRun(folder.Path, request.Export, quiet, stdout, stderr);
            case "interrupted":
                folder.MarkInterrupted(DateTimeOffset.UtcNow, result.LastInterval, null, $"interrupted (Ctrl-C) on {result.Coordinator}; the journal in schema {schema} holds every interval up to this one");
                stderr.WriteLine($"marketsim: interrupted after {result.Intervals.ToString(Inv)} intervals on {result.Coordinator}");
                return RunCommand.ExitInterrupted;
            default:
                folder.MarkFailed(DateTimeOffset.UtcNow, $"{result.Error ?? "failed"} (on {result.Coordinator})", result.LastInterval);
                CliApp.WriteError(stderr, $"run failed on {result.Coordinator}: {result.Error ?? "unknown error"} ({folder.Path} marked failed)");
                return CliApp.ExitFailure;
        }
    }
}
