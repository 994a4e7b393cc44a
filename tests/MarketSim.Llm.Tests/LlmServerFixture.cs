using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace MarketSim.Llm.Tests;

/// <summary>
/// Starts scripts/llm-server.mjs: node-llama-cpp running a tiny random-weight GGUF model (generated
/// by scripts/llm-gguf.mjs into a temporary folder) behind an OpenAI-compatible endpoint on
/// 127.0.0.1. It requires the API key <see cref="ApiKey"/>, which the tests hand to the client
/// through the environment variable <see cref="KeyEnv"/>. Without node-llama-cpp installed
/// every spec using it fails with a message saying to run ./test.sh (it never skips).
/// </summary>
public sealed class LlmServerFixture : IDisposable
{
    public const string KeyEnv = "MARKETSIM_LLM_TEST_API_KEY";
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    public LlmServerFixture()
    {
        var modules = Environment.GetEnvironmentVariable("MARKETSIM_LLM_NODE_MODULES");
        if (string.IsNullOrEmpty(modules) || !File.Exists(Path.Combine(modules, "node-llama-cpp", "package.json")))
        {
            throw new InvalidOperationException(
                "node-llama-cpp is not installed (MARKETSIM_LLM_NODE_MODULES is unset or wrong). Run ./test.sh, or "
                + "export MARKETSIM_LLM_NODE_MODULES=\"$(scripts/llm-setup.sh)\" before dotnet test.");
        }

        RepoRoot = FindRepoRoot();
        WorkDir = Directory.CreateTempSubdirectory("marketsim-llm-").FullName;
        ModelPath = Path.Combine(WorkDir, "tiny-random.gguf");
        ApiKey = "sk-test-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(KeyEnv, ApiKey);
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { Path.Combine(RepoRoot, "scripts", "llm-server.mjs"), "--port", "0", "--model", ModelPath, "--contexts", "4", "--api-key", ApiKey, "--exit-with-stdin" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["MARKETSIM_LLM_NODE_MODULES"] = modules;
        var sw = Stopwatch.StartNew();
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(60)) || line.Result is null)
        {
            Kill();
            throw new InvalidOperationException($"scripts/llm-server.mjs did not become ready: {StdErr}");
        }

        using var ready = JsonDocument.Parse(line.Result);
        Port = ready.RootElement.GetProperty("port").GetInt32();
        ModelBytes = new FileInfo(ModelPath).Length;
        StartupTime = sw.Elapsed;
        BaseUrl = $"http://127.0.0.1:{Port}/v1";
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}/") };
    }

    public string RepoRoot { get; }
    public string WorkDir { get; }
    public string ModelPath { get; }
    public string ApiKey { get; }
    public int Port { get; }
    public string BaseUrl { get; }
    public long ModelBytes { get; }
    public TimeSpan StartupTime { get; }
    public HttpClient Http { get; }

    public string StdErr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public LlmSettings Settings(string? cacheDir = null) => new()
    {
        BaseUrl = BaseUrl,
        Model = "marketsim-tiny-random",
        ApiKeyEnv = KeyEnv,
        Temperature = 0.8,
        MaxTokens = 48,
        Seed = 7,
        Concurrency = 4,
        Timeout = TimeSpan.FromSeconds(30),
        Retries = 0,
        BackoffBase = TimeSpan.FromMilliseconds(20),
        BackoffMax = TimeSpan.FromSeconds(5),
        CacheMode = cacheDir is null ? LlmCacheMode.Off : LlmCacheMode.ReadWrite,
        CacheDir = cacheDir ?? "",
    };

    // under WorkDir: removed with the fixture
    public string NewCacheDir() => Directory.CreateDirectory(Path.Combine(WorkDir, "cache-" + Guid.NewGuid().ToString("N"))).FullName;

    public async Task ResetAsync() => (await Http.PostAsync("admin/reset", null)).EnsureSuccessStatusCode();

    public async Task FaultsAsync(object faults) => (await Http.PostAsJsonAsync("admin/faults", faults)).EnsureSuccessStatusCode();

    public async Task<ServerStats> StatsAsync() =>
        (await Http.GetFromJsonAsync<ServerStats>("admin/stats", new JsonSerializerOptions(JsonSerializerDefaults.Web)))!;

    public void Dispose()
    {
        Http.Dispose();
        try
        {
            _process.StandardInput.Close(); // the server stops when its stdin ends
            if (!_process.WaitForExit(5000))
            {
                Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MarketSim.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MarketSim.sln not found above " + AppContext.BaseDirectory);
    }
}

public sealed record ServerStats(int Requests, int Completions, int InjectedFailures, int Unauthorized, int BadRequests, int Cancelled,
    int InFlight, int MaxInFlight, long PromptTokens, long CompletionTokens, double GenerationMs);

[CollectionDefinition(Name)]
public sealed class LlmServerCollection : ICollectionFixture<LlmServerFixture>
{
    public const string Name = "llm-server";
}

/// <summary>An ILogger that keeps every formatted line (and exception text).</summary>
public sealed class CapturingLogger : ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");

    public string All => string.Join('\n', Lines);
}
