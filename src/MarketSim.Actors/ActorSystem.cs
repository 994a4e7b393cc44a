using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using MarketSim.Actors.Event;
using MarketSim.Hocon;
using Microsoft.Extensions.Logging;

namespace MarketSim.Actors;

/// <summary>
/// A hierarchy of actors sharing configuration, event stream, scheduler and dead letters.
/// Layout: <c>/user</c> (your actors), <c>/system</c> (loggers, TestKit actors), <c>/temp</c> (Ask), <c>/deadLetters</c>.
/// </summary>
public sealed partial class ActorSystem : IActorRefFactory, IDisposable
{
    private static volatile ActorSystem? s_lastCreated;
    private readonly ConcurrentDictionary<string, InternalActorRef> _temps = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _whenTerminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _terminateLock = new();
    private readonly ActorCell _rootCell;
    private readonly ActorCell _userCell;
    private readonly ActorCell _systemCell;
    private readonly TempContainerRef _tempContainer;
    private readonly IDisposable? _stdoutSubscription;
    private Task? _terminating;
    private long _tempCounter;

    private ActorSystem(string name, ActorSystemSettings settings, ILoggerFactory? loggerFactory)
    {
        if (!ValidName().IsMatch(name))
        {
            throw new ArgumentException($"Invalid ActorSystem name [{name}]: must start with an ASCII letter or digit and contain only letters, digits, '-' and '_'.", nameof(name));
        }
        Name = name;
        Settings = settings;
        LoggerFactory = loggerFactory;
        EventStream = new EventStream();
        Scheduler = settings.CreateScheduler();
        var root = ActorPath.Root(name);
        DeadLetterRef = new DeadLetterActorRef(this, root.Child("deadLetters"));
        TempPath = root.Child("temp");
        _tempContainer = new TempContainerRef(TempPath, _temps);
        Log = new BusLogging(EventStream, $"ActorSystem({name})", typeof(ActorSystem), settings.LogLevel);

        if (loggerFactory is null && settings.StdoutLogLevel != Event.LogLevel.OffLevel)
        {
            var min = settings.StdoutLogLevel;
            _stdoutSubscription = EventStream.Subscribe(e => StandardOutLogger.Print(e, min), typeof(LogEvent));
        }

        // The root stops a failing guardian (Akka); the root watches /user and terminates the system when it stops.
        _rootCell = new ActorCell(this, Props.Create<GuardianActor>().WithSupervisorStrategy(SupervisorStrategy.StoppingStrategy),
            new TheOneWhoWalksTheBubblesOfSpaceTime(root), root.WithUid(1));
        _rootCell.SendSystemMessage(new Create());
        _userCell = _rootCell.MakeChild(Props.Create<GuardianActor>(), "user", validateName: false).Cell;
        _systemCell = _rootCell.MakeChild(Props.Create<GuardianActor>(), "system", validateName: false).Cell;
        _rootCell.SelfRef.Tell(new GuardianActor.WatchUserGuardian(_userCell.SelfRef, this));

        if (loggerFactory is not null)
        {
            var logger = SystemActorOf(Props.Create(() => new MicrosoftExtensionsLoggerActor(loggerFactory)), "log1-MicrosoftExtensionsLogger");
            EventStream.Subscribe(logger, typeof(LogEvent));
        }
        if (settings.LogDeadLetters > 0)
        {
            var listener = SystemActorOf(Props.Create(() => new DeadLetterListener(settings.LogDeadLetters, this)), "deadLetterListener");
            EventStream.Subscribe(listener, typeof(DeadLetter));
        }
        s_lastCreated = this;
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_-]*$")]
    private static partial Regex ValidName();

    /// <summary>Create a system; <paramref name="config"/> falls back to the reference configuration.</summary>
    public static ActorSystem Create(string name, Config? config = null) => Create(name, config, null);

    /// <summary>Create a system whose log events go to <paramref name="loggerFactory"/> (category = log source).</summary>
    public static ActorSystem Create(string name, Config? config, ILoggerFactory? loggerFactory)
    {
        var merged = config is null ? ConfigFactory.Reference() : ConfigFactory.Load(config);
        return new ActorSystem(name, ActorSystemSettings.FromConfig(merged), loggerFactory);
    }

    /// <summary>Create a system from settings built in code (no config parsing).</summary>
    public static ActorSystem Create(string name, ActorSystemSettings settings, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new ActorSystem(name, settings, loggerFactory);
    }

    internal static ActorSystem? LastCreated => s_lastCreated;

    /// <summary>The system's name.</summary>
    public string Name { get; }

    /// <summary>The settings (and the merged config in <see cref="ActorSystemSettings.Config"/>).</summary>
    public ActorSystemSettings Settings { get; }

    /// <summary>Publish/subscribe bus for log events, dead letters and your own events.</summary>
    public EventStream EventStream { get; }

    /// <summary>The scheduler chosen by <c>akka.scheduler.implementation</c>.</summary>
    public IScheduler Scheduler { get; }

