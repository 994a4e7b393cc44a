using MarketSim.Actors;
using MarketSim.Actors.Event;
using MarketSim.Hocon;
using Xunit.Abstractions;

namespace MarketSim.TestKit;

/// <summary>
/// Base class for actor tests (Akka's <c>TestKit</c> for xUnit): creates the system (named "test"), the TestActor
/// (also the implicit sender of <c>Tell</c> calls made on the test thread), routes log events to the xUnit output,
/// and terminates the system on dispose.
/// </summary>
public abstract class TestKit : TestKitBase, IDisposable
{
    private readonly IDisposable _logSubscription;
    private bool _disposed;

    /// <summary>System from a HOCON string (merged over the reference configuration).</summary>
    protected TestKit(string? hocon = null, ITestOutputHelper? output = null)
        : this(Build(hocon is null ? null : ConfigFactory.ParseString(hocon)), output)
    {
    }

    /// <summary>System from a config (merged over the reference configuration).</summary>
    protected TestKit(Config config, ITestOutputHelper? output = null)
        : this(Build(config ?? throw new ArgumentNullException(nameof(config))), output)
    {
    }

    /// <summary>System from settings built in code (no HOCON); TestKit settings default unless given.</summary>
    protected TestKit(ActorSystemSettings settings, ITestOutputHelper? output = null, TestKitSettings? testKitSettings = null)
        : this((ActorSystem.Create("test", settings), testKitSettings ?? TestKitSettings.Default), output)
    {
    }

    /// <summary>Use an existing system (it is terminated on dispose as well).</summary>
    protected TestKit(ActorSystem system, ITestOutputHelper? output = null)
        : this((system, system.Settings.Config is { } c ? TestKitSettings.FromConfig(c) : TestKitSettings.Default), output)
    {
    }

    private TestKit((ActorSystem System, TestKitSettings Settings) setup, ITestOutputHelper? output)
        : base(setup.System, setup.Settings)
    {
        Output = output;
        _logSubscription = EventFilterRegistry.For(Sys).Attach(output);
        ActorCell.SetImplicitSender(TestActor);
    }

    private static (ActorSystem, TestKitSettings) Build(Config? config)
    {
        var merged = config is null ? ConfigFactory.Reference() : ConfigFactory.Load(config);
        return (ActorSystem.Create("test", merged), TestKitSettings.FromConfig(merged));
    }

    /// <summary>The xUnit output, if given.</summary>
    protected ITestOutputHelper? Output { get; }

    /// <summary>Called before the system is terminated.</summary>
    protected virtual void BeforeTerminate()
    {
    }

    /// <summary>Terminate the system (waiting at most the dilated <c>default-timeout</c>).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Dispose pattern.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }
        _disposed = true;
        ActorCell.SetImplicitSender(null);
        BeforeTerminate();
        try
        {
            Sys.Terminate().Wait(Dilated(TestKitSettings.DefaultTimeout) + TimeSpan.FromSeconds(5));
        }
        finally
        {
            _logSubscription.Dispose();
        }
    }

    internal static void Write(ITestOutputHelper output, LogEvent e)
    {
        try
        {
            output.WriteLine(e.ToString());
        }
        catch (InvalidOperationException)
        {
            // the test has finished: xUnit no longer accepts output
        }
    }
}

/// <summary>A stand-alone receiver with its own queue (Akka's <c>TestProbe</c>).</summary>
public sealed class TestProbe : TestKitBase
{
    internal TestProbe(ActorSystem system, TestKitSettings settings, string? name)
        : base(system, settings, name is null ? null : name)
    {
    }

    /// <summary>The probe's ref.</summary>
    public IActorRef Ref => TestActor;

    /// <summary>Send with the probe as sender.</summary>
    public void Send(IActorRef actor, object message) => actor.Tell(message, Ref);

    /// <summary>Forward a message (default: the last received one) keeping the last sender.</summary>
    public void Forward(IActorRef actor, object? message = null) =>
        actor.Tell(message ?? LastMessage ?? throw new InvalidOperationException("No message to forward."), LastSender);

    /// <summary>Reply to the sender of the last received message.</summary>
    public void Reply(object message) => LastSender.Tell(message, Ref);

    /// <summary>Tell the probe (convenience).</summary>
    public void Tell(object message, IActorRef? sender = null) => Ref.Tell(message, sender);

    /// <inheritdoc />
    public override string ToString() => $"TestProbe({Ref.Path})";
}
