using System.Diagnostics;

namespace MarketSim.Cli.Tests;

/// <summary>Shell commands of the specs that mount small filesystems (a full disk, a read-only folder): they need root.</summary>
internal static class Shell
{
    /// <summary>Runs <paramref name="command"/> with <c>sh -c</c>; fails the spec, with stderr, when it does not exit 0.</summary>
    public static void Run(string command)
    {
        var info = new ProcessStartInfo("sh") { RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"'{command}' failed ({p.ExitCode}): {err} — this spec needs root (./test.sh runs as root)");
    }
}
