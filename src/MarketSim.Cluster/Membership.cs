using System.Text.Json;
using System.Text.Json.Serialization;
using MarketSim.Actors;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace MarketSim.Cluster;

/// <summary>Member states (Akka's values; a higher value is more advanced and wins when views disagree).</summary>
public enum MemberStatus
{
    /// <summary>Announced, not yet moved up by the leader.</summary>
    Joining = 0,

    /// <summary>A full member.</summary>
    Up = 1,

    /// <summary>Leaving gracefully (by <c>Leave</c>).</summary>
    Leaving = 2,

    /// <summary>The leader has seen the leave; removed next.</summary>
    Exiting = 3,

    /// <summary>Downed (by the downing strategy or by command); removed next.</summary>
    Down = 4,

    /// <summary>Gone for good (terminal; a removed node id never comes back).</summary>
    Removed = 5,
}

/// <summary>One member as a node sees it.</summary>
/// <param name="Address">The node's address.</param>
/// <param name="Status">Its state.</param>
/// <param name="Roles">Its roles (sorted).</param>
/// <param name="AppVersion">The app version it announced.</param>
/// <param name="Reachable">Whether this node hears its heartbeats.</param>
public sealed record Member(NodeAddress Address, MemberStatus Status, IReadOnlyList<string> Roles, string AppVersion, bool Reachable)
{
    /// <summary>Whether the member has the role.</summary>
    public bool HasRole(string role) => Roles.Contains(role, StringComparer.Ordinal);
}

/// <summary>Base of the membership events published on the actor system's event stream.</summary>
public abstract record ClusterDomainEvent;

/// <summary>A change of one member.</summary>
public abstract record MemberEvent(Member Member) : ClusterDomainEvent;

/// <summary>A new member is Joining.</summary>
public sealed record MemberJoined(Member Member) : MemberEvent(Member);

/// <summary>A member is Up.</summary>
public sealed record MemberUp(Member Member) : MemberEvent(Member);

/// <summary>A member is Leaving.</summary>
public sealed record MemberLeft(Member Member) : MemberEvent(Member);

/// <summary>A member is Exiting.</summary>
public sealed record MemberExited(Member Member) : MemberEvent(Member);

/// <summary>A member is Down.</summary>
public sealed record MemberDowned(Member Member) : MemberEvent(Member);

/// <summary>A member is Removed; <paramref name="PreviousStatus"/> tells graceful (Exiting) from downed (Down).</summary>
public sealed record MemberRemoved(Member Member, MemberStatus PreviousStatus) : MemberEvent(Member);

/// <summary>This node no longer hears the member's heartbeats.</summary>
public sealed record UnreachableMember(Member Member) : MemberEvent(Member);

/// <summary>This node hears the member's heartbeats again.</summary>
public sealed record ReachableMember(Member Member) : MemberEvent(Member);

/// <summary>The leader (lowest-address reachable Up/Leaving member) changed; null when there is none.</summary>
public sealed record LeaderChanged(NodeAddress? Leader) : ClusterDomainEvent;

/// <summary>
/// Cluster membership on top of a <see cref="ClusterNode"/>: every node publishes a heartbeat carrying its view of the
/// members (gossip) every <c>heartbeat-interval</c> on the cluster's fanout exchange <c>marketsim.cluster.&lt;name&gt;.gossip</c>
/// and consumes everyone's heartbeats from its own exclusive, auto-delete queue. Views merge by "most advanced state wins";
/// the leader (lowest-address reachable Up/Leaving member) moves Joining → Up, Leaving → Exiting → Removed and Down → Removed,
/// and applies the downing strategy (keep-majority). Events go to the node's actor system event stream. See docs/cluster.md.
/// </summary>
public sealed class ClusterMembership : IAsyncDisposable
{
    private const int RemoveAfterTicks = 2;

    private readonly ClusterNode _node;
    private readonly ActorSystem _system;
    private readonly IChannel _publishChannel;
    private readonly IChannel _consumeChannel;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _removed = new(StringComparer.Ordinal);
    private readonly Entry _self;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _selfRemoved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private NodeAddress? _leader;
    private long _unreachableChangedAt;
    private long _heartbeatsSent;
    private long _heartbeatsReceived;
    private long _foreignHeartbeats;
    private long _malformedHeartbeats;
    private long _publishFailures;
    private int _disposed;
    private bool _joined;

