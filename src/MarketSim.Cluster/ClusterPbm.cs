using MarketSim.Pbm;

namespace MarketSim.Cluster;

/// <summary>The pbm palette <c>cluster</c>: show, status, leader, leave, down, down-unreachable (docs/cluster.md).</summary>
public static class ClusterPbm
{
    private static readonly CommandArgument Address = new("address", "member address, akka://<cluster>@<host>:<node-id>", false, ["-a", "--address"]);

    /// <summary>The palette's commands.</summary>
    public static IReadOnlyList<CommandDefinition> Commands { get; } =
    [
        new("show", "every member: address | [roles] | state | reachability | app version, then Count: N nodes", []),
        new("status", "this node's own line (as in cluster show)", []),
        new("leader", "the leader's address (lowest-address reachable Up member)", []),
        new("leave", "graceful leave of a member (default: the connected node)", [Address]),
        new("down", "force a member to Down (the leader removes it)", [Address with { Mandatory = true }]),
        new("down-unreachable", "down every member this node sees as unreachable", []),
    ];

    /// <summary>Registers the <c>cluster</c> palette for <paramref name="membership"/> on <paramref name="host"/>.</summary>
    public static CommandPalette Register(PbmHost host, ClusterMembership membership)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(membership);
        var palette = new CommandPalette("cluster", "cluster membership (members, leader, leave, down)", Commands,
            (invocation, output, _) => RunAsync(membership, invocation, output));
        host.RegisterPalette(palette);
        return palette;
    }

    /// <summary>One <c>cluster show</c> line: <c>akka://c@host:id | [a,b] | up |  | 1.0.0</c> (the empty column says <c>unreachable</c> when this node does not hear the member).</summary>
    public static string FormatMember(Member member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return $"{member.Address} | [{string.Join(",", member.Roles)}] | {member.Status.ToString().ToLowerInvariant()} | {(member.Reachable ? "" : "unreachable")} | {member.AppVersion}";
    }

    private static async Task RunAsync(ClusterMembership membership, CommandInvocation invocation, ICommandOutput output)
    {
        switch (invocation.Command.Name)
        {
            case "show":
                var members = membership.Members;
                foreach (var m in members)
                {
                    await output.WriteLineAsync(FormatMember(m)).ConfigureAwait(false);
                }
                await output.WriteLineAsync($"Count: {members.Count} nodes").ConfigureAwait(false);
                break;
            case "status":
                await output.WriteLineAsync(FormatMember(membership.Self)).ConfigureAwait(false);
                break;
            case "leader":
                await output.WriteLineAsync(membership.Leader?.ToString() ?? "no leader").ConfigureAwait(false);
                break;
            case "leave":
                var leaving = ParseAddress(invocation.Get("address")) ?? membership.SelfAddress;
                if (!membership.Leave(leaving))
                {
                    throw new PbmCommandException($"{leaving} is not a Joining or Up member");
                }
                await output.WriteLineAsync($"{leaving} is leaving").ConfigureAwait(false);
                break;
            case "down":
                var down = ParseAddress(invocation.Get("address")) ?? throw new PbmCommandException("cluster down needs an address (-a akka://<cluster>@<host>:<node-id>)");
                if (!membership.Down(down))
                {
                    throw new PbmCommandException($"{down} is not a member that can be downed");
                }
                await output.WriteLineAsync($"{down} is down").ConfigureAwait(false);
                break;
            case "down-unreachable":
                var downed = membership.DownUnreachable();
                foreach (var a in downed)
                {
                    await output.WriteLineAsync($"{a} is down").ConfigureAwait(false);
                }
                await output.WriteLineAsync($"Downed: {downed.Count} nodes").ConfigureAwait(false);
                break;
            default:
                throw new PbmCommandException($"unknown command cluster {invocation.Command.Name}");
        }
    }

    private static NodeAddress? ParseAddress(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        try
        {
            return NodeAddress.Parse(text.Trim());
        }
        catch (FormatException ex)
        {
            throw new PbmCommandException(ex.Message);
        }
    }
}
