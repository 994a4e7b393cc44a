using MarketSim.Actors;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class DeathWatchSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    [Fact]
    public void A_watcher_gets_Terminated_once_after_the_actor_stopped()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        Watch(echo);
        Sys.Stop(echo);
        var t = ExpectTerminated(echo);
        Assert.True(t.ExistenceConfirmed);
        Assert.False(t.AddressTerminated);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Watching_an_already_dead_actor_delivers_Terminated()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        Watch(echo);
        Sys.Stop(echo);
        ExpectTerminated(echo);
        var probe = CreateTestProbe();
        probe.Watch(echo);
        probe.ExpectTerminated(echo);
    }

    private sealed class Pact : ReceiveActor
    {
        public Pact(IActorRef target)
        {
            Context.Watch(target);
            Receive<string>(_ => { });
        }
    }

    private sealed class Mourner : ReceiveActor
    {
        public Mourner(IActorRef target, IActorRef probe)
        {
            Context.Watch(target);
            Receive<Terminated>(t => probe.Tell($"mourning {t.ActorRef.Path.Name}"));
        }
    }

    [Fact]
    public void An_actor_receives_Terminated_of_the_actors_it_watches()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>(), "victim");
        Sys.ActorOf(Props.Create(() => new Mourner(echo, TestActor)));
        echo.Tell("sync");
        ExpectMsg("sync");
        echo.Tell(PoisonPill.Instance);
        ExpectMsg("mourning victim");
    }

    [Fact]
    public void An_unhandled_Terminated_throws_DeathPactException_and_stops_the_watcher()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        var pact = Sys.ActorOf(Props.Create(() => new Pact(echo)));
        Watch(pact);
        pact.Tell("sync");
        EventFilter.Error<DeathPactException>().ExpectOne(() => Sys.Stop(echo));
        ExpectTerminated(pact);
    }

    [Fact]
    public void Unwatch_prevents_the_Terminated()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        Watch(echo);
        Unwatch(echo);
        echo.Tell("sync");
        ExpectMsg("sync");
        Sys.Stop(echo);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
