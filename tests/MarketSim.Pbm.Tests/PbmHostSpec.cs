using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MarketSim.Hocon;

namespace MarketSim.Pbm.Tests;

public sealed class PbmHostSpec
{
    [Fact]
    public void Settings_default_to_127_0_0_1_port_9110_from_the_reference_conf()
    {
        var s = PbmSettings.FromConfig(null);
        Assert.Equal("127.0.0.1", s.Host);
        Assert.Equal(9110, s.Port);
        Assert.Equal(PbmSettings.Default, s);
    }

    [Fact]
    public void Settings_are_read_from_the_petabridge_cmd_section()
    {
        var s = PbmSettings.FromConfig(ConfigFactory.ParseString("petabridge.cmd { host = \"0.0.0.0\", port = 9222 }"));
        Assert.Equal("0.0.0.0", s.Host);
        Assert.Equal(9222, s.Port);
    }

    [Fact]
    public void A_port_outside_the_tcp_range_is_rejected()
    {
        var ex = Assert.Throws<ConfigException>(() => PbmSettings.FromConfig(ConfigFactory.ParseString("petabridge.cmd.port = 70000")));
        Assert.Contains("petabridge.cmd.port", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_host_listens_on_the_configured_address_with_an_os_chosen_port()
    {
        await using var node = PbmTestNode.Start();
        Assert.Equal(IPAddress.Loopback, node.Host.BoundEndpoint.Address);
        Assert.NotEqual(0, node.Host.BoundEndpoint.Port);
    }

    [Fact]
    public async Task A_malformed_frame_closes_only_that_connection_and_is_counted()
    {
        await using var node = PbmTestNode.Start();
        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(IPAddress.Loopback, node.Host.BoundEndpoint.Port).WaitAsync(PbmTestNode.Guard);
            var stream = raw.GetStream();
            await stream.WriteAsync(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3 }).AsTask().WaitAsync(PbmTestNode.Guard);
            var reply = await PbmProtocol.ReadFrameAsync(stream, 1 << 20).WaitAsync(PbmTestNode.Guard);
            Assert.Equal("error", reply!["type"]!.GetValue<string>());
            Assert.Contains("malformed frame", reply["text"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Null(await PbmProtocol.ReadFrameAsync(stream, 1 << 20).WaitAsync(PbmTestNode.Guard));
        }

        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(IPAddress.Loopback, node.Host.BoundEndpoint.Port).WaitAsync(PbmTestNode.Guard);
            var stream = raw.GetStream();
            var payload = Encoding.UTF8.GetBytes("{not json");
            var frame = new byte[4 + payload.Length];
            BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
            payload.CopyTo(frame, 4);
            await stream.WriteAsync(frame).AsTask().WaitAsync(PbmTestNode.Guard);
            var reply = await PbmProtocol.ReadFrameAsync(stream, 1 << 20).WaitAsync(PbmTestNode.Guard);
            Assert.Equal("error", reply!["type"]!.GetValue<string>());
        }

        await PbmTestNode.EventuallyAsync(() => Task.FromResult(node.Host.MalformedFrames == 2), "two malformed frames counted");
        var (code, stdout, _) = await node.PbmAsync("actor", "hierarchy", "-d", "1");
        Assert.Equal(0, code);
        Assert.Contains("/user", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_frame_is_logged_as_a_warning()
    {
        await using var node = PbmTestNode.Start();
        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(IPAddress.Loopback, node.Host.BoundEndpoint.Port).WaitAsync(PbmTestNode.Guard);
            await raw.GetStream().WriteAsync(new byte[] { 0, 0, 0, 0 }).AsTask().WaitAsync(PbmTestNode.Guard);
            Assert.NotNull(await PbmProtocol.ReadFrameAsync(raw.GetStream(), 1 << 20).WaitAsync(PbmTestNode.Guard));
        }

        await using var client = await node.ConnectAsync();
        await PbmTestNode.EventuallyAsync(
            async () => (await node.RunAsync(client, "log peek")).Any(l => l.Contains("[WARNING]", StringComparison.Ordinal) && l.Contains("malformed frame", StringComparison.Ordinal)),
            "the malformed-frame warning in log peek");
    }

    [Fact]
    public async Task A_registered_palette_is_downloaded_by_clients_and_runs_with_its_arguments()
    {
        await using var node = PbmTestNode.Start();
        node.Host.RegisterPalette(new CommandPalette(
            "msg",
            "Messages.",
            [new CommandDefinition("write", "Write a message.", [new CommandArgument("message", "the text", true, ["-m"])])],
            async (inv, output, _) => await output.WriteLineAsync("wrote " + inv.Get("message"))));
        await using var client = await node.ConnectAsync();
        Assert.Contains(client.Palettes, p => p.Name == "msg" && p.Commands.Single().Arguments.Single().Mandatory);
        Assert.Equal(["wrote hello world"], await node.RunAsync(client, "msg write -m \"hello world\""));
        Assert.Equal(["wrote hi"], await node.RunAsync(client, "msg write hi"));
        var missing = await client.ExecuteAsync("msg write", _ => { }).WaitAsync(PbmTestNode.Guard);
        Assert.False(missing.Ok);
        Assert.Contains("missing argument MESSAGE", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registering_a_palette_name_twice_is_rejected()
    {
        await using var node = PbmTestNode.Start();
        var ex = Assert.Throws<ArgumentException>(() => node.Host.RegisterPalette(new CommandPalette("log", "again", [], (_, _, _) => Task.CompletedTask)));
        Assert.Contains("already registered", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_that_throws_fails_with_its_message_and_the_host_keeps_serving()
    {
        await using var node = PbmTestNode.Start();
        node.Host.RegisterPalette(new CommandPalette(
            "boom",
            "Fails.",
            [new CommandDefinition("now", "Throw.", [])],
            (_, _, _) => throw new InvalidOperationException("kaboom")));
        var (code, _, stderr) = await node.PbmAsync("boom", "now");
        Assert.Equal(1, code);
        Assert.Contains("kaboom", stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await node.PbmAsync("actor", "hierarchy")).Code);
    }
}