    private sealed class Entry(NodeAddress address, MemberStatus status, string[] roles, string appVersion, long now)
    {
        public NodeAddress Address { get; } = address;

        public MemberStatus Status { get; set; } = status;

        public string[] Roles { get; set; } = roles;

        public string AppVersion { get; set; } = appVersion;

        public long LastSeen { get; set; } = now;

        public bool Reachable { get; set; } = true;

        public int TicksInStatus { get; set; }

        public Member ToMember() => new(Address, Status, Roles, AppVersion, Reachable);
    }

    private ClusterMembership(ClusterNode node, IChannel publish, IChannel consume)
    {
        _node = node;
        _system = node.System;
        _publishChannel = publish;
        _consumeChannel = consume;
        _self = new Entry(node.Address, MemberStatus.Joining, node.Settings.Roles.ToArray(), node.Settings.AppVersion, Now);
        if (node.Settings.AutoJoin)
        {
            _joined = true;
            _members[_self.Address.Node] = _self;
        }
    }

    /// <summary>The fanout exchange carrying the heartbeats of a cluster.</summary>
    public static string GossipExchangeFor(string clusterName) => ClusterNode.ExchangeFor(clusterName) + ".gossip";

    /// <summary>This node's heartbeat queue.</summary>
    public string GossipQueueName => ClusterNode.QueueFor(_node.Address) + ".gossip";

    /// <summary>The node this membership runs on.</summary>
    public ClusterNode Node => _node;

    /// <summary>This node's address.</summary>
    public NodeAddress SelfAddress => _self.Address;

    /// <summary>
    /// Whether this node has joined the cluster (at start with <c>auto-join = on</c>, else by <see cref="Join"/>). A node that has not
    /// joined publishes no heartbeat, is in no member's view, and is not in its own <see cref="Members"/> (which lists the members it
    /// hears); its <see cref="Self"/> says Joining.
    /// </summary>
    public bool Joined
    {
        get
        {
            lock (_lock)
            {
                return _joined;
            }
        }
    }

    /// <summary>This node as it sees itself (Joining, and not gossiped, while it has not <see cref="Joined"/>).</summary>
    public Member Self
    {
        get
        {
            lock (_lock)
            {
                return _self.ToMember();
            }
        }
    }

    /// <summary>The members this node knows, Removed ones excluded, ordered by address (itself only once it has <see cref="Joined"/>).</summary>
    public IReadOnlyList<Member> Members
    {
        get
        {
            lock (_lock)
            {
                return _members.Values.OrderBy(e => e.Address.Node, StringComparer.Ordinal).Select(e => e.ToMember()).ToList();
            }
        }
    }

    /// <summary>The leader as this node sees it: the lowest-address reachable Up or Leaving member (null when none).</summary>
    public NodeAddress? Leader
    {
        get
        {
            lock (_lock)
            {
                return _leader;
            }
        }
    }

    /// <summary>Completes when this node has seen itself Removed (after a leave or a down).</summary>
    public Task WhenRemoved => _selfRemoved.Task;

    /// <summary>Heartbeats published.</summary>
    public long HeartbeatsSent => Interlocked.Read(ref _heartbeatsSent);

    /// <summary>Heartbeats received from other members of this cluster and merged.</summary>
    public long HeartbeatsReceived => Interlocked.Read(ref _heartbeatsReceived);

    /// <summary>Heartbeats carrying another cluster name (ignored).</summary>
    public long ForeignHeartbeats => Interlocked.Read(ref _foreignHeartbeats);

    /// <summary>Heartbeats that were not a valid gossip document (ignored).</summary>
    public long MalformedHeartbeats => Interlocked.Read(ref _malformedHeartbeats);

    /// <summary>Heartbeats that could not be published (connection gone).</summary>
    public long PublishFailures => Interlocked.Read(ref _publishFailures);

    private static long Now => Environment.TickCount64;

