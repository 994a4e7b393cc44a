namespace MarketSim.Cluster;

/// <summary>Why an incoming or outgoing remote message was not delivered.</summary>
public enum RejectionReason
{
    /// <summary>The body is not a valid envelope, or the payload does not deserialise (corrupt bytes).</summary>
    MalformedPayload,

    /// <summary>The envelope names a cluster other than this node's.</summary>
    ForeignCluster,

    /// <summary>The manifest is not in this node's <see cref="MessageRegistry"/>.</summary>
    UnknownManifest,

    /// <summary>The manifest is known but the version is outside the registered range.</summary>
    UnsupportedVersion,

    /// <summary>No actor lives at the recipient path.</summary>
    UnknownRecipient,

    /// <summary>Outgoing: the message type is not registered, or serialising it failed.</summary>
    NotSerializable,

    /// <summary>Outgoing: the broker returned the message (no queue for the target node: it is gone).</summary>
    Unroutable,

    /// <summary>Outgoing: the broker nacked the message or the connection failed while publishing.</summary>
    PublishFailed,
}

/// <summary>Thread-safe counters of one <see cref="ClusterNode"/>.</summary>
public sealed class TransportStats
{
    private readonly long[] _rejected = new long[Enum.GetValues<RejectionReason>().Length];
    private long _sent;
    private long _received;
    private long _delivered;

    /// <summary>Messages published and confirmed by the broker.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Deliveries taken from this node's queue (delivered or rejected).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Incoming messages handed to a local actor.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Messages rejected for <paramref name="reason"/>.</summary>
    public long Rejected(RejectionReason reason) => Interlocked.Read(ref _rejected[(int)reason]);

    /// <summary>All rejections.</summary>
    public long RejectedTotal => Enum.GetValues<RejectionReason>().Sum(Rejected);

    /// <inheritdoc />
    public override string ToString() =>
        $"sent={Sent} received={Received} delivered={Delivered} " +
        string.Join(' ', Enum.GetValues<RejectionReason>().Select(r => $"{r}={Rejected(r)}"));

    internal void IncSent() => Interlocked.Increment(ref _sent);

    internal void IncReceived() => Interlocked.Increment(ref _received);

    internal void IncDelivered() => Interlocked.Increment(ref _delivered);

    internal long IncRejected(RejectionReason reason) => Interlocked.Increment(ref _rejected[(int)reason]);
}
