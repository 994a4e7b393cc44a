using MarketSim.Actors;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class SupervisionSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    private IActorRef ChildOf(SupervisorStrategy strategy, Props child, string name = "child")
    {
        var supervisor = Sys.ActorOf(Props.Create(() => new Supervisor(strategy)));
        supervisor.Tell((child, name));
        return ExpectMsg<IActorRef>();
    }

    private int Count(IActorRef counter)
    {
        counter.Tell("get");
        return ExpectMsg<int>();
    }

    [Fact]
    public void Restart_creates_a_fresh_instance_so_state_is_reset_but_the_ref_is_kept()
    {
        var counter = ChildOf(SupervisorStrategy.DefaultStrategy, Props.Create<CounterActor>());
        counter.Tell("inc");
        counter.Tell("inc");
        Assert.Equal(2, Count(counter));
        EventFilter.Error<InvalidOperationException>(message: "crash").ExpectOne(() => counter.Tell(new InvalidOperationException("crash")));
        Assert.Equal(0, Count(counter));
    }

    [Fact]
    public void Resume_keeps_the_instance_and_its_state_and_logs_a_warning()
    {
        var counter = ChildOf(new OneForOneStrategy(_ => Directive.Resume), Props.Create<CounterActor>());
        counter.Tell("inc");
        EventFilter.Warning(message: "ignore me").ExpectOne(() => counter.Tell(new InvalidOperationException("ignore me")));
        Assert.Equal(1, Count(counter));
    }

    [Fact]
    public void Stop_directive_stops_the_child()
    {
        var counter = ChildOf(new OneForOneStrategy(_ => Directive.Stop), Props.Create<CounterActor>());
        Watch(counter);
        counter.Tell(new InvalidOperationException("stop me"));
        ExpectTerminated(counter);
    }

    [Fact]
    public void Failures_are_logged_at_error_with_the_child_path()
    {
        var counter = ChildOf(SupervisorStrategy.DefaultStrategy, Props.Create<CounterActor>(), "logged");
        EventFilter.Error<ArgumentException>(contains: "bad argument", source: counter.Path.ToString())
            .ExpectOne(() => counter.Tell(new ArgumentException("bad argument")));
        Assert.StartsWith("akka://test/user/", counter.Path.ToString());
    }

    [Fact]
    public void Escalate_fails_the_parent_with_the_same_exception()
    {
        var seen = CreateTestProbe();
        var recording = new OneForOneStrategy(ex =>
        {
            seen.Ref.Tell(ex);
            return Directive.Stop;
        });
        var top = Sys.ActorOf(Props.Create(() => new Supervisor(recording)));
        top.Tell((Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Escalate))), "middle"));
        var middle = ExpectMsg<IActorRef>();
        middle.Tell((Props.Create<CounterActor>(), "leaf"));
        var leaf = ExpectMsg<IActorRef>();
        Watch(middle);
        Watch(leaf);
        var boom = new InvalidOperationException("escalated");
        leaf.Tell(boom);
        Assert.Same(boom, seen.ExpectMsg<InvalidOperationException>());
        var terminated = new[] { ExpectMsg<Terminated>().ActorRef, ExpectMsg<Terminated>().ActorRef };
        Assert.Contains(middle, terminated);
        Assert.Contains(leaf, terminated);
    }

    [Fact]
    public void Resuming_an_escalating_parent_resumes_the_failed_child_with_its_state()
    {
        var top = Sys.ActorOf(Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Resume))));
        top.Tell((Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Escalate))), "middle"));
        var middle = ExpectMsg<IActorRef>();
        middle.Tell((Props.Create<CounterActor>(), "leaf"));
        var leaf = ExpectMsg<IActorRef>();
        leaf.Tell("inc");
        leaf.Tell(new InvalidOperationException("escalate then resume"));
        Assert.Equal(1, Count(leaf));
        middle.Tell((Props.Create<CounterActor>(), "leaf2"));
        ExpectMsg<IActorRef>();
    }

    [Fact]
    public void All_for_one_restarts_every_sibling()
    {
        var supervisor = Sys.ActorOf(Props.Create(() => new Supervisor(new AllForOneStrategy(_ => Directive.Restart))));
        supervisor.Tell((Props.Create<CounterActor>(), "one"));
        var one = ExpectMsg<IActorRef>();
        supervisor.Tell((Props.Create<CounterActor>(), "two"));
        var two = ExpectMsg<IActorRef>();
        one.Tell("inc");
        two.Tell("inc");
        Assert.Equal(1, Count(one));
        Assert.Equal(1, Count(two));
        one.Tell(new InvalidOperationException("one fails"));
        AwaitAssert(() => Assert.Equal(0, Count(two)));
        Assert.Equal(0, Count(one));
    }

    [Fact]
    public void Exhausting_the_retry_budget_stops_the_child()
    {
        var counter = ChildOf(new OneForOneStrategy(2, TimeSpan.FromMinutes(1), _ => Directive.Restart), Props.Create<CounterActor>());
        Watch(counter);
        counter.Tell(new InvalidOperationException("1"));
        counter.Tell(new InvalidOperationException("2"));
        Assert.Equal(0, Count(counter));
        counter.Tell(new InvalidOperationException("3"));
        ExpectTerminated(counter);
    }

    [Fact]
    public void The_user_guardian_restarts_failing_top_level_actors()
    {
        var counter = Sys.ActorOf(Props.Create<CounterActor>(), "top");
        counter.Tell("inc");
        Assert.Equal(1, Count(counter));
        counter.Tell(new InvalidOperationException("top fails"));
        Assert.Equal(0, Count(counter));
    }

    [Fact]
    public void Kill_stops_the_actor_by_default()
    {
        var counter = Sys.ActorOf(Props.Create<CounterActor>());
        Watch(counter);
        EventFilter.Error<ActorKilledException>().ExpectOne(() => counter.Tell(Kill.Instance));
        ExpectTerminated(counter);
    }

    [Fact]
    public void A_failing_constructor_stops_the_actor_with_ActorInitializationException()
    {
        var actor = Sys.ActorOf(Props.Create(() => new FailingConstructor()));
        Watch(actor);
        ExpectTerminated(actor);
    }

    [Fact]
    public void Props_supervisor_strategy_overrides_the_actor_default()
    {
        var supervisor = Sys.ActorOf(Props.Create(() => new Supervisor(SupervisorStrategy.DefaultStrategy))
            .WithSupervisorStrategy(SupervisorStrategy.StoppingStrategy));
        supervisor.Tell((Props.Create<CounterActor>(), "c"));
        var child = ExpectMsg<IActorRef>();
        Watch(child);
        child.Tell(new InvalidOperationException("x"));
        ExpectTerminated(child);
    }

    private sealed class FailingConstructor : ReceiveActor
    {
        public FailingConstructor() => throw new InvalidOperationException("cannot construct");
    }

    [Fact]
    public void Default_decider_follows_akka()
    {
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new ActorInitializationException(null, "x")));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new ActorKilledException("x")));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new DeathPactException(ActorRefs.Nobody)));
        Assert.Equal(Directive.Restart, SupervisorStrategy.DefaultDecider(new InvalidOperationException()));
    }
}
