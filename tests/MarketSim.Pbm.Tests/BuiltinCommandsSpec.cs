using Akka.Actor;

namespace MarketSim.Pbm.Tests;

public sealed class BuiltinCommandsSpec
{
    private static readonly string[] Lines = ["\n"];

    private static string[] Split(string s) => s.Replace("\r", "", StringComparison.Ordinal).Split(Lines, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Children are created when their parent starts (asynchronously): wait until the deepest one resolves.</summary>
    private static Task ResolvedAsync(PbmTestNode node, string path) =>
        PbmTestNode.EventuallyAsync(
            async () =>
            {
                try
                {
                    await node.System.ActorSelection(path).ResolveOne(PbmTestNode.Guard);
                    return true;
                }
                catch (ActorNotFoundException)
                {
                    return false;
                }
            },
            path + " started");

    [Fact]
    public async Task Help_lists_every_palette_and_command_with_its_description()
    {
        await using var node = PbmTestNode.Start();
        var (code, stdout, stderr) = await node.PbmAsync("help");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("  help", stdout, StringComparison.Ordinal);
        Assert.Contains("actor: Inspect the actors of the connected node.", stdout, StringComparison.Ordinal);
        Assert.Contains("  actor hierarchy [-s SCOPE] [-d DEPTH]", stdout, StringComparison.Ordinal);
        Assert.Contains("  log peek [-n COUNT] [-f]", stdout, StringComparison.Ordinal);
        Assert.Contains("  log set-level LEVEL", stdout, StringComparison.Ordinal);
        Assert.Contains("Print the most recent log lines kept in memory", stdout, StringComparison.Ordinal);
        Assert.Contains("-d|--depth DEPTH  deepest level printed", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_answered_by_the_node_matches_the_help_rendered_by_the_client()
    {
        await using var node = PbmTestNode.Start();
        await using var client = await node.ConnectAsync();
        var fromNode = await node.RunAsync(client, "\"help\""); // quoted: the client sends it instead of rendering it
        var fromClient = HelpFormatter.Render(client.Palettes);
        Assert.Equal(fromClient, fromNode);
    }

    [Fact]
    public async Task Actor_hierarchy_lists_created_actors_sorted_with_system_before_user()
    {
        await using var node = PbmTestNode.Start();
        node.System.ActorOf(Props.Create(() => new Parent(2)), "parent");
        node.System.ActorOf(Props.Create<Idle>(), "idle");
        await ResolvedAsync(node, "/user/parent/child/child");
        var (code, stdout, _) = await node.PbmAsync("actor", "hierarchy");
        Assert.Equal(0, code);
        var lines = Split(stdout);
        Assert.Contains("/user/parent", lines);
        Assert.Contains("/user/parent/child", lines);
        Assert.Contains("/user/parent/child/child", lines);
        Assert.Contains("/user/idle", lines);
        Assert.Contains("/user/petabridge.cmd-log-memorizer", lines);
        Assert.Equal(lines.Order(StringComparer.Ordinal), lines);
        Assert.True(Array.FindLastIndex(lines, l => l.StartsWith("/system", StringComparison.Ordinal)) < Array.IndexOf(lines, "/user"));
    }

    [Fact]
    public async Task Actor_hierarchy_stops_at_the_requested_depth()
    {
        await using var node = PbmTestNode.Start();
        node.System.ActorOf(Props.Create(() => new Parent(2)), "parent");
        await ResolvedAsync(node, "/user/parent/child/child");
        var (code, stdout, _) = await node.PbmAsync("actor", "hierarchy", "-d", "2");
        Assert.Equal(0, code);
        var lines = Split(stdout);
        Assert.Contains("/user", lines);
        Assert.Contains("/user/parent", lines);
        Assert.DoesNotContain("/user/parent/child", lines);
        Assert.All(lines, l => Assert.True(l.Count(c => c == '/') <= 2, l));

        var (code1, stdout1, _) = await node.PbmAsync("actor", "hierarchy", "-d", "1");
        Assert.Equal(0, code1);
        Assert.Equal(["/system", "/user"], Split(stdout1));
    }

    [Fact]
    public async Task Actor_hierarchy_limits_the_output_to_a_scope()
    {
        await using var node = PbmTestNode.Start();
        node.System.ActorOf(Props.Create(() => new Parent(2)), "parent");
        node.System.ActorOf(Props.Create<Idle>(), "idle");
        await ResolvedAsync(node, "/user/parent/child/child");
        var (code, stdout, _) = await node.PbmAsync("actor", "hierarchy", "-s", "/user/parent", "-d", "3");
        Assert.Equal(0, code);
        Assert.Equal(["/user/parent", "/user/parent/child"], Split(stdout));
    }

    [Fact]
    public async Task Actor_hierarchy_rejects_a_depth_that_is_not_a_positive_number()
    {
        await using var node = PbmTestNode.Start();
        var (code, _, stderr) = await node.PbmAsync("actor", "hierarchy", "-d", "zero");
        Assert.Equal(1, code);
        Assert.Contains("-d expects a whole number >= 1 but was 'zero'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_peek_shows_a_line_logged_by_an_actor()
    {
        await using var node = PbmTestNode.Start();
        var talker = node.System.ActorOf(Props.Create<Talker>(), "talker");
        talker.Tell("hello from the talker", ActorRefs.Nobody);
        await using var client = await node.ConnectAsync();
        await PbmTestNode.EventuallyAsync(
            async () => (await node.RunAsync(client, "log peek")).Any(l =>
                l.Contains("[INFO]", StringComparison.Ordinal)
                && l.Contains("[akka://pbmspec/user/talker] hello from the talker", StringComparison.Ordinal)),
            "the talker's line in log peek");
        var (code, stdout, _) = await node.PbmAsync("log", "peek", "-n", "1");
        Assert.Equal(0, code);
        Assert.Single(Split(stdout));
    }

    [Fact]
    public async Task Log_set_level_changes_which_lines_are_recorded()
    {
        await using var node = PbmTestNode.Start();
        var talker = node.System.ActorOf(Props.Create<Talker>(), "talker");
        var (code, stdout, _) = await node.PbmAsync("log", "set-level", "WARNING");
        Assert.Equal(0, code);
        Assert.Contains("Log level changed from INFO to WARNING.", stdout, StringComparison.Ordinal);

        talker.Tell("info after the change", ActorRefs.Nobody);
        talker.Tell("warn: warning after the change", ActorRefs.Nobody);
        await using var client = await node.ConnectAsync();
        List<string> lines = [];
        await PbmTestNode.EventuallyAsync(
            async () => (lines = await node.RunAsync(client, "log peek")).Any(l => l.Contains("warning after the change", StringComparison.Ordinal)),
            "the warning in log peek");
        Assert.DoesNotContain(lines, l => l.Contains("info after the change", StringComparison.Ordinal));

        Assert.Equal(0, (await node.PbmAsync("log", "set-level", "-l", "info")).Code);
        talker.Tell("info after the second change", ActorRefs.Nobody);
        await PbmTestNode.EventuallyAsync(
            async () => (await node.RunAsync(client, "log peek")).Any(l => l.Contains("info after the second change", StringComparison.Ordinal)),
            "the INFO line after set-level INFO");
    }

    [Fact]
    public async Task Log_set_level_below_the_published_level_says_those_events_are_not_produced()
    {
        await using var node = PbmTestNode.Start();
        var (code, stdout, _) = await node.PbmAsync("log", "set-level", "DEBUG");
        Assert.Equal(0, code);
        Assert.Contains("publishes log events at INFO and above (akka.loglevel)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_set_level_records_debug_lines_when_the_node_publishes_them()
    {
        await using var node = PbmTestNode.Start("akka.loglevel = DEBUG");
        var talker = node.System.ActorOf(Props.Create<Talker>(), "talker");
        Assert.Equal(0, (await node.PbmAsync("log", "set-level", "DEBUG")).Code);
        talker.Tell("debug: a debug line", ActorRefs.Nobody);
        await using var client = await node.ConnectAsync();
        await PbmTestNode.EventuallyAsync(
            async () => (await node.RunAsync(client, "log peek")).Any(l => l.Contains("[DEBUG]", StringComparison.Ordinal) && l.Contains("a debug line", StringComparison.Ordinal)),
            "the DEBUG line in log peek");
    }

    [Fact]
    public async Task Log_set_level_with_an_unknown_level_fails_with_a_clear_error()
    {
        await using var node = PbmTestNode.Start();
        var (code, stdout, stderr) = await node.PbmAsync("log", "set-level", "LOUD");
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal("pbm: log set-level: unknown level 'LOUD' (expected DEBUG, INFO, WARNING, ERROR or OFF)", stderr.Trim());
    }

    [Fact]
    public async Task Log_set_level_without_a_level_names_the_missing_argument()
    {
        await using var node = PbmTestNode.Start();
        var (code, _, stderr) = await node.PbmAsync("log", "set-level");
        Assert.Equal(1, code);
        Assert.Contains("missing argument LEVEL", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_streaming_log_peek_ends_cleanly_when_the_client_cancels()
    {
        await using var node = PbmTestNode.Start();
        var talker = node.System.ActorOf(Props.Create<Talker>(), "talker");
        await using var client = await node.ConnectAsync();
        using var cts = new CancellationTokenSource();
        var seen = new List<string>();
        var run = client.ExecuteAsync("log peek -f -n 0", line =>
        {
            seen.Add(line);
            if (line.Contains("streamed line", StringComparison.Ordinal))
            {
                cts.Cancel();
            }
        }, cts.Token);
        await PbmTestNode.EventuallyAsync(() => Task.FromResult(node.Host.ActiveCommands == 1), "the follow command running");

        // lines logged after the follower registered are streamed; keep logging until one arrives
        using var feeder = new CancellationTokenSource();
        var feeding = Task.Run(async () =>
        {
            while (!feeder.IsCancellationRequested)
            {
                talker.Tell("streamed line", ActorRefs.Nobody);
                await Task.Delay(50);
            }
        });
        var result = await run.WaitAsync(PbmTestNode.Guard);
        await feeder.CancelAsync();
        await feeding;

        Assert.True(result.Ok, result.Error);
        Assert.True(result.Cancelled);
        Assert.Contains(seen, l => l.Contains("streamed line", StringComparison.Ordinal));
        await PbmTestNode.EventuallyAsync(() => Task.FromResult(node.Host.ActiveCommands == 0), "no command running");
        Assert.Contains("/user", await node.RunAsync(client, "actor hierarchy -d 1"));
    }
}
