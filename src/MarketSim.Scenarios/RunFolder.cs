using System.Globalization;
using System.Text;
using System.Text.Json;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Scenarios;

/// <summary>States of a run recorded in <c>status.json</c>.</summary>
public enum RunState
{
    /// <summary>Under way (or killed: a run that is not running any more still says so until it is resumed).</summary>
    Running,

    /// <summary>Every interval played, the journal closed, the summaries written.</summary>
    Complete,

    /// <summary>Stopped by an error; the message says why and how to resume.</summary>
    Failed,

    /// <summary>Stopped by Ctrl-C or SIGTERM after a whole interval; resumable.</summary>
    Interrupted,
}

/// <summary>The content of <c>status.json</c>: state, where the run stopped, and a message for failures.</summary>
/// <param name="State">running | complete | failed | interrupted.</param>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Created">Wall-clock creation time of the folder (UTC).</param>
/// <param name="Updated">Wall-clock time of this status (UTC).</param>
/// <param name="Interval">Last grid interval fully processed, when known.</param>
/// <param name="VirtualTime">Virtual time reached, when known.</param>
/// <param name="Message">What went wrong (failed, interrupted), or a note.</param>
public sealed record RunStatus(
    RunState State,
    string Scenario,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    long? Interval,
    DateTimeOffset? VirtualTime,
    string? Message);

/// <summary>
/// A run's output folder <c>&lt;out&gt;/&lt;yyyyMMddTHHmmssZ&gt;_&lt;name&gt;/</c> holding <c>scenario.conf</c> (the resolved scenario),
/// <c>journal.db</c>, <c>summary.json</c>, <c>summary.md</c> and <c>status.json</c>. <c>status.json</c> says
/// <c>running</c> from creation and <c>complete</c> only when <see cref="MarkComplete"/> is called at the very end.
/// </summary>
public sealed class RunFolder
{
    /// <summary>The resolved scenario and deployment; its existence is what makes a folder a run (the claim).</summary>
    public const string ScenarioFileName = "scenario.conf";

    /// <summary>The SQLite journal (absent when the journal is in PostgreSQL).</summary>
    public const string JournalFileName = "journal.db";

    /// <summary>The run's state (<see cref="RunStatus"/>), rewritten as it goes.</summary>
    public const string StatusFileName = "status.json";

    /// <summary>The summary read back from the journal, as JSON.</summary>
    public const string SummaryJsonFileName = "summary.json";

    /// <summary>The summary as a Markdown table.</summary>
    public const string SummaryMarkdownFileName = "summary.md";

    /// <summary>Held (an exclusive file lock) by the process that plays the run.</summary>
    public const string LockFileName = "run.lock";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private RunFolder(string path, string scenarioName, DateTimeOffset created)
    {
        Path = path;
        ScenarioName = scenarioName;
        Created = created;
    }

    /// <summary>Full path of the folder.</summary>
    public string Path { get; }

    /// <summary>The scenario's name (the folder name's suffix).</summary>
    public string ScenarioName { get; }

    /// <summary>The <c>utcNow</c> given to <see cref="Create"/>.</summary>
    public DateTimeOffset Created { get; }

    /// <summary>Full path of <c>scenario.conf</c>.</summary>
    public string ScenarioFile => System.IO.Path.Combine(Path, ScenarioFileName);

    /// <summary>Full path of <c>journal.db</c>.</summary>
    public string JournalFile => System.IO.Path.Combine(Path, JournalFileName);

    /// <summary>Full path of <c>status.json</c>.</summary>
    public string StatusFile => System.IO.Path.Combine(Path, StatusFileName);

    /// <summary>Full path of <c>summary.json</c>.</summary>
    public string SummaryJsonFile => System.IO.Path.Combine(Path, SummaryJsonFileName);

    /// <summary>Full path of <c>summary.md</c>.</summary>
    public string SummaryMarkdownFile => System.IO.Path.Combine(Path, SummaryMarkdownFileName);

    /// <summary>The folder name for a run started at <paramref name="utcNow"/>: <c>20260122T043800Z_bench-subnet</c>.</summary>
    public static string FolderName(string scenarioName, DateTimeOffset utcNow) =>
        utcNow.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "_" + scenarioName;

