using MarketSim.Actors;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class LifecycleSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    [Fact]
    public void Hooks_are_called_in_akka_order_through_restart_and_stop()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new LifecycleActor(probe.Ref)), "life");
        probe.ExpectMsg("ctor");
        probe.ExpectMsg("PreStart");
        actor.Tell(new InvalidOperationException("oops"));
        probe.ExpectMsg("PreRestart:oops:InvalidOperationException");
        probe.ExpectMsg("PostStop");
        probe.ExpectMsg("ctor");
        probe.ExpectMsg("PostRestart:oops");
        probe.ExpectMsg("PreStart");
        Sys.Stop(actor);
        probe.ExpectMsg("PostStop");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private sealed class Parent : ReceiveActor
    {
        private readonly IActorRef _probe;

        public Parent(IActorRef probe)
        {
            _probe = probe;
            Context.ActorOf(Props.Create(() => new LifecycleActor(probe)), "kid");
            ReceiveAny(_ => { });
        }

        protected override void PostStop() => _probe.Tell("parent-PostStop");
    }

    [Fact]
    public void Children_stop_before_the_parent_PostStop()
    {
        var probe = CreateTestProbe();
        var parent = Sys.ActorOf(Props.Create(() => new Parent(probe.Ref)), "parent");
        probe.ExpectMsg("ctor");
        probe.ExpectMsg("PreStart");
        parent.Tell(PoisonPill.Instance);
        probe.ExpectMsg("PostStop");
        probe.ExpectMsg("parent-PostStop");
    }

    [Fact]
    public void A_restarted_parent_recreates_a_child_with_the_same_name()
    {
        var probe = CreateTestProbe();
        var parent = Sys.ActorOf(Props.Create(() => new RestartingParent(probe.Ref)), "rp");
        probe.ExpectMsg("ctor");
        probe.ExpectMsg("PreStart");
        parent.Tell("fail");
        probe.ExpectMsg("PostStop");
        probe.ExpectMsg("ctor");
        probe.ExpectMsg("PreStart");
    }

    private sealed class RestartingParent : ReceiveActor
    {
        public RestartingParent(IActorRef probe)
        {
            Context.ActorOf(Props.Create(() => new LifecycleActor(probe)), "same-name");
            Receive<string>(_ => throw new InvalidOperationException("parent failure"));
        }
    }
}
