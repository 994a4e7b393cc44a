using MarketSim.Cli.Tests;
using MarketSim.Hocon;

namespace MarketSim.Node.Tests;

/// <summary>Start-up errors of <c>marketsim node</c> and <c>run --cluster</c>: one clear line, a non-zero exit, nothing started.</summary>
public sealed class NodeCommandSpec
{
    private static (int Code, string Err) Cli(params string[] args)
    {
        var r = CliRunner.Run(args);
        return (r.ExitCode, r.Err);
    }

    private static readonly string NodeConf = Path.Combine(CliRunner.RepoRoot, "hocon", "node.conf");

    [Fact]
    public void A_coordinator_without_the_validator_role_is_refused_before_connecting()
    {
        var (code, err) = Cli("node", "--config", NodeConf, "--roles", "coordinator", "--set", "marketsim.cluster.amqp-uri=\"amqp://u:p@127.0.0.1:1/\"");
        Assert.Equal(1, code);
        Assert.Contains("role coordinator needs role validator", err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_role_is_a_usage_error()
    {
        var (code, err) = Cli("node", "--config", NodeConf, "--roles", "miners,frontend");
        Assert.Equal(2, code);
        Assert.Contains("unknown role 'frontend'", err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_broker_names_the_node_and_fails()
    {
        var (code, err) = Cli("node", "--config", NodeConf, "--roles", "miners", "--set", "marketsim.cluster.amqp-uri=\"amqp://u:secret@127.0.0.1:1/\"");
        Assert.Equal(1, code);
        Assert.StartsWith("marketsim: node: ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Cluster_runs_refuse_resume_and_the_sqlite_journal()
    {
        Assert.Equal(2, Cli("run", "--resume", "x", "--cluster", NodeConf).Code);
        var (code, err) = Cli("run", Path.Combine(CliRunner.RepoRoot, "scenarios", "parity-cliff-fog.conf"), "--journal", "sqlite", "--cluster", NodeConf);
        Assert.Equal(2, code);
        Assert.Contains("journal to PostgreSQL", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_settings_reject_negative_and_zero_durations_by_key()
    {
        var e = Assert.Throws<InvalidOperationException>(() => NodeSettings.FromConfig(ConfigFactory.ParseString("marketsim.node.placement-check-interval = 0s")));
        Assert.Contains("marketsim.node.placement-check-interval", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InvalidOperationException>(() => NodeSettings.FromConfig(ConfigFactory.ParseString("marketsim.node.compute-parallelism = -1")));
        Assert.Contains("compute-parallelism", e.Message, StringComparison.Ordinal);
        Assert.Equal(Environment.ProcessorCount, NodeSettings.FromConfig(null).ComputeParallelism);
    }
}