    /// <summary>
    /// Membership for <paramref name="node"/>: declare the gossip exchange and this node's heartbeat queue, listen to the cluster's
    /// heartbeats and, with <c>auto-join = on</c> (default), join at once (start heartbeating); with <c>auto-join = off</c> the node
    /// stays out of the cluster until <see cref="Join"/>.
    /// </summary>
    public static async Task<ClusterMembership> StartAsync(ClusterNode node, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        var connection = node.Connection;
        var publish = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var consume = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var membership = new ClusterMembership(node, publish, consume);
        var exchange = GossipExchangeFor(node.Settings.ClusterName);
        await consume.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        var arguments = new Dictionary<string, object?> { ["x-max-length"] = 10_000, ["x-overflow"] = "drop-head" };
        await consume.QueueDeclareAsync(membership.GossipQueueName, durable: false, exclusive: true, autoDelete: true, arguments: arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        await consume.QueueBindAsync(membership.GossipQueueName, exchange, "", cancellationToken: cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(consume);
        consumer.ReceivedAsync += (_, ea) =>
        {
            membership.OnHeartbeat(ea.Body.Span);
            return Task.CompletedTask;
        };
        await consume.BasicConsumeAsync(membership.GossipQueueName, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
        if (node.Settings.AutoJoin)
        {
            membership._system.Log.Info("Cluster member {0} joining (roles [{1}], gossip exchange {2})", node.Address, string.Join(",", node.Settings.Roles), exchange);
            membership.Publish([new MemberJoined(membership.Self)]);
        }
        else
        {
            membership._system.Log.Info("Cluster node {0} listening on gossip exchange {1}, not joined (auto-join off; join with cluster join -a ADDRESS)", node.Address, exchange);
        }
        membership._loop = Task.Run(membership.LoopAsync);
        return membership;
    }

    /// <summary>
    /// Join the cluster through <paramref name="address"/> (Akka's <c>Cluster.Join</c>): a member this node hears (its heartbeats), or
    /// this node itself (forms the cluster when no other member is there, like Akka's first seed node). This node starts heartbeating
    /// as Joining and the leader moves it Up. Returns false, changing nothing, when this node has already joined.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The address belongs to another cluster name (a node joins only the cluster of its own name: the broker exchange is per name,
    /// so joining another cluster needs a restart with that name); the address is not a member this node hears; or this node was
    /// Removed (a removed node cannot rejoin: restart it).
    /// </exception>
    public bool Join(NodeAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var self = SelfAddress;
        var events = new List<ClusterDomainEvent>();
        lock (_lock)
        {
            if (_self.Status == MemberStatus.Removed)
            {
                throw new InvalidOperationException($"{self} was removed from cluster [{self.ClusterName}] and cannot join again: restart the node (a restarted node is a new member).");
            }
            if (address.ClusterName != self.ClusterName)
            {
                throw new InvalidOperationException(
                    $"cannot join {address}: its cluster name [{address.ClusterName}] is not this node's cluster name [{self.ClusterName}] " +
                    $"(the broker exchange is per cluster name; restart the node with marketsim.cluster.name = {address.ClusterName} to join that cluster).");
            }
            if (_joined)
            {
                return false;
            }
            if (address != self && (!_members.TryGetValue(address.Node, out var contact) || !contact.Reachable || contact.Status > MemberStatus.Leaving))
            {
                var heard = _members.Values.Where(e => e.Reachable && e.Status <= MemberStatus.Leaving).Select(e => e.Address.ToString()).Order(StringComparer.Ordinal).ToList();
                throw new InvalidOperationException(
                    $"cannot join {address}: this node does not hear it as a member of cluster [{self.ClusterName}] " +
                    $"(members heard: {(heard.Count == 0 ? "none" : string.Join(", ", heard))}; join {self} itself to form the cluster).");
            }
            _joined = true;
            _self.LastSeen = Now;
            _self.TicksInStatus = 0;
            _members[_self.Address.Node] = _self;
            events.Add(new MemberJoined(_self.ToMember()));
            UpdateLeader(events);
        }
        _system.Log.Info("Cluster member {0} joining through {1} (roles [{2}])", self, address, string.Join(",", _self.Roles));
        Publish(events);
        return true;
    }

    /// <summary>Graceful leave of <paramref name="address"/> (any member; the state spreads with the gossip). False when the member is unknown.</summary>
    public bool Leave(NodeAddress address) => Change(address, MemberStatus.Leaving, [MemberStatus.Joining, MemberStatus.Up]);

    /// <summary>
    /// Graceful leave of this node; completes when this node has seen itself Removed or <paramref name="timeout"/> passed (then false);
    /// true at once when this node never joined.
    /// </summary>
    public async Task<bool> LeaveAsync(TimeSpan timeout)
    {
        if (!Joined)
        {
            return true; // never joined (auto-join off): nothing to leave
        }
        Leave(SelfAddress);
        try
        {
            await WhenRemoved.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Mark <paramref name="address"/> Down (the leader removes it). False when the member is unknown or already Down/Removed.</summary>
    public bool Down(NodeAddress address) =>
        Change(address, MemberStatus.Down, [MemberStatus.Joining, MemberStatus.Up, MemberStatus.Leaving, MemberStatus.Exiting]);

    /// <summary>Mark every member this node sees as unreachable Down; returns their addresses.</summary>
    public IReadOnlyList<NodeAddress> DownUnreachable()
    {
        var events = new List<ClusterDomainEvent>();
        var downed = new List<NodeAddress>();
        lock (_lock)
        {
            foreach (var e in _members.Values.Where(e => !e.Reachable && e.Status < MemberStatus.Down).OrderBy(e => e.Address.Node, StringComparer.Ordinal).ToList())
            {
                SetStatus(e, MemberStatus.Down, events);
                downed.Add(e.Address);
            }
        }
        Publish(events);
        return downed;
    }

    private bool Change(NodeAddress address, MemberStatus to, MemberStatus[] from)
    {
        ArgumentNullException.ThrowIfNull(address);
        var events = new List<ClusterDomainEvent>();
        lock (_lock)
        {
            if (address.ClusterName != SelfAddress.ClusterName || !_members.TryGetValue(address.Node, out var e) || !from.Contains(e.Status))
            {
                return false;
            }
            SetStatus(e, to, events);
        }
        Publish(events);
        return true;
    }

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            byte[]? heartbeat;
            try
            {
                heartbeat = Tick();
            }
            catch (Exception ex)
            {
                _system.Log.Error(ex, "Cluster membership tick failed on {0}", SelfAddress);
                heartbeat = null;
            }
            if (heartbeat is not null)
            {
                try
                {
                    await _publishChannel.BasicPublishAsync(GossipExchangeFor(SelfAddress.ClusterName), "", heartbeat, token).ConfigureAwait(false);
                    Interlocked.Increment(ref _heartbeatsSent);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException or ObjectDisposedException or IOException or InvalidOperationException)
                {
                    Interlocked.Increment(ref _publishFailures);
                }
            }
            try
            {
                await Task.Delay(_node.Settings.HeartbeatInterval, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One round: reachability, leader actions and downing, then the heartbeat to publish (null once this node is Removed).</summary>
    private byte[]? Tick()
    {
        var events = new List<ClusterDomainEvent>();
        byte[]? heartbeat = null;
        lock (_lock)
        {
            var now = Now;
            var pause = (long)_node.Settings.AcceptableHeartbeatPause.TotalMilliseconds;
            foreach (var e in _members.Values)
            {
                e.TicksInStatus++;
                if (e != _self && e.Reachable && e.Status <= MemberStatus.Leaving && now - e.LastSeen > pause)
                {
                    e.Reachable = false;
                    _unreachableChangedAt = now;
                    events.Add(new UnreachableMember(e.ToMember()));
                    _system.Log.Warning("Cluster member {0} is unreachable from {1} (no heartbeat for {2} ms)", e.Address, SelfAddress, now - e.LastSeen);
                }
            }
            UpdateLeader(events);
            if (_leader == SelfAddress && _self.Status <= MemberStatus.Leaving)
            {
                LeaderActions(now, events);
                UpdateLeader(events);
            }
            if (_joined && _self.Status != MemberStatus.Removed)
            {
                heartbeat = BuildHeartbeat();
            }
        }
        Publish(events);
        return heartbeat;
    }

    private void LeaderActions(long now, List<ClusterDomainEvent> events)
    {
        foreach (var e in _members.Values.OrderBy(e => e.Address.Node, StringComparer.Ordinal).ToList())
        {
            switch (e.Status)
            {
                case MemberStatus.Joining when e.Reachable:
                    SetStatus(e, MemberStatus.Up, events);
                    break;
                case MemberStatus.Leaving when e.TicksInStatus >= RemoveAfterTicks:
                    // not in the round the leave happened: the Leaving state is gossiped at least once first
                    SetStatus(e, MemberStatus.Exiting, events);
                    break;
                case MemberStatus.Exiting or MemberStatus.Down when e != _self && e.TicksInStatus >= RemoveAfterTicks:
                    SetStatus(e, MemberStatus.Removed, events);
                    break;
            }
        }
        if (_node.Settings.DowningStrategy != "keep-majority")
        {
            return;
        }
        var counted = _members.Values.Where(e => e.Status <= MemberStatus.Leaving).ToList();
        var unreachable = counted.Where(e => !e.Reachable).ToList();
        if (unreachable.Count == 0 || now - _unreachableChangedAt < (long)_node.Settings.StableAfter.TotalMilliseconds)
        {
            return;
        }
        var reachable = counted.Where(e => e.Reachable).ToList();
        var lowest = counted.MinBy(e => e.Address.Node, StringComparer.Ordinal)!;
        var keepReachable = reachable.Count > unreachable.Count || (reachable.Count == unreachable.Count && lowest.Reachable);
        var losers = keepReachable ? unreachable : reachable;
        _system.Log.Warning("Cluster downing (keep-majority) on {0}: {1} reachable, {2} unreachable; downing [{3}]",
            SelfAddress, reachable.Count, unreachable.Count, string.Join(", ", losers.Select(e => e.Address)));
        foreach (var e in losers)
        {
            SetStatus(e, MemberStatus.Down, events);
        }
    }

    private void UpdateLeader(List<ClusterDomainEvent> events)
    {
        var candidates = _members.Values.Where(e => e.Reachable && e.Status is MemberStatus.Up or MemberStatus.Leaving).ToList();
        if (candidates.Count == 0)
        {
            // bootstrap: with no Up member yet, the lowest reachable Joining member moves the others (and itself) Up
            candidates = _members.Values.Where(e => e.Reachable && e.Status == MemberStatus.Joining).ToList();
        }
        var leader = candidates.MinBy(e => e.Address.Node, StringComparer.Ordinal)?.Address;
        if (leader != _leader)
        {
            _leader = leader;
            events.Add(new LeaderChanged(leader));
        }
    }

    private void SetStatus(Entry e, MemberStatus status, List<ClusterDomainEvent> events)
    {
        if (status <= e.Status)
        {
            return;
        }
        var previous = e.Status;
        e.Status = status;
        e.TicksInStatus = 0;
        var member = e.ToMember();
        _system.Log.Info("Cluster member {0} is {1} (seen by {2})", e.Address, status, SelfAddress);
        switch (status)
        {
            case MemberStatus.Up:
                events.Add(new MemberUp(member));
                break;
            case MemberStatus.Leaving:
                events.Add(new MemberLeft(member));
                break;
            case MemberStatus.Exiting:
                events.Add(new MemberExited(member));
                break;
            case MemberStatus.Down:
                events.Add(new MemberDowned(member));
                break;
            case MemberStatus.Removed:
                _members.Remove(e.Address.Node);
                _removed[e.Address.Node] = e;
                events.Add(new MemberRemoved(member, previous));
                if (e == _self)
                {
                    _selfRemoved.TrySetResult();
                }
                break;
        }
    }

    private byte[] BuildHeartbeat()
    {
        var members = _members.Values.Concat(_removed.Values)
            .Select(e => new GossipMember(e.Address.Node, e.Status.ToString(), e.Roles, e.AppVersion))
            .ToArray();
        var gossip = new Gossip(Gossip.CurrentFormat, SelfAddress.ClusterName, SelfAddress.Node, members);
        return JsonSerializer.SerializeToUtf8Bytes(gossip, MembershipJsonContext.Default.Gossip);
    }

    internal void OnHeartbeat(ReadOnlySpan<byte> body)
    {
        Gossip? gossip;
        try
        {
            gossip = JsonSerializer.Deserialize(body, MembershipJsonContext.Default.Gossip);
        }
        catch (JsonException)
        {
            Interlocked.Increment(ref _malformedHeartbeats);
            return;
        }
        if (gossip is null || gossip.Format != Gossip.CurrentFormat || string.IsNullOrEmpty(gossip.Cluster) || gossip.Members is null || !TrySplit(gossip.From, out _, out _))
        {
            Interlocked.Increment(ref _malformedHeartbeats);
            return;
        }
        if (gossip.Cluster != SelfAddress.ClusterName)
        {
            var count = Interlocked.Increment(ref _foreignHeartbeats);
            if (count <= _node.Settings.LogRejections)
            {
                _system.Log.Warning("Cluster member {0} ignored a heartbeat of cluster [{1}] from {2}", SelfAddress, gossip.Cluster, gossip.From);
            }
            return;
        }
        if (gossip.From == SelfAddress.Node)
        {
            return;
        }
        var events = new List<ClusterDomainEvent>();
        lock (_lock)
        {
            if (_removed.ContainsKey(gossip.From!) || _self.Status == MemberStatus.Removed)
            {
                return;
            }
            Interlocked.Increment(ref _heartbeatsReceived);
            Merge(gossip, events);
            UpdateLeader(events);
        }
        Publish(events);
    }

    private void Merge(Gossip gossip, List<ClusterDomainEvent> events)
    {
        var now = Now;
        foreach (var m in gossip.Members!.OrderBy(m => m.Node == gossip.From ? 0 : 1))
        {
            if (m is null || !TrySplit(m.Node, out var host, out var id) || !Enum.TryParse<MemberStatus>(m.Status, out var status) || !Enum.IsDefined(status))
            {
                continue;
            }
            if (_removed.ContainsKey(m.Node!))
            {
                continue;
            }
            if (_members.TryGetValue(m.Node!, out var e))
            {
                if (e.Roles.Length == 0 && m.Roles is { Length: > 0 })
                {
                    e.Roles = m.Roles;
                }
                SetStatus(e, status, events);
                continue;
            }
            if (status == MemberStatus.Removed)
            {
                _removed[m.Node!] = new Entry(new NodeAddress(SelfAddress.ClusterName, host, id), status, m.Roles ?? [], m.AppVersion ?? "", now);
                continue;
            }
            var roles = (m.Roles ?? []).Where(NodeAddress.IsValidPart).Order(StringComparer.Ordinal).ToArray();
            e = new Entry(new NodeAddress(SelfAddress.ClusterName, host, id), status, roles, m.AppVersion ?? "", now);
            _members[m.Node!] = e;
            var member = e.ToMember();
            events.Add(status switch
            {
                MemberStatus.Joining => new MemberJoined(member),
                MemberStatus.Up => new MemberUp(member),
                MemberStatus.Leaving => new MemberLeft(member),
                MemberStatus.Exiting => new MemberExited(member),
                _ => new MemberDowned(member),
            });
        }
        if (_members.TryGetValue(gossip.From!, out var sender))
        {
            sender.LastSeen = now;
            if (!sender.Reachable)
            {
                sender.Reachable = true;
                _unreachableChangedAt = now;
                events.Add(new ReachableMember(sender.ToMember()));
                _system.Log.Info("Cluster member {0} is reachable again from {1}", sender.Address, SelfAddress);
            }
        }
    }

    private static bool TrySplit(string? node, out string host, out string id)
    {
        host = id = "";
        var colon = node?.LastIndexOf(':') ?? -1;
        if (node is null || colon <= 0 || colon == node.Length - 1)
        {
            return false;
        }
        host = node[..colon];
        id = node[(colon + 1)..];
        return NodeAddress.IsValidPart(host) && NodeAddress.IsValidPart(id);
    }

    private void Publish(List<ClusterDomainEvent> events)
    {
        foreach (var e in events)
        {
            _system.EventStream.Publish(e);
        }
    }

    /// <summary>Stop heartbeating and close the membership channels (no leave: use <see cref="LeaveAsync"/> first for a graceful exit).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        foreach (var channel in new[] { _consumeChannel, _publishChannel })
        {
            try
            {
                await channel.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException or IOException or ObjectDisposedException)
            {
                // the connection is already gone
            }
            channel.Dispose();
        }
        _stop.Dispose();
    }
}

/// <summary>One member in a heartbeat: <c>host:node-id</c>, state, roles, app version.</summary>
internal sealed record GossipMember(
    [property: JsonPropertyName("node")] string? Node,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("roles")] string[]? Roles,
    [property: JsonPropertyName("appVersion")] string? AppVersion);

/// <summary>A heartbeat (format 1): the sender's cluster name and <c>host:node-id</c>, and its view of the members.</summary>
internal sealed record Gossip(
    [property: JsonPropertyName("format")] int Format,
    [property: JsonPropertyName("cluster")] string? Cluster,
    [property: JsonPropertyName("from")] string? From,
    [property: JsonPropertyName("members")] GossipMember[]? Members)
{
    public const int CurrentFormat = 1;
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Gossip))]
internal sealed partial class MembershipJsonContext : JsonSerializerContext;
