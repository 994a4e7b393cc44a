

namespace MarketSim.Scenarios.Tests;

public sealed class RunFolderSpec : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 1, 22, 4, 38, 0, TimeSpan.Zero);
    private readonly ScenarioTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void A_run_folder_is_named_by_utc_time_and_scenario_and_starts_running()
    {
        var f = RunFolder.Create(_files.Directory, "bench-subnet", Now.ToOffset(TimeSpan.FromHours(2)));
        Assert.Equal("20260122T043800Z_bench-subnet", Path.GetFileName(f.Path));
        Assert.Equal(RunState.Running, RunFolder.ReadStatus(f.Path)!.State);
        Assert.False(RunFolder.IsComplete(f.Path));
        Assert.Equal(Path.Combine(f.Path, "journal.db"), f.JournalFile);
    }

    [Fact]
    public void Two_runs_in_the_same_second_get_distinct_folders()
    {
        var a = RunFolder.Create(_files.Directory, "x", Now);
        var b = RunFolder.Create(_files.Directory, "x", Now);
        var c = RunFolder.Create(_files.Directory, "x", Now);
        Assert.Equal(["20260122T043800Z_x", "20260122T043800Z_x-2", "20260122T043800Z_x-3"], new[] { a, b, c }.Select(f => Path.GetFileName(f.Path)));
    }

    [Fact]
    public void Only_mark_complete_makes_a_folder_complete_and_failures_say_where()
    {
        var f = RunFolder.Create(_files.Directory, "x", Now);
        f.MarkRunning(Now.AddSeconds(1), interval: 3);
        Assert.False(RunFolder.IsComplete(f.Path));
        f.MarkFailed(Now.AddSeconds(2), "boom", interval: 4, virtualTime: Now);
        var failed = RunFolder.ReadStatus(f.Path)!;
        Assert.Equal((RunState.Failed, "boom", 4L), (failed.State, failed.Message, failed.Interval!.Value));
        f.MarkInterrupted(Now.AddSeconds(3), interval: 5);
        Assert.Equal(RunState.Interrupted, RunFolder.ReadStatus(f.Path)!.State);
        f.MarkComplete(Now.AddSeconds(4));
        Assert.True(RunFolder.IsComplete(f.Path));
        Assert.Contains("\"state\": \"complete\"", File.ReadAllText(f.StatusFile));
    }

    [Fact]
    public void A_scenario_that_fails_validation_creates_no_run_folder()
    {
        var bad = _files.Write("bad.conf", "marketsim.scenario { timelne { } }");
        var outDir = Path.Combine(_files.Directory, "runs");
        Assert.Throws<ScenarioException>(() => RunPreparation.Prepare(bad, null, null, outDir, Now));
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateDirectories(outDir).Any(RunFolder.IsComplete));
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any());
    }

    [Fact]
    public void Preparing_a_valid_scenario_writes_a_reloadable_scenario_conf()
    {
        var outDir = Path.Combine(_files.Directory, "runs");
        var run = RunPreparation.Prepare(ScenarioTestFiles.ShippedScenario("parity-cliff-fog.conf"), ["timeline.events=50"], 3, outDir, Now);
        Assert.Equal(Path.Combine(outDir, "20260122T043800Z_parity-cliff-fog"), run.Folder.Path);
        Assert.Equal(run.Scenario, ScenarioLoader.Load(run.Folder.ScenarioFile));
        Assert.Equal(RunState.Running, RunFolder.ReadStatus(run.Folder.Path)!.State);
    }
}
