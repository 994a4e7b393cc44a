using System.Globalization;
using Akka.Actor;
using MarketSim.Scenarios;
using MarketSim.Simulation.Run;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Runtime;

/// <summary>
/// <c>/user/runs</c>: one <see cref="RunCoordinator"/> child per run (<c>/user/runs/run-N</c>). A coordinator that
/// throws (a journal write that fails, a world that breaks mid-run) is stopped, and its run completes as failed with
/// the cause and how far it got; the supervisor itself never fails.
/// </summary>
internal sealed class RunSupervisor : ReceiveActor
{
    private readonly Dictionary<IActorRef, CoordinatorContext> _runs = [];
    private readonly Dictionary<IActorRef, Exception> _failures = [];
    private long _next;

    public RunSupervisor()
    {
        Receive<Play>(p =>
        {
            var name = "run-" + (++_next).ToString(CultureInfo.InvariantCulture);
            IActorRef child;
            try
            {
                child = Context.ActorOf(RunCoordinator.Props(p.Scenario, p.Context), name);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                p.Context.Completion.TrySetResult(p.Context.Tally.Result(RunState.Failed, Unwrap(e)));
                return;
            }

            Context.Watch(child);
            _runs[child] = p.Context;
            child.Tell(StartRun.Instance, Self);
        });
        Receive<Terminated>(t =>
        {
            if (_runs.Remove(t.ActorRef, out var ctx))
            {
                var error = _failures.Remove(t.ActorRef, out var cause) ? Unwrap(cause)
                    : ctx.Streams.FailureOf(MarketSim.Simulation.Journal.JournalIds.Run) ?? new InvalidOperationException("the run's coordinator stopped before the run finished");
                ctx.Completion.TrySetResult(ctx.Tally.Result(RunState.Failed, error));
            }
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new RunSupervisor());

    protected override SupervisorStrategy SupervisorStrategy() => new StopAndRecord((child, cause) => _failures[child] = cause);

    // A coordinator that fails in its constructor (the world cannot be built) surfaces as ActorInitializationException.
    // Akka wraps a constructor's exception in TypeLoadException ("Error while creating actor instance ... with N args: (every
    // argument printed)"), itself in ActorInitializationException: the cause is the innermost exception.
    internal static Exception Unwrap(Exception e) => e switch
    {
        ActorInitializationException { InnerException: { } inner } => Unwrap(inner),
        TypeLoadException { InnerException: { } inner } => Unwrap(inner),
        System.Reflection.TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        _ => e,
    };

    /// <summary>Play <paramref name="Scenario"/>; the result arrives on the context's completion.</summary>
    public sealed record Play(Scenario Scenario, CoordinatorContext Context);
}
