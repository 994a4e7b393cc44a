using MarketSim.Actors.Event;

namespace MarketSim.Actors;

/// <summary>What a supervisor does with a failed child.</summary>
public enum Directive
{
    /// <summary>Keep the instance and its state; continue with the next message.</summary>
    Resume,

    /// <summary>Replace the instance by a fresh one from Props (same ref, same mailbox).</summary>
    Restart,

    /// <summary>Stop the child.</summary>
    Stop,

    /// <summary>Fail the supervisor itself with the same exception.</summary>
    Escalate,
}

/// <summary>Per-child restart bookkeeping (the retry budget).</summary>
public sealed class ChildRestartStats
{
    private long _windowStartTicks;

    internal ChildRestartStats(IActorRef child) => Child = child;

    /// <summary>The child.</summary>
    public IActorRef Child { get; }

    /// <summary>Restarts counted in the current window.</summary>
    public int RestartCount { get; private set; }

    /// <summary>Akka's rule: -1 retries = unlimited; 0 = never; a window bounds the count.</summary>
    public bool RequestRestartPermission(int maxNrOfRetries, TimeSpan withinTimeRange)
    {
        var hasWindow = withinTimeRange > TimeSpan.Zero && withinTimeRange != Timeout.InfiniteTimeSpan;
        if (maxNrOfRetries == 0)
        {
            return false;
        }
        if (!hasWindow)
        {
            if (maxNrOfRetries < 0)
            {
                return true;
            }
            RestartCount++;
            return RestartCount <= maxNrOfRetries;
        }
        var retries = maxNrOfRetries < 0 ? 1 : maxNrOfRetries;
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_windowStartTicks == 0)
        {
            _windowStartTicks = now;
        }
        var inside = System.Diagnostics.Stopwatch.GetElapsedTime(_windowStartTicks, now) <= withinTimeRange;
        if (inside)
        {
            RestartCount++;
            return RestartCount <= retries;
        }
        RestartCount = 1;
        _windowStartTicks = now;
        return true;
    }
}

/// <summary>How a parent handles the failures of its children.</summary>
public abstract class SupervisorStrategy
{
    /// <summary>Akka's default decider: ActorInitializationException, ActorKilledException and DeathPactException stop, anything else restarts.</summary>
    public static Directive DefaultDecider(Exception exception) => exception switch
    {
        ActorInitializationException => Directive.Stop,
        ActorKilledException => Directive.Stop,
        DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    /// <summary>One-for-one, unlimited restarts, <see cref="DefaultDecider"/>.</summary>
    public static SupervisorStrategy DefaultStrategy { get; } = new OneForOneStrategy(-1, Timeout.InfiniteTimeSpan, DefaultDecider);

    /// <summary>Stops every failing child.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>Maps a failure to a directive.</summary>
    public abstract Directive Decide(Exception cause);

    /// <summary>Log failures (Resume at Warning, Restart/Stop at Error, Escalate not logged here).</summary>
    public bool LoggingEnabled { get; init; } = true;

    internal bool HandleFailure(ActorCell parent, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyList<ChildRestartStats> children)
    {
        var directive = Decide(cause);
        LogFailure(parent, child, cause, directive);
        switch (directive)
        {
            case Directive.Resume:
                ((InternalActorRef)child).SendSystemMessage(new Resume(cause));
                return true;
            case Directive.Restart:
                ProcessFailure(parent, true, child, cause, stats, children);
                return true;
            case Directive.Stop:
                ProcessFailure(parent, false, child, cause, stats, children);
                return true;
            default:
                return false;
        }
    }

    private void LogFailure(ActorCell parent, IActorRef child, Exception cause, Directive directive)
    {
        if (!LoggingEnabled || directive == Directive.Escalate)
        {
            return;
        }
        var log = new BusLogging(parent.System.EventStream, child.Path.ToString(), GetType(), parent.System.Settings.LogLevel);
        var text = cause is ActorInitializationException { InnerException: { } inner } ? cause.Message + ": " + inner.Message : cause.Message;
        if (directive == Directive.Resume)
        {
            log.Warning(cause, "{0}", text);
        }
        else
        {
            log.Error(cause, "{0}", text);
        }
    }

    /// <summary>Apply a restart or stop decision.</summary>
    internal abstract void ProcessFailure(ActorCell parent, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyList<ChildRestartStats> children);

    /// <summary>The retry budget: max restarts (-1 = unlimited) within the time range (infinite = no window).</summary>
    public int MaxNumberOfRetries { get; protected init; } = -1;

    /// <summary>Window for <see cref="MaxNumberOfRetries"/>.</summary>
    public TimeSpan WithinTimeRange { get; protected init; } = Timeout.InfiniteTimeSpan;
}

/// <summary>Applies the directive to the failed child only.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    private readonly Func<Exception, Directive> _decider;

    /// <summary>Strategy with a retry budget: at most <paramref name="maxNrOfRetries"/> restarts (-1 = unlimited) within
    /// <paramref name="withinTimeRange"/>; when exceeded the child is stopped.</summary>
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan withinTimeRange, Func<Exception, Directive> decider)
    {
        MaxNumberOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange;
        _decider = decider;
    }

    /// <summary>Unlimited restarts.</summary>
    public OneForOneStrategy(Func<Exception, Directive> decider) : this(-1, Timeout.InfiniteTimeSpan, decider)
    {
    }

    /// <inheritdoc />
    public override Directive Decide(Exception cause) => _decider(cause);

    internal override void ProcessFailure(ActorCell parent, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyList<ChildRestartStats> children)
    {
        if (restart && stats.RequestRestartPermission(MaxNumberOfRetries, WithinTimeRange))
        {
            ((InternalActorRef)child).SendSystemMessage(new Recreate(cause));
        }
        else
        {
            parent.Stop(child);
        }
    }
}

/// <summary>Applies the directive to all children of the supervisor.</summary>
public sealed class AllForOneStrategy : SupervisorStrategy
{
    private readonly Func<Exception, Directive> _decider;

    /// <summary>Strategy with a retry budget shared by the siblings (each must have budget left).</summary>
    public AllForOneStrategy(int maxNrOfRetries, TimeSpan withinTimeRange, Func<Exception, Directive> decider)
    {
        MaxNumberOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange;
        _decider = decider;
    }

    /// <summary>Unlimited restarts.</summary>
    public AllForOneStrategy(Func<Exception, Directive> decider) : this(-1, Timeout.InfiniteTimeSpan, decider)
    {
    }

    /// <inheritdoc />
    public override Directive Decide(Exception cause) => _decider(cause);

    internal override void ProcessFailure(ActorCell parent, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyList<ChildRestartStats> children)
    {
        if (children.Count == 0)
        {
            return;
        }
        if (restart && children.All(c => c.RequestRestartPermission(MaxNumberOfRetries, WithinTimeRange)))
        {
            foreach (var c in children)
            {
                ((InternalActorRef)c.Child).SendSystemMessage(new Recreate(cause));
            }
        }
        else
        {
            foreach (var c in children)
            {
                parent.Stop(c.Child);
            }
        }
    }
}
