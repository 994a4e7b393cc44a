using Akka.Actor;
using MarketSim.Journal;
using MarketSim.Journal.Akka;
using MarketSim.Journal.Summary;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Run;
using MarketSim.Simulation.Scenarios;
using MarketSim.Simulation.Summary;

namespace MarketSim.Runtime;

/// <summary>Hooks of a run.</summary>
/// <param name="Cancellation">Ctrl-C: the run stops after the current interval, flushes the journal and is marked interrupted.</param>
/// <param name="Progress">Called after every interval (on the coordinator's thread).</param>
/// <param name="Warning">Called for each rejected answer logged (first per miner and validator).</param>
public sealed record RunOptions(CancellationToken Cancellation = default, Action<RunProgress>? Progress = null, Action<string>? Warning = null)
{
    /// <summary>Benchmark baseline: play the run on the same persistent actors with a journal that keeps nothing (<see cref="DiscardingJournal"/>; no summary).</summary>
    public bool DiscardJournal { get; init; }

    /// <summary>The actor system to play on, configured with the run's journal (null = one started for the run and stopped after it).</summary>
    public MarketSimSystem? System { get; init; }
}

/// <summary>The result of <see cref="ScenarioRunner.Run"/>.</summary>
/// <param name="State">complete, interrupted or failed.</param>
/// <param name="Folder">The run folder.</param>
/// <param name="Summary">The summary read back from the journal (complete runs only).</param>
/// <param name="Intervals">Intervals played.</param>
/// <param name="Predictions">Predictions made.</param>
/// <param name="LastInterval">Grid index of the last interval fully played.</param>
/// <param name="VirtualTime">Virtual time reached.</param>
/// <param name="Error">Why it failed.</param>
public sealed record RunOutcome(RunState State, RunFolder Folder, RunSummary? Summary, long Intervals, long Predictions, long? LastInterval, DateTimeOffset? VirtualTime, Exception? Error)
{
    /// <summary>Wall time of playing the intervals, journal writes included (the summary excluded).</summary>
    public TimeSpan PlayTime { get; init; }
}

/// <summary>
/// Plays a prepared scenario (<see cref="RunPreparation.Prepare"/>) end to end on the process's actor system
/// (<see cref="MarketSimSystem"/>): the world built first, then a <see cref="RunCoordinator"/> under <c>/user/runs</c> with
/// its miner shards and validators, the journal, then the summary computed by reading the journal back, and finally the
/// status marker.
/// </summary>
public static class ScenarioRunner
{
    /// <summary>
    /// Plays <paramref name="run"/> (fresh, or a resume that replays and verifies the journal first) and returns how it
    /// ended; failures are returned (with <c>status.json</c> marked failed), not thrown.
    /// </summary>
    public static RunOutcome Run(PreparedRun run, RunOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        options ??= new RunOptions();
        var scenario = run.Scenario;
        var folder = run.Folder;
        IDisposable folderLock;
        try
        {
            folderLock = folder.Lock();
        }
        catch (IOException e)
        {
            // Someone else is running this folder: leave its status alone.
            return new RunOutcome(RunState.Failed, folder, null, 0, 0, null, null, e);
        }

        using (folderLock)
        {
            if (run.Resume)
            {
                folder.MarkRunning(DateTimeOffset.UtcNow);
            }

            return RunLocked(run, options);
        }
    }

    private static RunOutcome RunLocked(PreparedRun run, RunOptions options)
    {
        var scenario = run.Scenario;
        var folder = run.Folder;
        CoordinatorResult? result = null;
        var played = TimeSpan.Zero;
        MarketSimSystem? owned = null;
        JournalConfig.Target? journal = null;
        try
        {
            try
            {
                // The journal's copy of the scenario must not depend on deployment choices (workers, backend): they never change results.
                var hocon = ScenarioRenderer.ToHocon(DeploymentNeutral(scenario));
                var deployment = run.Deployment;
                // The world first: a dataset that cannot be read fails here, in one line, before the journal is touched.
                var world = BuildWorld(scenario);
                var target = journal = JournalConfig.For(deployment.Persistence, folder);
                if (!options.DiscardJournal)
                {
                    RunJournals.Prepare(target);
                }

                var host = options.System ?? (owned = MarketSimSystem.Start(null, JournalConfig.Akka(target, options.DiscardJournal), JournalConfig.Setup(target)));
                var clock = System.Diagnostics.Stopwatch.StartNew();
                result = Play(scenario, deployment.Parallelism, world, target, hocon, run.Resume, host, options);
                played = clock.Elapsed;
                if (result.State == RunState.Complete && !options.DiscardJournal)
                {
                    return Summarise(run, result, played, new QueryJournalReader(host.System, target.Location));
                }
            }
            catch (Exception e)
            {
                folder.MarkFailed(DateTimeOffset.UtcNow, Resumable(folder.Path, e.Message));
                return new RunOutcome(RunState.Failed, folder, null, 0, 0, null, null, e);
            }
        }
        finally
        {
            owned?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(30));
            if (owned is not null && journal is not null && !options.DiscardJournal)
            {
                RunJournals.Close(journal);
            }
        }

        switch (result.State)
        {
            case RunState.Interrupted:
                folder.MarkInterrupted(DateTimeOffset.UtcNow, result.LastInterval, result.VirtualTime, "interrupted (Ctrl-C); the journal holds every interval up to this one; continue with marketsim run --resume " + folder.Path);
                return new RunOutcome(RunState.Interrupted, folder, null, result.Intervals, result.Predictions, result.LastInterval, result.VirtualTime, null) { PlayTime = played };
            case RunState.Failed:
                folder.MarkFailed(DateTimeOffset.UtcNow, Resumable(folder.Path, result.Error?.Message ?? "failed"), result.LastInterval, result.VirtualTime);
                return new RunOutcome(RunState.Failed, folder, null, result.Intervals, result.Predictions, result.LastInterval, result.VirtualTime, result.Error) { PlayTime = played };
        }

