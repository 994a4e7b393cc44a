using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using MarketSim.Cli.Tests;

namespace MarketSim.Node.Tests;

/// <summary>A <c>marketsim</c> child process (a node or a client) with its output captured line by line.</summary>
internal sealed partial class MarketsimProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private MarketsimProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => string.Join("\n", _lines);

    /// <summary>Starts <c>marketsim ARGS</c> in the repository root with <paramref name="env"/> added to the environment.</summary>
    public static MarketsimProcess Start(IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "marketsim.dll");
        var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = CliRunner.RepoRoot };
        info.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        var process = Process.Start(info)!;
        var result = new MarketsimProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                result._lines.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                result._lines.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Waits for a line matching <paramref name="pattern"/>; fails with the output so far when the process exits first or time runs out.</summary>
    public Match WaitFor(Regex pattern, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            foreach (var line in _lines)
            {
                var m = pattern.Match(line);
                if (m.Success)
                {
                    return m;
                }
            }

            if (_process.HasExited)
            {
                _process.WaitForExit();
                throw new Xunit.Sdk.XunitException($"marketsim exited ({_process.ExitCode}) before printing /{pattern}/:\n{Output}");
            }

            Thread.Sleep(50);
        }

        throw new Xunit.Sdk.XunitException($"timed out after {timeout.TotalSeconds:F0} s waiting for /{pattern}/:\n{Output}");
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit();
        return true;
    }

    /// <summary>SIGKILL: no handler runs, no leave, connections drop.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}

/// <summary>A node process and what it announced when up.</summary>
internal sealed partial class NodeProcess(MarketsimProcess process, string address, int pbmPort) : IDisposable
{
    public MarketsimProcess Process { get; } = process;

    /// <summary><c>akka://cluster@host:id</c>.</summary>
    public string Address { get; } = address;

    public int PbmPort { get; } = pbmPort;

    public string Pbm => "127.0.0.1:" + PbmPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static NodeProcess Start(IReadOnlyDictionary<string, string> env, string roles, params string[] extra)
    {
        string[] args = ["node", "--config", "hocon/node.conf", "--roles", roles, "--set", "petabridge.cmd.port=0",
            "--set", "marketsim.cluster.heartbeat-interval=200ms", "--set", "marketsim.cluster.failure-detector.acceptable-heartbeat-pause=2s",
            "--set", "marketsim.cluster.downing.stable-after=1s", .. extra];
        var process = MarketsimProcess.Start(env, args);
        var up = process.WaitFor(UpLine(), TimeSpan.FromSeconds(60));
        return new NodeProcess(process, up.Groups[1].Value, int.Parse(up.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose() => Process.Dispose();

    [GeneratedRegex(@"^marketsim node (akka://\S+) up; roles \[[^\]]*\]; pbm 127\.0\.0\.1:(\d+)$")]
    private static partial Regex UpLine();
}
