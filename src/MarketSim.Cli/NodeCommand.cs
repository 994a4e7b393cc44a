using System.CommandLine;
using System.Runtime.InteropServices;
using MarketSim.Node;

namespace MarketSim.Cli;

/// <summary>
/// <c>marketsim node --config hocon/node.conf [--roles a,b] [--set path=value ...]</c>: runs a cluster node until SIGTERM
/// or Ctrl-C (graceful leave with handoff) or until the cluster removes it (docs/cluster.md).
/// Exit codes: 0 left the cluster, 1 failed to start or downed, 2 usage.
/// </summary>
public static class NodeCommand
{
    private static readonly string[] KnownRoles = [NodeHost.CoordinatorRole, NodeHost.ValidatorRole, ShardPlacement.MinersRole, ShardPlacement.GpuRole];

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var config = new Option<string>("--config") { Description = "Node configuration (HOCON), e.g. hocon/node.conf", Required = true };
        var roles = new Option<string?>("--roles") { Description = "Comma-separated roles, replacing marketsim.cluster.roles: coordinator,validator (plays submitted runs), miners (hosts miner shards), gpu (hosts shards, preferred by LLM miners)" };
        var set = new Option<string[]>("--set") { Description = "Override a key: path=value (repeatable), e.g. --set petabridge.cmd.port=9111", AllowMultipleArgumentsPerToken = false };
        var command = new Command("node",
            "Run a cluster node over RabbitMQ (MARKETSIM_AMQP) with the PostgreSQL journal (MARKETSIM_POSTGRES) until stopped; SIGTERM or Ctrl-C leaves the cluster gracefully.\n" +
            "Example: marketsim node --config hocon/node.conf --roles miners,gpu --set petabridge.cmd.port=9111")
        {
            config, roles, set,
        };
        command.SetAction(parse =>
        {
            var overrides = (parse.GetValue(set) ?? []).ToList();
            if (parse.GetValue(roles) is { } r)
            {
                var list = r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (list.FirstOrDefault(x => !KnownRoles.Contains(x)) is { } unknown)
                {
                    throw new UsageException($"--roles: unknown role '{unknown}' (known: {string.Join(", ", KnownRoles)})");
                }

                overrides.Add("marketsim.cluster.roles=[" + string.Join(",", list) + "]");
            }

            var loaded = ConfigCommands.Load(parse.GetValue(config)!, overrides, includeReference: true);
            return Run(loaded, stdout, stderr);
        });
        return command;
    }

    private static int Run(MarketSim.Hocon.Config config, TextWriter stdout, TextWriter stderr)
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        try
        {
            return NodeHost.RunAsync(config, stdout, stop.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            CliApp.WriteError(stderr, "node stopped while starting");
            return CliApp.ExitFailure;
        }
        catch (Exception e) when (e is InvalidOperationException or RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException or System.Net.Sockets.SocketException)
        {
            CliApp.WriteError(stderr, "node: " + e.Message);
            return CliApp.ExitFailure;
        }
    }
}
