using System.Globalization;
using System.Text.RegularExpressions;
using MarketSim.Cli.Tests;
using MarketSim.Markets.Journal;
using MarketSim.Markets.Tests.Run;

namespace MarketSim.Node.Tests;

/// <summary>
/// Real <c>marketsim node</c> processes on the real RabbitMQ and PostgreSQL (./test.sh starts both): a cluster plays
/// scenarios/parity-cliff-fog.conf and must end byte-identical to the embedded run — journal rows and summary.json —
/// also when a miner node or the coordinator's node is SIGKILLed mid-run, and when a miner node leaves by pbm.
/// </summary>
[Trait("Category", "RabbitMQ")]
[Trait("Category", "Postgres")]
public sealed partial class ClusterRunSpec : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly string _cluster = "runs-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _dir = Directory.CreateTempSubdirectory("marketsim-cluster-").FullName;
    private readonly List<NodeProcess> _nodes = [];
    private readonly List<MarketsimProcess> _clients = [];

    private Dictionary<string, string> Env => new()
    {
        ["MARKETSIM_AMQP"] = Required("MARKETSIM_TEST_AMQP", "RabbitMQ"),
        ["MARKETSIM_POSTGRES"] = Required("MARKETSIM_TEST_POSTGRES", "PostgreSQL"),
        ["MARKETSIM_CLUSTER_NAME"] = _cluster,
    };

    public void Dispose()
    {
        foreach (var c in _clients)
        {
            c.Dispose();
        }

        foreach (var n in _nodes)
        {
            n.Dispose();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    [Fact]
    public void Three_node_processes_play_parity_cliff_fog_byte_identical_to_the_embedded_run()
    {
        var coordinator = StartNode("coordinator,validator");
        var miners = new[] { StartNode("miners"), StartNode("miners,gpu") };
        var members = AwaitMembers(coordinator, 3);
        Assert.Contains($"{coordinator.Address} | [coordinator,validator] | up |", members, StringComparison.Ordinal);
        Assert.Contains($"{miners[0].Address} | [miners] | up |", members, StringComparison.Ordinal);
        Assert.Contains($"{miners[1].Address} | [gpu,miners] | up |", members, StringComparison.Ordinal);

        var client = Submit();
        Assert.True(client.WaitForExit(Timeout), "the cluster run did not finish:\n" + client.Output);
        Assert.True(client.ExitCode == 0, client.Output);
        AssertIdenticalToEmbedded(ClientFolder(client));

        // one shard: two broker messages per interval (work and answer), plus the run's preparation
        var stats = MessagesLine().Match(client.Output);
        Assert.True(stats.Success, client.Output);
        Assert.Equal("1", stats.Groups["shards"].Value);
        Assert.InRange(double.Parse(stats.Groups["per"].Value, CultureInfo.InvariantCulture), 2.0, 2.1);
    }

    [Fact]
    public void Broker_messages_per_interval_grow_with_the_shards_not_with_the_predictions()
    {
        var coordinator = StartNode("coordinator,validator");
        StartNode("miners");
        AwaitMembers(coordinator, 2);
        var perInterval = new Dictionary<string, double>();
        var predictionsPerInterval = new Dictionary<string, double>();
        foreach (var (label, sets) in new[]
        {
            ("1 shard", Array.Empty<string>()),
            ("1 shard, events open 3x longer", ["--set", "timeline.lifetime=4d"]),
            ("3 shards", ["--set", "shard-size=4"]),
        })
        {
            var client = Submit(sets);
            Assert.True(client.WaitForExit(Timeout) && client.ExitCode == 0, client.Output);
            var m = MessagesLine().Match(client.Output);
            var h = Headline().Match(client.Output);
            Assert.True(m.Success && h.Success, client.Output);
            perInterval[label] = double.Parse(m.Groups["per"].Value, CultureInfo.InvariantCulture);
            predictionsPerInterval[label] = double.Parse(h.Groups["p"].Value, CultureInfo.InvariantCulture) / double.Parse(h.Groups["i"].Value, CultureInfo.InvariantCulture);
        }

        Assert.True(predictionsPerInterval["1 shard, events open 3x longer"] > 2 * predictionsPerInterval["1 shard"], "the longer window should multiply the predictions per interval");
        // work and answer per shard and interval (intervals with no open event send nothing)
        Assert.InRange(perInterval["1 shard"], 1.9, 2.1);
        Assert.InRange(perInterval["1 shard, events open 3x longer"] / perInterval["1 shard"], 0.95, 1.05);
        Assert.InRange(perInterval["3 shards"] / perInterval["1 shard"], 2.9, 3.1);
    }

    [Fact]
    public void A_miner_node_killed_mid_run_loses_its_shards_to_the_others_and_the_run_ends_identical()
    {
        var coordinator = StartNode("coordinator,validator");
        var b = StartNode("miners", "--set", "marketsim.node.shard-delay=10ms");
        var c = StartNode("miners", "--set", "marketsim.node.shard-delay=10ms");
        AwaitMembers(coordinator, 3);
        string[] sets = ["--set", "shard-size=4"];
        var client = Submit(sets);
        AwaitInterval(coordinator, 150);
        var shards = Pbm(coordinator, "shards", "show");
        Assert.Contains(b.Address, shards, StringComparison.Ordinal);
        Assert.Contains(c.Address, shards, StringComparison.Ordinal);

        b.Process.Kill();
        Assert.True(client.WaitForExit(Timeout), "the run did not finish after the miner node was killed:\n" + client.Output);
        Assert.True(client.ExitCode == 0, client.Output);
        AssertIdenticalToEmbedded(ClientFolder(client), sets);
        var status = Pbm(coordinator, "run", "status");
        Assert.Matches(@"moves: [1-9]", status);
        Assert.Matches(@"redelivered: [1-9]", status);
        Assert.DoesNotContain(b.Address, Pbm(coordinator, "shards", "show"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_coordinators_node_killed_mid_run_hands_the_run_to_another_coordinator_that_resumes_it_identical()
    {
        var first = StartNode("coordinator,validator");
        var second = StartNode("coordinator,validator");
        StartNode("miners", "--set", "marketsim.node.shard-delay=10ms");
        AwaitMembers(first, 3);
        var client = Submit();
        var playing = AwaitPlaying([first, second]);
        var other = playing == first ? second : first;
        AwaitInterval(playing, 150);

        playing.Process.Kill();
        Assert.True(client.WaitForExit(Timeout), "the run did not finish after its coordinator was killed:\n" + client.Output);
        Assert.True(client.ExitCode == 0, client.Output);
        Assert.Contains($"coordinator {other.Address} took over (resuming from the journal)", client.Output, StringComparison.Ordinal);
        Assert.Contains("(resumed from the journal)", Pbm(other, "run", "status"), StringComparison.Ordinal);
        AssertIdenticalToEmbedded(ClientFolder(client));
    }

    [Fact]
    public void Pbm_cluster_leave_moves_a_miner_nodes_shards_away_before_it_exits()
    {
        var coordinator = StartNode("coordinator,validator");
        var b = StartNode("miners", "--set", "marketsim.node.shard-delay=10ms");
        var c = StartNode("miners", "--set", "marketsim.node.shard-delay=10ms");
        AwaitMembers(coordinator, 3);
        string[] sets = ["--set", "shard-size=4"];
        var client = Submit(sets);
        AwaitInterval(coordinator, 100);
        Assert.Contains(b.Address, Pbm(coordinator, "shards", "show"), StringComparison.Ordinal);

        Assert.Contains($"{b.Address} is leaving", Pbm(coordinator, "cluster", "leave", "-a", b.Address), StringComparison.Ordinal);
        Assert.True(b.Process.WaitForExit(TimeSpan.FromSeconds(60)), "the leaving node did not exit:\n" + b.Process.Output);
        Assert.Equal(0, b.Process.ExitCode);
        Assert.True(Regex.IsMatch(b.Process.Output, @"handoff done \(no shard left here; [1-9]\d* shards moved to other nodes"), b.Process.Output);
        Assert.False(client.HasExited, "the run should still be playing when the node has left");
        Assert.DoesNotContain(b.Address, Pbm(coordinator, "shards", "show"), StringComparison.Ordinal);

        Assert.True(client.WaitForExit(Timeout) && client.ExitCode == 0, client.Output);
        AssertIdenticalToEmbedded(ClientFolder(client), sets);
        Assert.Contains(c.Address, Pbm(coordinator, "shards", "show"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_submitted_where_no_coordinator_node_runs_fails_at_once_and_leaves_nothing_queued()
    {
        StartNode("miners");
        var client = Submit();
        Assert.True(client.WaitForExit(TimeSpan.FromSeconds(60)), client.Output);
        Assert.Equal(1, client.ExitCode);
        Assert.Contains($"no coordinator node is taking runs in cluster {_cluster}", client.Output, StringComparison.Ordinal);
        var folder = Directory.GetDirectories(Path.Combine(_dir, "client")).Single();
        Assert.Contains("\"failed\"", File.ReadAllText(Path.Combine(folder, "status.json")), StringComparison.Ordinal);

        // a coordinator that starts later finds no stale submission
        var coordinator = StartNode("coordinator,validator");
        Thread.Sleep(1000);
        Assert.StartsWith("no run", Pbm(coordinator, "run", "status"), StringComparison.Ordinal);
    }

    private NodeProcess StartNode(string roles, params string[] extra)
    {
        var node = NodeProcess.Start(Env, roles, ["--set", $"marketsim.node.runs-dir={Path.Combine(_dir, "node-" + _nodes.Count.ToString(CultureInfo.InvariantCulture))}", .. extra]);
        _nodes.Add(node);
        return node;
    }

    private MarketsimProcess Submit(params string[] sets)
    {
        var client = MarketsimProcess.Start(Env, ["run", "scenarios/parity-cliff-fog.conf", "--cluster", "hocon/node.conf", "--out", Path.Combine(_dir, "client"), .. sets]);
        _clients.Add(client);
        return client;
    }

    private static string Pbm(NodeProcess node, params string[] command)
    {
        var r = CliRunner.Run(["pbm", node.Pbm, .. command]);
        Assert.True(r.ExitCode == 0, $"pbm {node.Pbm} {string.Join(' ', command)} exited {r.ExitCode}: {r.Out}{r.Err}");
        return r.Out;
    }

    /// <summary>Polls <c>cluster show</c> until <paramref name="count"/> members are up; returns its output.</summary>
    private static string AwaitMembers(NodeProcess via, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var show = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            show = Pbm(via, "cluster", "show");
            if (show.Contains($"Count: {count} nodes", StringComparison.Ordinal) && Regex.Matches(show, @"\| up \|  \|").Count == count)
            {
                return show;
            }

            Thread.Sleep(200);
        }

        throw new Xunit.Sdk.XunitException($"{count} members never became up:\n{show}");
    }

    private static void AwaitInterval(NodeProcess coordinator, long interval)
    {
        var deadline = DateTime.UtcNow + Timeout;
        var status = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            status = Pbm(coordinator, "run", "status");
            var m = IntervalLine().Match(status);
            if (m.Success && long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= interval)
            {
                Assert.Contains("state: running", status, StringComparison.Ordinal);
                return;
            }

            Thread.Sleep(50);
        }

        throw new Xunit.Sdk.XunitException($"the run never reached interval {interval}:\n{status}");
    }

    private static NodeProcess AwaitPlaying(IReadOnlyList<NodeProcess> coordinators)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var c in coordinators)
            {
                if (Pbm(c, "run", "status").StartsWith("run: ", StringComparison.Ordinal))
                {
                    return c;
                }
            }

            Thread.Sleep(100);
        }

        throw new Xunit.Sdk.XunitException("no coordinator took the run");
    }

    private static string ClientFolder(MarketsimProcess client) => RunFolderLine().Match(client.Output) is { Success: true } m
        ? m.Groups[1].Value
        : throw new Xunit.Sdk.XunitException("no run folder in the client's output:\n" + client.Output);

    /// <summary>The cluster run's summary.json and journal rows equal those of the embedded run of the same scenario and overrides.</summary>
    private void AssertIdenticalToEmbedded(string clusterFolder, params string[] sets)
    {
        var outDir = Path.Combine(_dir, "embedded-" + Guid.NewGuid().ToString("N")[..6]);
        var run = CliRunner.Run(["run", Path.Combine(CliRunner.RepoRoot, "scenarios", "parity-cliff-fog.conf"), "--out", outDir, "--quiet", .. sets]);
        Assert.True(run.ExitCode == 0, run.Err);
        var embedded = Directory.GetDirectories(outDir).Single();
        Assert.True(File.ReadAllBytes(Path.Combine(embedded, "summary.json")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(clusterFolder, "summary.json"))), "summary.json differs from the embedded run's");
        Assert.Contains("\"complete\"", File.ReadAllText(Path.Combine(clusterFolder, "status.json")), StringComparison.Ordinal);

        var actual = RunJournals.OpenReader(clusterFolder);
        Assert.StartsWith("postgres:", actual.Location, StringComparison.Ordinal);
        JournalRows.AssertSame(JournalRows.Read(RunJournals.OpenReader(embedded)), JournalRows.Read(actual));
    }

    private static string Required(string variable, string what) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v
        ? v
        : throw new InvalidOperationException($"{variable} is not set: run ./test.sh, which starts {what} (or scripts/services.sh start DIR && source DIR/env).");

    [GeneratedRegex(@"(?<total>\d+) shard messages over the broker \((?<per>[\d.]+) per interval, (?<shards>\d+) shards\)")]
    private static partial Regex MessagesLine();

    [GeneratedRegex(@"^parity-cliff-fog: seed \d+, \d+ events, (?<p>\d+) predictions, (?<i>\d+) intervals", RegexOptions.Multiline)]
    private static partial Regex Headline();

    [GeneratedRegex(@"^interval: (\d+)/", RegexOptions.Multiline)]
    private static partial Regex IntervalLine();

    [GeneratedRegex(@"^run folder: (.+)$", RegexOptions.Multiline)]
    private static partial Regex RunFolderLine();
}
