using MarketSim.Actors;

namespace MarketSim.Cluster;

/// <summary>
/// A ref to an actor on another node (or on this node, through the broker). <see cref="Tell"/> serialises the
/// message through the owning node's <see cref="MessageRegistry"/> and publishes it to the target node's queue;
/// it never throws for an unregistered message or an unreachable node: the message becomes a dead letter and
/// is counted in <see cref="ClusterNode.Stats"/>.
/// </summary>
public sealed class RemoteActorRef : ActorRefBase
{
    private readonly ClusterNode _owner;

    internal RemoteActorRef(ClusterNode owner, NodeAddress node, string pathWithoutAddress)
    {
        _owner = owner;
        Node = node;
        PathWithoutAddress = pathWithoutAddress;
        var path = node.RootPath;
        foreach (var element in pathWithoutAddress.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path = path.Child(element);
        }
        Path = path;
    }

    /// <summary>The node the actor lives on.</summary>
    public NodeAddress Node { get; }

    /// <summary>The path inside the node's actor system, e.g. <c>/user/a</c>.</summary>
    public string PathWithoutAddress { get; }

    /// <inheritdoc />
    public override ActorPath Path { get; }

    /// <summary>Send <paramref name="message"/> (a registered type). Pass the sender explicitly (inside an actor:
    /// <c>Self</c>): the implicit sender of local refs is not visible to remote refs.</summary>
    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        _owner.Send(this, message, sender);
    }

    /// <summary>
    /// Ask through the owning node: the temporary reply ref lives in the owning node's actor system, so the
    /// reply finds its way back even when the process runs several actor systems (the general
    /// <see cref="Futures.Ask{T}"/> extension, used when the ref is typed <see cref="IActorRef"/>, puts it in the
    /// most recently created system). Semantics as <see cref="Futures.Ask{T}"/>; a timeout names this ref's path.
    /// </summary>
    public async Task<T> Ask<T>(object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            return await _owner.AskForwarder.Ask<T>(new ClusterNode.AskForward(this, message), timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new AskTimeoutException(
                $"Ask timed out on [{Path}] after [{(timeout ?? _owner.System.Settings.AskTimeout).TotalMilliseconds} ms]. Message type [{typeof(T).Name}] expected as reply; the target did not answer in time.");
        }
    }
}
