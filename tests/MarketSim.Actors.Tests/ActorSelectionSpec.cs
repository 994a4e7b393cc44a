using MarketSim.Actors;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class ActorSelectionSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    private (IActorRef A, IActorRef B, IActorRef C) Tree()
    {
        var a = Sys.ActorOf(Props.Create(() => new Supervisor(SupervisorStrategy.DefaultStrategy)), "a");
        a.Tell((Props.Create<EchoActor>(), "b"));
        var b = ExpectMsg<IActorRef>();
        a.Tell((Props.Create<EchoActor>(), "c"));
        var c = ExpectMsg<IActorRef>();
        return (a, b, c);
    }

    [Fact]
    public void Selection_by_absolute_path_delivers_to_the_actor()
    {
        var (_, b, _) = Tree();
        Sys.ActorSelection("/user/a/b").Tell("x");
        ExpectMsg("x");
        Assert.Equal(b, LastSender);
        Sys.ActorSelection("akka://test/user/a/b").Tell("y");
        ExpectMsg("y");
        Assert.Equal(b, LastSender);
    }

    [Fact]
    public void Wildcards_match_several_children()
    {
        var (_, b, c) = Tree();
        Sys.ActorSelection("/user/a/*").Tell("all");
        ExpectMsg("all");
        var first = LastSender;
        ExpectMsg("all");
        Assert.Equal(new HashSet<IActorRef> { b, c }, new HashSet<IActorRef> { first, LastSender });
    }

    private sealed class Relative : ReceiveActor
    {
        public Relative() => Receive<(string Path, string Msg)>(m => Context.ActorSelection(m.Path).Tell(m.Msg, Sender));
    }

    [Fact]
    public void Relative_selection_from_a_context_resolves_siblings_and_parents()
    {
        var (a, b, _) = Tree();
        a.Tell((Props.Create<Relative>(), "rel"));
        var rel = ExpectMsg<IActorRef>();
        rel.Tell(("../b", "sibling"));
        ExpectMsg("sibling");
        Assert.Equal(b, LastSender);
    }

    [Fact]
    public async Task ResolveOne_finds_a_living_actor_and_fails_for_a_missing_one()
    {
        var (_, b, _) = Tree();
        Assert.Equal(b, await Sys.ActorSelection("/user/a/b").ResolveOne(TimeSpan.FromSeconds(3)));
        await Assert.ThrowsAsync<ActorNotFoundException>(() => Sys.ActorSelection("/user/a/zzz").ResolveOne(TimeSpan.FromSeconds(3)));
        await Assert.ThrowsAsync<ActorNotFoundException>(() => Sys.ActorSelection("akka://other/user/a").ResolveOne(TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public void Identify_is_answered_by_every_actor()
    {
        var (_, b, _) = Tree();
        b.Tell(new Identify(7));
        var id = ExpectMsg<ActorIdentity>();
        Assert.Equal(7, id.MessageId);
        Assert.Equal(b, id.Subject);
    }
}