    /// <summary>
    /// Creates <c>&lt;outDir or "runs"&gt;/&lt;yyyyMMddTHHmmssZ&gt;_&lt;name&gt;/</c> and writes <c>status.json</c> (running).
    /// Collision-safe: when the name is taken (same second, or another process), <c>-2</c>, <c>-3</c>, … is appended.
    /// With <paramref name="scenarioText"/> the claim is the exclusive creation of <c>scenario.conf</c> holding that text, and
    /// <c>status.json</c> comes after it, so a process killed at any point leaves a folder that is either not a run (no
    /// scenario.conf) or a resumable one; without it the claim is the exclusive creation of <c>status.json</c>.
    /// </summary>
    public static RunFolder Create(string? outDir, string scenarioName, DateTimeOffset utcNow, Func<RunFolder, string>? scenarioText = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(scenarioName);
        var parent = System.IO.Path.GetFullPath(string.IsNullOrEmpty(outDir) ? "runs" : outDir);
        Directory.CreateDirectory(parent);
        var baseName = FolderName(scenarioName, utcNow);
        for (var attempt = 1; attempt < 10_000; attempt++)
        {
            var name = attempt == 1 ? baseName : baseName + "-" + attempt.ToString(CultureInfo.InvariantCulture);
            var path = System.IO.Path.Combine(parent, name);
            if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
            {
                continue;
            }

            Directory.CreateDirectory(path);
            var folder = new RunFolder(path, scenarioName, utcNow.ToUniversalTime());
            var status = new RunStatus(RunState.Running, scenarioName, folder.Created, folder.Created, null, null, null);
            var claim = scenarioText is null ? folder.StatusFile : folder.ScenarioFile;
            try
            {
                if (scenarioText is null)
                {
                    using var stream = new FileStream(claim, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                    stream.Write(Serialize(status));
                }
                else
                {
                    // Whole or absent: the text goes to a private temporary file, which then takes the name unless another
                    // process took it first (a move that never overwrites).
                    var tmp = System.IO.Path.Combine(path, ScenarioFileName + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp");
                    File.WriteAllText(tmp, scenarioText(folder), new UTF8Encoding(false));
                    try
                    {
                        File.Move(tmp, claim, overwrite: false);
                    }
                    finally
                    {
                        File.Delete(tmp);
                    }
                }
            }
            catch (IOException) when (File.Exists(claim))
            {
                continue;
            }

            if (scenarioText is not null)
            {
                folder.WriteStatus(status);
            }

            return folder;
        }

        throw new IOException($"could not create a run folder for '{scenarioName}' under {parent}");
    }

    /// <summary>
    /// Opens an existing run folder (for <c>marketsim run --resume</c>): it must hold <c>scenario.conf</c> and <c>status.json</c>.
    /// </summary>
    public static RunFolder Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"run folder {path} does not exist");
        }

        if (!File.Exists(System.IO.Path.Combine(full, ScenarioFileName)))
        {
            throw new FileNotFoundException($"{path} has no {ScenarioFileName} (not a run folder?)", System.IO.Path.Combine(full, ScenarioFileName));
        }

        if (ReadStatus(full) is { } status)
        {
            return new RunFolder(full, status.Scenario, status.Created);
        }

        // Killed between creating status.json and writing it: the folder name still says when and what.
        var name = System.IO.Path.GetFileName(full);
        var underscore = name.IndexOf('_', StringComparison.Ordinal);
        var created = DateTimeOffset.TryParseExact(underscore > 0 ? name[..underscore] : name, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : new DateTimeOffset(Directory.GetCreationTimeUtc(full), TimeSpan.Zero);
        return new RunFolder(full, underscore > 0 ? name[(underscore + 1)..] : name, created);
    }

    /// <summary>
    /// Takes the folder's exclusive lock (<c>run.lock</c>) for as long as the returned handle lives; the operating system
    /// releases it when the process dies, SIGKILL included. Throws <see cref="IOException"/> when another process holds it.
    /// </summary>
    public IDisposable Lock()
    {
        var file = System.IO.Path.Combine(Path, LockFileName);
        try
        {
            var stream = new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            stream.Write(pid);
            stream.Flush();
            return stream;
        }
        catch (IOException e)
        {
            throw new IOException($"run folder {Path} is in use by another marketsim process ({LockFileName} is locked)", e);
        }
    }

