using System.Net;
using System.Net.Sockets;
using Akka.Actor;

namespace MarketSim.Pbm.Tests;

public sealed class PbmProgramSpec
{
    [Fact]
    public async Task An_unknown_command_exits_1_with_the_close_matches_the_node_suggests()
    {
        await using var node = PbmTestNode.Start();
        var (code, stdout, stderr) = await node.PbmAsync("actor", "hierachy");
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal("pbm: unknown command 'actor hierachy'; did you mean: actor hierarchy?", stderr.Trim());

        var (code2, _, stderr2) = await node.PbmAsync("lgo", "peek");
        Assert.Equal(1, code2);
        Assert.Contains("did you mean: log peek", stderr2, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_connection_exits_2_with_one_line_naming_the_address()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await PbmProgram.RunAsync([$"127.0.0.1:{port}", "help"], stdout, stderr, new StringReader(""), default).WaitAsync(PbmTestNode.Guard);
        Assert.Equal(2, code);
        Assert.Equal("", stdout.ToString());
        var lines = stderr.ToString().TrimEnd().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith($"pbm: cannot connect to 127.0.0.1:{port}: connection refused", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void An_address_without_a_valid_port_is_a_usage_error()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(2, PbmProgram.Main(["127.0.0.1:notaport", "help"], stdout, stderr));
        Assert.Equal("pbm: invalid address '127.0.0.1:notaport' (expected HOST:PORT, e.g. 127.0.0.1:9110)", stderr.ToString().Trim());
    }

    [Theory]
    [InlineData("127.0.0.1:9110", "127.0.0.1", 9110)]
    [InlineData("localhost:1", "localhost", 1)]
    [InlineData("[::1]:9110", "::1", 9110)]
    public void Addresses_parse_as_host_and_port(string text, string host, int port)
    {
        Assert.True(PbmProgram.TryParseAddress(text, out var h, out var p));
        Assert.Equal(host, h);
        Assert.Equal(port, p);
    }

    [Fact]
    public async Task An_interactive_session_runs_two_commands_then_exits()
    {
        await using var node = PbmTestNode.Start();
        node.System.ActorOf(Props.Create<Idle>(), "idle");
        var (code, stdout, stderr) = await node.PbmAsync([], "actor hierarchy -d 2\n\nlog set-level WARNING\nexit\nactor hierarchy\n");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        var prompt = $"[{node.Address}] pbm> ";
        Assert.StartsWith($"Connected to {node.Address}.", stdout, StringComparison.Ordinal);
        Assert.Equal(4, stdout.Split(prompt).Length - 1);
        Assert.Contains(prompt + "/system", stdout, StringComparison.Ordinal);
        Assert.Contains("/user/idle", stdout, StringComparison.Ordinal);
        Assert.Contains("Log level changed from INFO to WARNING.", stdout, StringComparison.Ordinal);
        Assert.EndsWith(prompt, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_interactive_session_reports_errors_and_continues_until_quit()
    {
        await using var node = PbmTestNode.Start();
        var (code, stdout, stderr) = await node.PbmAsync([], "nonsense here\nhelp\nquit\n");
        Assert.Equal(0, code);
        Assert.Contains("pbm: unknown command 'nonsense here'", stderr, StringComparison.Ordinal);
        Assert.Contains("actor hierarchy", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_interactive_session_ends_at_the_end_of_input()
    {
        await using var node = PbmTestNode.Start();
        var (code, _, _) = await node.PbmAsync([], "help\n");
        Assert.Equal(0, code);
    }

    [Fact]
    public async Task A_one_shot_streaming_command_exits_0_when_interrupted()
    {
        await using var node = PbmTestNode.Start();
        var talker = node.System.ActorOf(Props.Create<Talker>(), "talker");
        talker.Tell("before the follow", ActorRefs.Nobody);
        await using (var client = await node.ConnectAsync())
        {
            await PbmTestNode.EventuallyAsync(
                async () => (await node.RunAsync(client, "log peek")).Any(l => l.Contains("before the follow", StringComparison.Ordinal)),
                "the first line recorded");
        }

        using var interrupt = new CancellationTokenSource();
        var stdout = new LineWriter(line =>
        {
            if (line.Contains("before the follow", StringComparison.Ordinal))
            {
                interrupt.Cancel();
            }
        });
        var stderr = new StringWriter();
        var code = await PbmProgram.RunAsync([node.Address, "log", "peek", "-f"], stdout, stderr, new StringReader(""), interrupt.Token).WaitAsync(PbmTestNode.Guard);
        Assert.Equal(0, code);
        Assert.Equal("", stderr.ToString());
        Assert.Contains("before the follow", stdout.ToString(), StringComparison.Ordinal);
        await PbmTestNode.EventuallyAsync(() => Task.FromResult(node.Host.ActiveCommands == 0), "the stream ended on the node");
    }
}
