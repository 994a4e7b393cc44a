using System.Net;
using System.Net.Sockets;

namespace MarketSim.Cli.Tests;

/// <summary><c>marketsim pbm</c> is the pbm client (docs/pbm.md).</summary>
public sealed class PbmAliasSpec
{
    [Fact]
    public void Marketsim_pbm_runs_the_pbm_client_and_a_refused_connection_exits_2_naming_the_address()
    {
        // A port nobody listens on: bind, read it, close.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var r = CliRunner.Run("pbm", $"127.0.0.1:{port}", "help");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Marketsim_help_lists_pbm()
    {
        var r = CliRunner.Run("--help");
        Assert.Contains("pbm", r.Out, StringComparison.Ordinal);
    }
}