    /// <summary>The PostgreSQL schema of a run folder: <c>run_</c> + its name, lower-case, other characters as '_', at most 63 characters.</summary>
    public string DefaultPostgresSchema()
    {
        var name = System.IO.Path.GetFileName(Path).ToLowerInvariant();
        var sb = new StringBuilder("run_");
        foreach (var ch in name)
        {
            sb.Append(ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? ch : '_');
        }

        if (sb.Length <= 63)
        {
            return sb.ToString();
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        return sb.ToString(0, 54) + "_" + hash;
    }

    /// <summary>Writes <c>scenario.conf</c>: the resolved scenario and its deployment, every key explicit, loadable again with an equal result.</summary>
    public void WriteScenario(Scenario scenario, RunDeployment deployment)
    {
        // Write-then-rename: a process killed here leaves either no scenario.conf or a whole one.
        var tmp = ScenarioFile + ".tmp";
        File.WriteAllText(tmp, ScenarioRenderer.ToHocon(scenario, deployment), new UTF8Encoding(false));
        File.Move(tmp, ScenarioFile, overwrite: true);
    }

    /// <summary>Status while the run is under way (optionally with progress).</summary>
    public void MarkRunning(DateTimeOffset utcNow, long? interval = null, DateTimeOffset? virtualTime = null) =>
        WriteStatus(new RunStatus(RunState.Running, ScenarioName, Created, utcNow.ToUniversalTime(), interval, virtualTime, null));

    /// <summary>The last step of a successful run, after the journal is closed and the summaries are written.</summary>
    public void MarkComplete(DateTimeOffset utcNow, long? interval = null, DateTimeOffset? virtualTime = null) =>
        WriteStatus(new RunStatus(RunState.Complete, ScenarioName, Created, utcNow.ToUniversalTime(), interval, virtualTime, null));

    /// <summary>The run failed; <paramref name="message"/> says why, interval/virtual time where.</summary>
    public void MarkFailed(DateTimeOffset utcNow, string message, long? interval = null, DateTimeOffset? virtualTime = null) =>
        WriteStatus(new RunStatus(RunState.Failed, ScenarioName, Created, utcNow.ToUniversalTime(), interval, virtualTime, message));

    /// <summary>The run was stopped (Ctrl+C) at interval/virtual time.</summary>
    public void MarkInterrupted(DateTimeOffset utcNow, long? interval = null, DateTimeOffset? virtualTime = null, string? message = null) =>
        WriteStatus(new RunStatus(RunState.Interrupted, ScenarioName, Created, utcNow.ToUniversalTime(), interval, virtualTime, message));

    /// <summary>Reads <c>status.json</c> of a run folder; null when there is none or it cannot be read.</summary>
    public static RunStatus? ReadStatus(string folder)
    {
        var file = System.IO.Path.Combine(folder, StatusFileName);
        if (!File.Exists(file))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<RunStatus>(File.ReadAllBytes(file), JsonOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>True when the folder's <c>status.json</c> says complete.</summary>
    public static bool IsComplete(string folder) => ReadStatus(folder)?.State == RunState.Complete;

    private static byte[] Serialize(RunStatus status) => JsonSerializer.SerializeToUtf8Bytes(status, JsonOptions);

    /// <summary>
    /// Write-then-rename, so a reader never sees half a status. On a full disk the temporary file cannot be written:
    /// then the status is rewritten in place, in the blocks the existing <c>status.json</c> already holds (a status is
    /// far smaller than one block), so that a run that failed for lack of space still says so, and why.
    /// </summary>
    internal void WriteStatus(RunStatus status)
    {
        var bytes = Serialize(status);
        var tmp = StatusFile + ".tmp";
        try
        {
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, StatusFile, overwrite: true);
        }
        catch (IOException) when (File.Exists(StatusFile))
        {
            TryDelete(tmp);
            using var stream = new FileStream(StatusFile, FileMode.Open, FileAccess.Write, FileShare.Read);
            stream.Write(bytes);
            stream.SetLength(bytes.Length);
            stream.Flush(flushToDisk: true);
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
            // a leftover temporary file is harmless: the next write replaces it
        }
    }
}

/// <summary>A loaded scenario with its run folder: freshly created (scenario.conf written, status running), or an existing one to resume.</summary>
/// <param name="Scenario">The scenario (for a resume: the folder's scenario.conf with the allowed overrides).</param>
/// <param name="Folder">The run folder.</param>
/// <param name="Resume">True for <c>marketsim run --resume</c>: the journal is replayed and verified, then continued.</param>
public sealed record PreparedRun(Scenario Scenario, RunFolder Folder, bool Resume = false)
{
    /// <summary>Worker threads and journal backend of this run (never change results).</summary>
    public RunDeployment Deployment { get; init; } = RunDeployment.Neutral;
}

/// <summary>The first step of <c>marketsim run</c>: validate, then (only if valid) create the run folder.</summary>
public static class RunPreparation
{
    /// <summary>
    /// Loads <paramref name="scenarioFile"/> strictly (<see cref="ScenarioLoader.Load"/>) and only when it is valid creates the run folder under
    /// <paramref name="outDir"/> (or the scenario's <c>outputs.directory</c>) and writes <c>scenario.conf</c>.
    /// A <see cref="ScenarioException"/> leaves no folder behind.
    /// </summary>
    public static PreparedRun Prepare(string scenarioFile, IReadOnlyList<string>? overrides, long? seed, string? outDir, DateTimeOffset utcNow)
    {
        var (scenario, deployment) = ScenarioLoader.LoadRun(scenarioFile, overrides, seed);
        var parent = outDir ?? scenario.Outputs.Directory;
        var where = outDir is null ? "outputs.directory" : "--out";
        if (File.Exists(parent))
        {
            throw new RunFolderException($"{where} {parent}: is a file, not a directory");
        }

        var final = deployment;
        RunFolder folder;
        try
        {
            // scenario.conf is the claim: nothing in the folder says "run" before it exists (see RunFolder.Create).
            folder = RunFolder.Create(parent, scenario.Name, utcNow, f =>
            {
                if (final.Persistence.IsPostgres && final.Persistence.PostgresSchema.Length == 0)
                {
                    final = final with { Persistence = final.Persistence with { PostgresSchema = f.DefaultPostgresSchema() } };
                }

                return ScenarioRenderer.ToHocon(scenario, final);
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunFolderException($"{where} {parent}: cannot create the run folder: {e.Message}");
        }

        return new PreparedRun(scenario, folder) { Deployment = final };
    }

    /// <summary>
    /// Prepares <c>marketsim run --resume RUN_DIR</c>: the scenario is the folder's <c>scenario.conf</c>; only deployment keys
    /// may be overridden (<c>marketsim.parallelism</c>, <c>marketsim.persistence.postgres.connection-string</c>, e.g. to give the
    /// password again), never anything that changes results. Throws <see cref="ResumeException"/> when the folder cannot be resumed.
    /// </summary>
    public static PreparedRun Resume(string runDir, IReadOnlyList<string>? overrides)
    {
        RunFolder folder;
        try
        {
            folder = RunFolder.Open(runDir);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new ResumeException(e.Message);
        }

        if (RunFolder.ReadStatus(folder.Path)?.State == RunState.Complete)
        {
            throw new ResumeException($"run {runDir} is already complete; nothing to resume");
        }

        foreach (var o in overrides ?? [])
        {
            var path = o.Split('=', 2)[0].Trim();
            if (path is not (ScenarioLoader.ParallelismPath or "marketsim.persistence.postgres.connection-string"))
            {
                throw new ResumeException($"--set {path}: a resumed run keeps its scenario; only {ScenarioLoader.ParallelismPath} and marketsim.persistence.postgres.connection-string may be set");
            }
        }

        // The overrides allowed above are deployment keys only, and deployment is not part of the scenario: the scenario
        // resumed is the stored one.
        var (scenario, deployment) = ScenarioLoader.LoadRun(folder.ScenarioFile, overrides, null);
        return new PreparedRun(scenario, folder, Resume: true) { Deployment = deployment };
    }
}

/// <summary>A run folder that cannot be resumed (missing, complete, locked, or overrides that would change results).</summary>
public sealed class ResumeException(string message) : Exception(message)
{
    /// <summary>Exit code of <c>marketsim run --resume</c> for this error.</summary>
    public const int ExitCode = 2;
}

/// <summary>The run folder cannot be made where it was asked for (a file in the way, no permission, a full disk); the message names the option and the path.</summary>
public sealed class RunFolderException(string message) : Exception(message)
{
    /// <summary>Exit code of <c>marketsim run</c>: a bad <c>--out</c> is a usage error.</summary>
    public const int ExitCode = 2;
}
