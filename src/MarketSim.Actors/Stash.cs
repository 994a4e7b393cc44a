namespace MarketSim.Actors;

/// <summary>An actor's stash: set messages aside and put them back in front of the mailbox later.</summary>
public interface IStash
{
    /// <summary>Stash the message being processed.</summary>
    void Stash();

    /// <summary>Put the oldest stashed message back at the front of the mailbox.</summary>
    void Unstash();

    /// <summary>Put all stashed messages back at the front of the mailbox, in their original order.</summary>
    void UnstashAll();

    /// <summary>Put back those matching <paramref name="predicate"/> (in order), then clear the stash (the others are dropped, as in Akka).</summary>
    void UnstashAll(Func<Envelope, bool> predicate);

    /// <summary>Remove and return all stashed envelopes without unstashing them.</summary>
    IReadOnlyList<Envelope> ClearStash();

    /// <summary>Number of stashed messages.</summary>
    int Count { get; }
}

/// <summary>Actors implementing this get an unbounded <see cref="IStash"/> set by the runtime after construction.
/// Stashed messages are put back into the mailbox before a restart (and become dead letters at stop).</summary>
public interface IWithUnboundedStash
{
    /// <summary>The stash (set by the runtime).</summary>
    IStash Stash { get; set; }
}

internal sealed class UnboundedStash(ActorCell cell) : IStash
{
    private readonly List<Envelope> _items = [];

    public int Count => _items.Count;

    public void Stash()
    {
        var env = cell.CurrentEnvelope ?? throw new IllegalActorStateException("Stash can only be called while processing a message.");
        if (_items.Count > 0 && ReferenceEquals(_items[^1].Message, env.Message) && ReferenceEquals(_items[^1].Sender, env.Sender))
        {
            throw new IllegalActorStateException($"Can't stash the same message {env.Message} more than once");
        }
        _items.Add(env);
    }

    public void Unstash()
    {
        if (_items.Count == 0)
        {
            return;
        }
        var first = _items[0];
        _items.RemoveAt(0);
        cell.Prepend([first]);
    }

    public void UnstashAll() => UnstashAll(static _ => true);

    public void UnstashAll(Func<Envelope, bool> predicate)
    {
        if (_items.Count == 0)
        {
            return;
        }
        var back = _items.Where(predicate).ToList();
        _items.Clear();
        cell.Prepend(back);
    }

    public IReadOnlyList<Envelope> ClearStash()
    {
        var all = _items.ToList();
        _items.Clear();
        return all;
    }
}