        // A complete run with the discarding journal (the benchmark baseline): nothing to summarise.
        folder.MarkComplete(DateTimeOffset.UtcNow, result.LastInterval, result.VirtualTime);
        return new RunOutcome(RunState.Complete, folder, null, result.Intervals, result.Predictions, result.LastInterval, result.VirtualTime, null) { PlayTime = played };
    }

    /// <summary>The summary of a complete run, read back from its journal through Akka.Persistence.Query, written next to it.</summary>
    private static RunOutcome Summarise(PreparedRun run, CoordinatorResult result, TimeSpan played, IRunJournalReader reader)
    {
        var scenario = run.Scenario;
        var folder = run.Folder;
        RunSummary summary;
        try
        {
            using (reader)
            {
                summary = SummaryBuilder.FromJournal(reader);
            }

            if (scenario.Outputs.SummaryJson)
            {
                File.WriteAllBytes(folder.SummaryJsonFile, SummaryWriter.ToJson(summary));
            }

            if (scenario.Outputs.SummaryMarkdown)
            {
                File.WriteAllText(folder.SummaryMarkdownFile, SummaryWriter.ToMarkdown(summary), new System.Text.UTF8Encoding(false));
            }
        }
        catch (Exception e)
        {
            folder.MarkFailed(DateTimeOffset.UtcNow, "summary: " + e.Message, result.LastInterval, result.VirtualTime);
            return new RunOutcome(RunState.Failed, folder, null, result.Intervals, result.Predictions, result.LastInterval, result.VirtualTime, e);
        }

        folder.MarkComplete(DateTimeOffset.UtcNow, result.LastInterval, result.VirtualTime);
        return new RunOutcome(RunState.Complete, folder, summary, result.Intervals, result.Predictions, result.LastInterval, result.VirtualTime, null) { PlayTime = played };
    }

    /// <summary>
    /// The scenario as the journal records it: without where LLM answers are cached and whether the cache is read or
    /// written (workers and journal backend are not part of a <see cref="Scenario"/> at all: <see cref="RunDeployment"/>).
    /// </summary>
    public static Scenario DeploymentNeutral(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var neutral = new MarketSim.Llm.LlmSettings();
        var miners = scenario.Miners.Select(g => g is LlmMiners { Llm: var l } llm ? llm with { Llm = l with { CacheMode = neutral.CacheMode, CacheDir = neutral.CacheDir } } : g).ToList();
        return scenario with { Miners = new EquatableList<MinerGroup>(miners) };
    }

    /// <summary>Every LLM miner's cache mode set to <paramref name="mode"/> (<c>marketsim run --llm-cache</c>).</summary>
    public static Scenario WithLlmCache(Scenario scenario, MarketSim.Llm.LlmCacheMode mode)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var miners = scenario.Miners.Select(g => g is LlmMiners { Llm: var l } llm ? llm with { Llm = l with { CacheMode = mode } } : g).ToList();
        return scenario with { Miners = new EquatableList<MinerGroup>(miners) };
    }

    private static string Resumable(string folder, string message) =>
        message + " (the journal is consistent up to its last write; once the cause is fixed, continue with: marketsim run --resume " + folder + ")";

    /// <summary>The scenario's world (<see cref="RunWorlds.Create"/>); a failure becomes a <see cref="WorldException"/> whose one-line message names the world and the cause.</summary>
    internal static IRunWorld BuildWorld(Scenario scenario)
    {
        try
        {
            return RunWorlds.Create(scenario);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or FormatException or ArgumentException or OverflowException or NotSupportedException)
        {
            throw new WorldException($"the {scenario.World.Kind} world cannot be built: {e.Message}", e);
        }
    }

    /// <summary>Records (about one per stream and interval) gathered into one journal write.</summary>
    private const int RecordsPerWrite = 8;

    private static CoordinatorResult Play(Scenario scenario, int parallelism, IRunWorld world, JournalConfig.Target target, string hocon, bool resume, MarketSimSystem host, RunOptions options)
    {
        var completion = new TaskCompletionSource<CoordinatorResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new CoordinatorContext(new RunStreams(target.Location, RecordsPerWrite), hocon, options.Cancellation, options.Progress, options.Warning, completion)
        {
            ShardDispatcher = host.ShardDispatcher(parallelism),
            StepTimeout = host.StepTimeout,
            World = world,
            Resume = resume,
            JournalReady = options.DiscardJournal ? null : () => RunJournals.AfterInitialize(target),
        };
        // If /user/runs is gone (the system is shutting down), the run fails with that reason instead of waiting forever.
        var gone = host.Runs.WatchAsync(CancellationToken.None);
        host.Runs.Tell(new RunSupervisor.Play(scenario, context), ActorRefs.NoSender);
        if (Task.WhenAny(completion.Task, gone).GetAwaiter().GetResult() != completion.Task)
        {
            completion.TrySetResult(context.Tally.Result(RunState.Failed, new InvalidOperationException("the actor system stopped before the run finished")));
        }

        return completion.Task.GetAwaiter().GetResult();
    }
}

/// <summary>The world of a scenario cannot be built (an unreadable dataset, a corrupt price history, a timeline past year 9999).</summary>
public sealed class WorldException(string message, Exception inner) : Exception(message, inner);
