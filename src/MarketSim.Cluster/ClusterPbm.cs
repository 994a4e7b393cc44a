using System.Threading.Channels;
using MarketSim.Actors;
using MarketSim.Pbm;

namespace MarketSim.Cluster;

/// <summary>The pbm palette <c>cluster</c>: show, status, leader, join, leave, down, down-unreachable, tail (docs/cluster.md).</summary>
public static class ClusterPbm
{
    private static long _tails;
    private static readonly CommandArgument Address = new("address", "member address, akka://<cluster>@<host>:<node-id>", false, ["-a", "--address"]);

    /// <summary>The palette's commands.</summary>
    public static IReadOnlyList<CommandDefinition> Commands { get; } =
    [
        new("show", "every member: address | [roles] | state | reachability | app version, then Count: N nodes", []),
        new("status", "this node's own line (as in cluster show), or that it has not joined", []),
        new("leader", "the leader's address (lowest-address reachable Up member)", []),
        new("join", "join the cluster through a member this node hears, or itself to form it (for nodes started with auto-join = off)", [Address with { Mandatory = true }]),
        new("leave", "graceful leave of a member (default: the connected node)", [Address]),
        new("down", "force a member to Down (the leader removes it)", [Address with { Mandatory = true }]),
        new("down-unreachable", "down every member this node sees as unreachable", []),
        new("tail", "stream membership events until Ctrl+C: first the members (as cluster show), then one line per event (EventName: ...)", []),
    ];

    /// <summary>Registers the <c>cluster</c> palette for <paramref name="membership"/> on <paramref name="host"/>.</summary>
    public static CommandPalette Register(PbmHost host, ClusterMembership membership)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(membership);
        var palette = new CommandPalette("cluster", "cluster membership (members, leader, join, leave, down, tail)", Commands,
            (invocation, output, ct) => RunAsync(membership, invocation, output, ct));
        host.RegisterPalette(palette);
        return palette;
    }

    /// <summary>One <c>cluster show</c> line: <c>akka://c@host:id | [a,b] | up |  | 1.0.0</c> (the empty column says <c>unreachable</c> when this node does not hear the member).</summary>
    public static string FormatMember(Member member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return $"{member.Address} | [{string.Join(",", member.Roles)}] | {member.Status.ToString().ToLowerInvariant()} | {(member.Reachable ? "" : "unreachable")} | {member.AppVersion}";
    }

    /// <summary>
    /// One <c>cluster tail</c> event line: <c>EventName: </c> then, for a member event, the member's <see cref="FormatMember"/> line
    /// (<c>MemberRemoved</c> adds <c> (previous: exiting)</c>), for <c>LeaderChanged</c> the new leader's address or <c>none</c>.
    /// </summary>
    public static string FormatEvent(ClusterDomainEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e switch
        {
            MemberRemoved r => $"MemberRemoved: {FormatMember(r.Member)} (previous: {r.PreviousStatus.ToString().ToLowerInvariant()})",
            MemberEvent m => $"{m.GetType().Name}: {FormatMember(m.Member)}",
            LeaderChanged l => $"LeaderChanged: {l.Leader?.ToString() ?? "none"}",
            _ => $"{e.GetType().Name}: {e}",
        };
    }

    private static async Task RunAsync(ClusterMembership membership, CommandInvocation invocation, ICommandOutput output, CancellationToken ct)
    {
        switch (invocation.Command.Name)
        {
            case "show":
                await ShowAsync(membership, output).ConfigureAwait(false);
                break;
            case "status":
                await output.WriteLineAsync(membership.Joined
                    ? FormatMember(membership.Self)
                    : $"{membership.SelfAddress} has not joined the cluster (auto-join = off): cluster join -a ADDRESS").ConfigureAwait(false);
                break;
            case "join":
                var contact = ParseAddress(invocation.Get("address")) ?? throw new PbmCommandException("cluster join needs an address (-a akka://<cluster>@<host>:<node-id>)");
                bool joined;
                try
                {
                    joined = membership.Join(contact);
                }
                catch (InvalidOperationException ex)
                {
                    throw new PbmCommandException(ex.Message);
                }
                await output.WriteLineAsync(joined
                    ? $"{membership.SelfAddress} is joining through {contact}"
                    : $"{membership.SelfAddress} is already a member of cluster [{membership.SelfAddress.ClusterName}] ({membership.Self.Status.ToString().ToLowerInvariant()})").ConfigureAwait(false);
                break;
            case "tail":
                await TailAsync(membership, output, ct).ConfigureAwait(false);
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

    private static async Task ShowAsync(ClusterMembership membership, ICommandOutput output)
    {
        var members = membership.Members;
        foreach (var m in members)
        {
            await output.WriteLineAsync(FormatMember(m)).ConfigureAwait(false);
        }
        await output.WriteLineAsync($"Count: {members.Count} nodes").ConfigureAwait(false);
    }

    /// <summary>Subscribes first, then prints the snapshot (as <c>cluster show</c>), then every event until <paramref name="ct"/> is cancelled.</summary>
    private static async Task TailAsync(ClusterMembership membership, ICommandOutput output, CancellationToken ct)
    {
        var system = membership.Node.System;
        var channel = Channel.CreateUnbounded<ClusterDomainEvent>(new UnboundedChannelOptions { SingleReader = true });
        var subscriber = system.ActorOf(Props.Create(() => new TailSubscriber(channel.Writer)), $"cluster-tail-{Interlocked.Increment(ref _tails)}");
        system.EventStream.Subscribe(subscriber, typeof(ClusterDomainEvent));
        try
        {
            await ShowAsync(membership, output).ConfigureAwait(false);
            await foreach (var e in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                await output.WriteLineAsync(FormatEvent(e)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl+C (or the client left): the stream ends normally
        }
        finally
        {
            system.EventStream.Unsubscribe(subscriber);
            system.Stop(subscriber);
            channel.Writer.TryComplete();
        }
    }

    /// <summary>Forwards the membership events it is subscribed to into a <c>cluster tail</c> stream.</summary>
    private sealed class TailSubscriber : ReceiveActor
    {
        public TailSubscriber(ChannelWriter<ClusterDomainEvent> writer) => Receive<ClusterDomainEvent>(e => writer.TryWrite(e));
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
