namespace MarketSim.Actors.Event;

/// <summary>A message sent to a stopped actor or to nobody, published on the event stream.</summary>
public sealed record DeadLetter(object Message, IActorRef Sender, IActorRef Recipient)
{
    /// <inheritdoc />
    public override string ToString() => $"DeadLetter from {Sender} to {Recipient}: <{Message}>";
}

/// <summary>A message no behaviour of the recipient handled, published on the event stream.</summary>
public sealed record UnhandledMessage(object Message, IActorRef Sender, IActorRef Recipient);

/// <summary>
/// Publish/subscribe by type (Akka's <c>EventStream</c>): a subscriber to a channel type receives every published
/// object assignable to it (subclasses and implementations included), at most once per publish.
/// </summary>
public sealed class EventStream
{
    private readonly object _gate = new();
    private Subscription[] _subscriptions = [];

    private sealed record Subscription(IActorRef? Ref, Action<object>? Callback, Type Channel);

    /// <summary>Subscribe an actor to a channel; false if it was already subscribed to exactly that channel.</summary>
    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_gate)
        {
            if (_subscriptions.Any(s => subscriber.Equals(s.Ref) && s.Channel == channel))
            {
                return false;
            }
            _subscriptions = [.. _subscriptions, new Subscription(subscriber, null, channel)];
            return true;
        }
    }

    /// <summary>Remove the subscriber from one channel.</summary>
    public bool Unsubscribe(IActorRef subscriber, Type channel)
    {
        lock (_gate)
        {
            var before = _subscriptions.Length;
            _subscriptions = [.. _subscriptions.Where(s => !(subscriber.Equals(s.Ref) && s.Channel == channel))];
            return _subscriptions.Length != before;
        }
    }

    /// <summary>Remove the subscriber from all channels.</summary>
    public bool Unsubscribe(IActorRef subscriber)
    {
        if (!_subscriptions.Any(s => subscriber.Equals(s.Ref)))
        {
            return false;
        }
        lock (_gate)
        {
            var before = _subscriptions.Length;
            _subscriptions = [.. _subscriptions.Where(s => !subscriber.Equals(s.Ref))];
            return _subscriptions.Length != before;
        }
    }

    /// <summary>Synchronous subscriber (runs on the publisher's thread; must be thread-safe and quick). Dispose to unsubscribe.</summary>
    internal IDisposable Subscribe(Action<object> callback, Type channel)
    {
        var sub = new Subscription(null, callback, channel);
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, sub];
        }
        return new Unsubscriber(this, sub);
    }

    private sealed class Unsubscriber(EventStream stream, Subscription sub) : IDisposable
    {
        public void Dispose()
        {
            lock (stream._gate)
            {
                stream._subscriptions = [.. stream._subscriptions.Where(s => !ReferenceEquals(s, sub))];
            }
        }
    }

    /// <summary>Deliver <paramref name="event"/> to every subscriber whose channel it is assignable to.</summary>
    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var subs = Volatile.Read(ref _subscriptions);
        var type = @event.GetType();
        for (var i = 0; i < subs.Length; i++)
        {
            var s = subs[i];
            if (!s.Channel.IsAssignableFrom(type) || DeliveredEarlier(subs, i, type))
            {
                continue;
            }
            if (s.Ref is not null)
            {
                s.Ref.Tell(@event, null);
            }
            else
            {
                s.Callback!(@event);
            }
        }
    }

    private static bool DeliveredEarlier(Subscription[] subs, int index, Type type)
    {
        var s = subs[index];
        if (s.Ref is null)
        {
            return false;
        }
        for (var j = 0; j < index; j++)
        {
            if (s.Ref.Equals(subs[j].Ref) && subs[j].Channel.IsAssignableFrom(type))
            {
                return true;
            }
        }
        return false;
    }
}
