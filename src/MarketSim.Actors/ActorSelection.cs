namespace MarketSim.Actors;

/// <summary>
/// A path query resolved when a message is sent (Akka's <c>ActorSelection</c>): absolute
/// (<c>/user/a/b</c>, <c>akka://sys/user/a/b</c>) or relative to an actor (<c>../sibling</c>, <c>child</c>);
/// the wildcards <c>*</c> and <c>?</c> match child names.
/// </summary>
public sealed class ActorSelection
{
    private readonly ActorSystem _system;
    private readonly InternalActorRef? _anchor;
    private readonly string[] _elements;

    private ActorSelection(ActorSystem system, InternalActorRef? anchor, string[] elements, string pathString)
    {
        _system = system;
        _anchor = anchor;
        _elements = elements;
        PathString = pathString;
    }

    /// <summary>The path as given.</summary>
    public string PathString { get; }

    /// <summary>The ref paths are resolved from.</summary>
    public IActorRef? Anchor => _anchor;

    internal static ActorSelection Parse(ActorSystem system, InternalActorRef relativeTo, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        InternalActorRef? anchor;
        string rest;
        if (path.StartsWith("akka://", StringComparison.Ordinal))
        {
            var afterScheme = path["akka://".Length..];
            var slash = afterScheme.IndexOf('/');
            var sysName = slash < 0 ? afterScheme : afterScheme[..slash];
            rest = slash < 0 ? "" : afterScheme[slash..];
            anchor = sysName == system.Name ? system.RootRef : null;
        }
        else if (path.StartsWith('/'))
        {
            anchor = system.RootRef;
            rest = path;
        }
        else
        {
            anchor = relativeTo;
            rest = path;
        }
        var elements = rest.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return new ActorSelection(system, anchor, elements, path);
    }

    /// <summary>The refs the path matches now.</summary>
    internal List<InternalActorRef> Resolve()
    {
        var result = new List<InternalActorRef>();
        if (_anchor is null)
        {
            return result;
        }
        Walk(_anchor, 0, result);
        return result;
    }

    private void Walk(InternalActorRef current, int index, List<InternalActorRef> result)
    {
        if (index == _elements.Length)
        {
            if (!current.IsTerminated || current is PromiseActorRef)
            {
                result.Add(current);
            }
            return;
        }
        var element = _elements[index];
        if (element == "..")
        {
            Walk(current.ParentRef ?? current, index + 1, result);
            return;
        }
        if (element == ".")
        {
            Walk(current, index + 1, result);
            return;
        }
        if (element.Contains('*') || element.Contains('?'))
        {
            foreach (var child in current.GetChildren())
            {
                if (Glob(element, child.Path.Name))
                {
                    Walk(child, index + 1, result);
                }
            }
            return;
        }
        var next = ReferenceEquals(current, _system.RootRef) ? _system.TopLevel(element) : current.GetChild(element);
        if (next is not null)
        {
            Walk(next, index + 1, result);
        }
    }

    private static bool Glob(string pattern, string name)
    {
        static bool Match(ReadOnlySpan<char> p, ReadOnlySpan<char> s)
        {
            while (p.Length > 0)
            {
                if (p[0] == '*')
                {
                    for (var i = 0; i <= s.Length; i++)
                    {
                        if (Match(p[1..], s[i..]))
                        {
                            return true;
                        }
                    }
                    return false;
                }
                if (s.Length == 0 || (p[0] != '?' && p[0] != s[0]))
                {
                    return false;
                }
                p = p[1..];
                s = s[1..];
            }
            return s.Length == 0;
        }
        return Match(pattern, name);
    }

    /// <summary>Send to every matching actor; with no match the message becomes a dead letter
    /// (an <see cref="Identify"/> is answered with an empty <see cref="ActorIdentity"/>).</summary>
    public void Tell(object message, IActorRef? sender = null)
    {
        var targets = Resolve();
        if (targets.Count == 0)
        {
            if (message is Identify id)
            {
                sender?.Tell(new ActorIdentity(id.MessageId, null));
            }
            else
            {
                _system.DeadLetterRef.Deliver(message, sender, _system.DeadLetters);
            }
            return;
        }
        foreach (var t in targets)
        {
            t.Tell(message, sender);
        }
    }

    /// <summary>Resolve to exactly one living actor (via <see cref="Identify"/>) or fail with <see cref="ActorNotFoundException"/>.</summary>
    public async Task<IActorRef> ResolveOne(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var promise = PromiseActorRef.Create(_system, timeout, this.ToString(), typeof(ActorIdentity), cancellationToken);
        Tell(new Identify(null), promise);
        object reply;
        try
        {
            reply = await promise.Task.ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new ActorNotFoundException($"Actor not found for: {this}");
        }
        return reply is ActorIdentity { Subject: { } subject } ? subject : throw new ActorNotFoundException($"Actor not found for: {this}");
    }

    /// <inheritdoc />
    public override string ToString() => $"ActorSelection[Anchor({_anchor?.Path.ToString() ?? "none"}), Path({PathString})]";
}