    /// <summary>The system's logger (source <c>ActorSystem(name)</c>).</summary>
    public ILoggingAdapter Log { get; }

    /// <summary>The ILoggerFactory given at creation, if any.</summary>
    public ILoggerFactory? LoggerFactory { get; }

    /// <summary>The dead-letter ref (<c>/deadLetters</c>).</summary>
    public IActorRef DeadLetters => DeadLetterRef;

    internal DeadLetterActorRef DeadLetterRef { get; }

    internal InternalActorRef RootRef => _rootCell.SelfRef;

    internal ActorPath TempPath { get; }

    /// <summary>The user guardian (<c>/user</c>).</summary>
    public IActorRef Guardian => _userCell.SelfRef;

    /// <summary>The system guardian (<c>/system</c>).</summary>
    public IActorRef SystemGuardian => _systemCell.SelfRef;

    /// <summary>True once <see cref="Terminate"/> was called.</summary>
    public bool IsTerminating => _terminating is not null;

    /// <summary>Completes when the system has terminated.</summary>
    public Task WhenTerminated => _whenTerminated.Task;

    /// <summary>Create a top-level actor under <c>/user</c>.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => _userCell.MakeChild(props, name, validateName: true);

    /// <summary>Create an actor under <c>/system</c> (for infrastructure: loggers, test actors, journals).</summary>
    public IActorRef SystemActorOf(Props props, string? name = null) => _systemCell.MakeChild(props, name, validateName: true);

    /// <summary>Select actors by absolute path (<c>/user/a</c>, <c>akka://name/user/a</c>) or a path relative to the root.</summary>
    public ActorSelection ActorSelection(string path) => Actors.ActorSelection.Parse(this, RootRef, path);

    /// <summary>Stop an actor (asynchronously).</summary>
    public void Stop(IActorRef actor)
    {
        if (actor is InternalActorRef ir)
        {
            ir.SendSystemMessage(new Terminate());
        }
    }

    /// <summary>Stop all actors (user actors first, then system actors) and the scheduler.</summary>
    public Task Terminate()
    {
        lock (_terminateLock)
        {
            return _terminating ??= TerminateAsync();
        }
    }

    private async Task TerminateAsync()
    {
        await Task.Yield();
        _userCell.SelfRef.Stop();
        await _userCell.TerminationTask.ConfigureAwait(false);
        _systemCell.SelfRef.Stop();
        await _systemCell.TerminationTask.ConfigureAwait(false);
        _rootCell.SelfRef.Stop();
        await _rootCell.TerminationTask.ConfigureAwait(false);
        (Scheduler as IDisposable)?.Dispose();
        _stdoutSubscription?.Dispose();
        if (ReferenceEquals(s_lastCreated, this))
        {
            s_lastCreated = null;
        }
        _whenTerminated.TrySetResult();
    }

    /// <summary>Terminate and wait up to 10 seconds.</summary>
    public void Dispose() => Terminate().Wait(TimeSpan.FromSeconds(10));

    /// <summary>
    /// The children of <paramref name="actor"/> (an actor of this system; tooling such as pbm's
    /// <c>actor hierarchy</c>); empty for refs that have none or are not local.
    /// </summary>
    public IReadOnlyList<IActorRef> GetChildren(IActorRef actor) =>
        actor is InternalActorRef r ? r.GetChildren().Cast<IActorRef>().ToList() : [];

    internal InternalActorRef? TopLevel(string name) => name switch
    {
        "deadLetters" => DeadLetterRef,
        "temp" => _tempContainer,
        _ => _rootCell.GetChildRef(name),
    };

    internal string NextTempName() => "$" + Interlocked.Increment(ref _tempCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal void RegisterTemp(string name, InternalActorRef r) => _temps[name] = r;

    internal void UnregisterTemp(string name) => _temps.TryRemove(name, out _);

    /// <inheritdoc />
    public override string ToString() => $"akka://{Name}";
}

/// <summary>The guardians' actor: handles nothing itself; the root also watches /user and terminates the system when it dies.</summary>
internal sealed class GuardianActor : ActorBase
{
    internal sealed record WatchUserGuardian(IActorRef Guardian, ActorSystem System);

    private ActorSystem? _system;

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case WatchUserGuardian w:
                _system = w.System;
                Context.Watch(w.Guardian);
                return true;
            case Terminated when _system is not null:
                _ = _system.Terminate();
                return true;
            default:
                return false;
        }
    }
}

/// <summary>The parent of the root guardian: swallows its notifications.</summary>
internal sealed class TheOneWhoWalksTheBubblesOfSpaceTime(ActorPath root) : InternalActorRef
{
    public override ActorPath Path { get; } = root.Child("bubble-walker");

    public override void Tell(object message, IActorRef? sender = null)
    {
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Failed f)
        {
            ((InternalActorRef)f.Child).SendSystemMessage(new Terminate());
        }
    }
}
