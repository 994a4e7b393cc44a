using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using MarketSim.Actors;
using MarketSim.Actors.Event;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace MarketSim.Cluster;

/// <summary>A message that could not be delivered, published on the event stream as a <see cref="DeadLetter"/>.</summary>
/// <param name="Reason">Why it was rejected.</param>
/// <param name="Detail">One line for humans (manifest, version, path, error).</param>
/// <param name="Message">The deserialised message when there is one (unknown recipient, unroutable), else null.</param>
public sealed record RejectedRemoteMessage(RejectionReason Reason, string Detail, object? Message);

/// <summary>
/// One node of a MarketSim cluster over RabbitMQ: connects an <see cref="ActorSystem"/> to the broker so that
/// <see cref="RemoteActorRef"/>s on other nodes can reach its actors. The node declares the cluster's direct
/// exchange <c>marketsim.cluster.&lt;name&gt;</c> and its own exclusive, auto-delete queue
/// <c>marketsim.cluster.&lt;name&gt;.&lt;host&gt;:&lt;node-id&gt;</c> bound with routing key <c>&lt;host&gt;:&lt;node-id&gt;</c>;
/// it consumes with manual acknowledgements (ack after the message is in the local actor's mailbox) and
/// publishes with publisher confirms and the mandatory flag (a message for a node that is gone comes back).
/// Bad input never crashes the consumer: it is rejected, counted in <see cref="Stats"/>, logged (first
/// <c>log-rejections</c> per kind) and published as a <see cref="DeadLetter"/> of <see cref="RejectedRemoteMessage"/>.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<string, ClusterNode> NodesBySystemName = new(StringComparer.Ordinal);

    private readonly ActorSystem _system;
    private readonly IConnection _connection;
    private readonly IChannel _publishChannel;
    private readonly IChannel _consumeChannel;
    private readonly Channel<Outgoing> _outbox = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _pump;
    private readonly int[] _logged = new int[Enum.GetValues<RejectionReason>().Length];
    private int _disposed;

    private ClusterNode(ActorSystem system, MessageRegistry registry, ClusterSettings settings, IConnection connection, IChannel publish, IChannel consume)
    {
        _system = system;
        Registry = registry;
        Settings = settings;
        _connection = connection;
        _publishChannel = publish;
        _consumeChannel = consume;
        _pump = Task.Run(PumpAsync);
        AskForwarder = system.SystemActorOf(Props.Create(() => new AskForwarderActor()), "cluster-ask-" + settings.NodeId);
    }

    internal sealed record AskForward(RemoteActorRef Target, object Message);

    /// <summary>Sends <see cref="AskForward.Message"/> on with the asker (a temporary ref of this system) as sender.</summary>
    private sealed class AskForwarderActor : ReceiveActor
    {
        public AskForwarderActor() => Receive<AskForward>(f => f.Target.Tell(f.Message, Sender));
    }

    internal IActorRef AskForwarder { get; }

    /// <summary>The node's AMQP connection (membership opens its own channels on it, so it dies with the node).</summary>
    /// <summary>The node's AMQP connection (for services that declare their own queues on it, e.g. the run queue).</summary>
    public IConnection Connection => _connection;

    /// <summary>This node's address.</summary>
    public NodeAddress Address => Settings.Address;

    /// <summary>The settings the node runs with.</summary>
    public ClusterSettings Settings { get; }

    /// <summary>The message types this node can send and receive.</summary>
    public MessageRegistry Registry { get; }

    /// <summary>Counters: sent, received, delivered, rejected per reason.</summary>
    public TransportStats Stats { get; } = new();

    /// <summary>The local actor system.</summary>
    public ActorSystem System => _system;

    /// <summary>The cluster's exchange.</summary>
    public string ExchangeName => ExchangeFor(Settings.ClusterName);

    /// <summary>This node's queue (exclusive to the node's connection, deleted with it).</summary>
    public string QueueName => QueueFor(Address);

    /// <summary>The exchange name for a cluster.</summary>
    public static string ExchangeFor(string clusterName) => "marketsim.cluster." + clusterName;

    /// <summary>The queue name of a node.</summary>
    public static string QueueFor(NodeAddress node) => $"marketsim.cluster.{node.ClusterName}.{node.Node}";

    /// <summary>Start a node for <paramref name="system"/> with settings from the system's config
    /// (<c>marketsim.cluster.*</c>, falling back to reference.conf and <c>MARKETSIM_AMQP</c>).</summary>
    public static Task<ClusterNode> StartAsync(ActorSystem system, MessageRegistry registry, CancellationToken cancellationToken = default)
        => StartAsync(system, registry, ClusterSettings.FromConfig(system.Settings.Config), cancellationToken);

    /// <summary>Start a node for <paramref name="system"/>: connect, declare exchange and queue, start consuming.</summary>
    public static async Task<ClusterNode> StartAsync(ActorSystem system, MessageRegistry registry, ClusterSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(settings);
        var factory = new ConnectionFactory
        {
            Uri = settings.AmqpUri,
            RequestedHeartbeat = settings.Heartbeat,
            // The node's queue is exclusive to its connection: when the connection is lost the queue is gone and
            // messages for it are returned to senders. Recovering would silently create a new, empty queue.
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
        };
        var connection = await factory.CreateConnectionAsync($"marketsim {settings.Address}", cancellationToken).ConfigureAwait(false);
        try
        {
            var publish = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken).ConfigureAwait(false);
            var consume = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var exchange = ExchangeFor(settings.ClusterName);
            var queue = QueueFor(settings.Address);
            await consume.ExchangeDeclareAsync(exchange, ExchangeType.Direct, durable: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            await consume.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            await consume.QueueBindAsync(queue, exchange, settings.Address.Node, cancellationToken: cancellationToken).ConfigureAwait(false);
            await consume.BasicQosAsync(0, settings.Prefetch, false, cancellationToken).ConfigureAwait(false);
            var node = new ClusterNode(system, registry, settings, connection, publish, consume);
            var consumer = new AsyncEventingBasicConsumer(consume);
            consumer.ReceivedAsync += node.OnReceivedAsync;
            await consume.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
            NodesBySystemName[system.Name] = node;
            system.Log.Info("Cluster node {0} up (exchange {1}, queue {2})", settings.Address, exchange, queue);
            return node;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A ref to <paramref name="path"/> (e.g. <c>/user/a</c>) on <paramref name="node"/>.</summary>
    public RemoteActorRef RemoteRef(NodeAddress node, string path)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!path.StartsWith('/'))
        {
            throw new ArgumentException($"Path [{path}] must be absolute (/user/...).", nameof(path));
        }
        return new RemoteActorRef(this, node, path);
    }

    /// <summary>A ref to a full remote path, <c>akka://&lt;cluster&gt;@&lt;host&gt;:&lt;node-id&gt;/user/a</c>.</summary>
    public RemoteActorRef RemoteRef(string fullPath)
    {
        var (node, path) = NodeAddress.ParsePath(fullPath);
        return RemoteRef(node, path);
    }

    /// <summary>A ref other nodes can use to reach the local actor <paramref name="local"/> (its path on this node).</summary>
    public RemoteActorRef RemoteRefFor(IActorRef local)
    {
        ArgumentNullException.ThrowIfNull(local);
        return local as RemoteActorRef ?? RemoteRef(Address, local.Path.ToStringWithoutAddress());
    }

    /// <summary>Close the connection: the node's queue is deleted by the broker; refs to it become unroutable.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        NodesBySystemName.TryRemove(new KeyValuePair<string, ClusterNode>(_system.Name, this));
        _outbox.Writer.TryComplete();
        _system.Stop(AskForwarder);
        try
        {
            await _pump.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // give up on what is still queued: the connection goes now
        }
        try
        {
            await _connection.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException or IOException)
        {
            // already closed
        }
        await _publishChannel.DisposeAsync().ConfigureAwait(false);
        await _consumeChannel.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    // ---- sending ----

    private sealed record Outgoing(RemoteActorRef To, object Message, IActorRef? Sender, byte[] Body, string Manifest);

    internal void Send(RemoteActorRef to, object message, IActorRef? sender)
    {
        var entry = Registry.ForType(message.GetType());
        if (entry is null)
        {
            Reject(RejectionReason.NotSerializable, $"message type {message.GetType().FullName} to {to.Path} is not registered", message, sender);
            return;
        }
        byte[] body;
        try
        {
            var (fromNode, from) = SenderOf(sender);
            var envelope = new WireEnvelope(WireEnvelope.CurrentFormat, Settings.ClusterName, to.PathWithoutAddress, fromNode, from,
                entry.Manifest, entry.Version, MessageRegistry.Serialize(entry, message));
            body = JsonSerializer.SerializeToUtf8Bytes(envelope, ClusterJsonContext.Default.WireEnvelope);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            Reject(RejectionReason.NotSerializable, $"[{entry.Manifest}] to {to.Path}: {ex.Message}", message, sender);
            return;
        }
        if (!_outbox.Writer.TryWrite(new Outgoing(to, message, sender, body, entry.Manifest)))
        {
            Reject(RejectionReason.PublishFailed, $"[{entry.Manifest}] to {to.Path}: node {Address} is shut down", message, sender);
        }
    }

    private (string? Node, string? Path) SenderOf(IActorRef? sender)
    {
        switch (sender)
        {
            case null:
            case var s when s.IsNobody():
                return (null, null);
            case RemoteActorRef r:
                return (r.Node.Node, r.PathWithoutAddress);
        }
        // A local ref: of this node's system, or of another system in this process that runs a node
        // (Ask outside an actor may put its temporary ref in any system of the process).
        var systemName = sender.Path.SystemName;
        var node = systemName == _system.Name ? this : NodesBySystemName.GetValueOrDefault(systemName);
        if (node is null || node.Settings.ClusterName != Settings.ClusterName)
        {
            _system.Log.Warning("Sender {0} is in no actor system with a node of cluster {1}; sending without sender", sender.Path, Settings.ClusterName);
            return (null, null);
        }
        return (node.Address.Node, sender.Path.ToStringWithoutAddress());
    }

    private async Task PumpAsync()
    {
        var props = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Transient };
        await foreach (var item in _outbox.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                // One publish at a time, each awaited until confirmed: keeps the order per sender-receiver pair.
                await _publishChannel.BasicPublishAsync(ExchangeFor(item.To.Node.ClusterName), item.To.Node.Node, mandatory: true,
                    basicProperties: props, body: item.Body).ConfigureAwait(false);
                Stats.IncSent();
            }
            catch (PublishException ex) when (ex.IsReturn)
            {
                Reject(RejectionReason.Unroutable, $"[{item.Manifest}] to {item.To.Path}: no queue for node {item.To.Node} (returned by the broker)", item.Message, item.Sender);
            }
            catch (Exception ex)
            {
                Reject(RejectionReason.PublishFailed, $"[{item.Manifest}] to {item.To.Path}: {ex.GetType().Name}: {ex.Message}", item.Message, item.Sender);
            }
        }
    }

    // ---- receiving ----

    private async Task OnReceivedAsync(object sender, BasicDeliverEventArgs ea)
    {
        Stats.IncReceived();
        var delivered = false;
        try
        {
            delivered = await HandleAsync(ea.Body).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // never let the consumer die: whatever slipped through is counted as malformed
            Reject(RejectionReason.MalformedPayload, $"unexpected {ex.GetType().Name}: {ex.Message}", null, null);
        }
        try
        {
            if (delivered)
            {
                await _consumeChannel.BasicAckAsync(ea.DeliveryTag, multiple: false).ConfigureAwait(false);
            }
            else
            {
                await _consumeChannel.BasicRejectAsync(ea.DeliveryTag, requeue: false).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException or ObjectDisposedException)
        {
            // the channel closed while we were delivering; the broker redelivers or drops with the queue
        }
    }

    private async Task<bool> HandleAsync(ReadOnlyMemory<byte> body)
    {
        WireEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(body.Span, ClusterJsonContext.Default.WireEnvelope);
        }
        catch (JsonException ex)
        {
            Reject(RejectionReason.MalformedPayload, $"{body.Length} bytes are not an envelope: {ex.Message}", null, null);
            return false;
        }
        if (envelope is null || envelope.Format != WireEnvelope.CurrentFormat || string.IsNullOrEmpty(envelope.Cluster)
            || string.IsNullOrEmpty(envelope.To) || !envelope.To.StartsWith('/') || string.IsNullOrEmpty(envelope.Manifest))
        {
            Reject(RejectionReason.MalformedPayload, $"{body.Length} bytes: envelope incomplete or of an unknown format", null, null);
            return false;
        }
        if (envelope.Cluster != Settings.ClusterName)
        {
            Reject(RejectionReason.ForeignCluster, $"[{envelope.Manifest}] to {envelope.To} from cluster [{envelope.Cluster}], this is [{Settings.ClusterName}]", null, null);
            return false;
        }
        var entry = Registry.ForManifest(envelope.Manifest);
        if (entry is null)
        {
            Reject(RejectionReason.UnknownManifest, $"[{envelope.Manifest}] v{envelope.Version} to {envelope.To}", null, null);
            return false;
        }
        if (envelope.Version < entry.MinVersion || envelope.Version > entry.Version)
        {
            Reject(RejectionReason.UnsupportedVersion,
                $"[{envelope.Manifest}] v{envelope.Version} to {envelope.To}; this node accepts v{entry.MinVersion}..v{entry.Version}", null, null);
            return false;
        }
        object? message;
        try
        {
            message = MessageRegistry.Deserialize(entry, envelope.Payload);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            Reject(RejectionReason.MalformedPayload, $"[{envelope.Manifest}] v{envelope.Version} to {envelope.To}: {ex.Message}", null, null);
            return false;
        }
        if (message is null)
        {
            Reject(RejectionReason.MalformedPayload, $"[{envelope.Manifest}] v{envelope.Version} to {envelope.To}: null payload", null, null);
            return false;
        }
        var sender = ResolveSender(envelope);
        if (envelope.To.StartsWith("/temp/", StringComparison.Ordinal))
        {
            // Ask replies: a temporary ref answers Identify by completing, so it is not resolved first;
            // an expired one turns the reply into a dead letter of the actor system.
            _system.ActorSelection(envelope.To).Tell(message, sender);
            Stats.IncDelivered();
            return true;
        }
        IActorRef target;
        try
        {
            target = await _system.ActorSelection(envelope.To).ResolveOne(Settings.ResolveTimeout).ConfigureAwait(false);
        }
        catch (ActorNotFoundException)
        {
            Reject(RejectionReason.UnknownRecipient, $"[{envelope.Manifest}] to {envelope.To}: no such actor on {Address}", message, sender);
            return false;
        }
        target.Tell(message, sender);
        Stats.IncDelivered();
        return true;
    }

    private IActorRef ResolveSender(WireEnvelope envelope)
    {
        if (string.IsNullOrEmpty(envelope.FromNode) || string.IsNullOrEmpty(envelope.From) || !envelope.From.StartsWith('/'))
        {
            return ActorRefs.Nobody;
        }
        var colon = envelope.FromNode.LastIndexOf(':');
        if (colon <= 0 || colon == envelope.FromNode.Length - 1)
        {
            return ActorRefs.Nobody;
        }
        var node = new NodeAddress(Settings.ClusterName, envelope.FromNode[..colon], envelope.FromNode[(colon + 1)..]);
        return new RemoteActorRef(this, node, envelope.From);
    }

    private void Reject(RejectionReason reason, string detail, object? message, IActorRef? sender)
    {
        var count = Stats.IncRejected(reason);
        if (count <= Settings.LogRejections && Interlocked.Increment(ref _logged[(int)reason]) <= Settings.LogRejections)
        {
            _system.Log.Warning("Cluster node {0} rejected a message ({1}): {2}", Address, reason, detail);
        }
        _system.EventStream.Publish(new DeadLetter(new RejectedRemoteMessage(reason, detail, message), sender ?? ActorRefs.Nobody, _system.DeadLetters));
    }
}
