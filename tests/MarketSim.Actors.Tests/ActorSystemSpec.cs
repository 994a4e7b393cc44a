using MarketSim.Actors;
using MarketSim.TestKit;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class ActorSystemSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    [Fact]
    public void An_actor_replies_to_the_implicit_test_actor_sender()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>(), "echo");
        echo.Tell("hello");
        ExpectMsg("hello");
        Assert.Equal(echo, LastSender);
    }

    [Fact]
    public void Top_level_and_child_paths_follow_the_user_hierarchy()
    {
        var a = Sys.ActorOf(Props.Create(() => new Supervisor(SupervisorStrategy.DefaultStrategy)), "a");
        a.Tell((Props.Create<EchoActor>(), "b"));
        var b = ExpectMsg<IActorRef>();
        Assert.Equal("akka://test/user/a", a.Path.ToString());
        Assert.Equal("akka://test/user/a/b", b.Path.ToString());
        Assert.Equal("b", b.Path.Name);
        Assert.Equal(a.Path, b.Path.Parent);
        Assert.Equal(["user", "a", "b"], b.Path.Elements);
    }

    [Fact]
    public void Duplicate_or_invalid_names_are_rejected()
    {
        Sys.ActorOf(Props.Create<EchoActor>(), "dup");
        var ex = Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<EchoActor>(), "dup"));
        Assert.Contains("not unique", ex.Message);
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<EchoActor>(), "a/b"));
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<EchoActor>(), "$x"));
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<EchoActor>(), ""));
    }

    [Fact]
    public void Settings_come_from_the_reference_configuration()
    {
        Assert.Equal(30, Sys.Settings.Throughput);
        Assert.Equal(Event.LogLevel.InfoLevel, Sys.Settings.LogLevel);
        Assert.Equal(10, Sys.Settings.LogDeadLetters);
        Assert.Equal(Timeout.InfiniteTimeSpan, Sys.Settings.AskTimeout);
        Assert.IsType<WallClockScheduler>(Sys.Scheduler);
        Assert.Equal(TimeSpan.FromSeconds(3), TestKitSettings.SingleExpectDefault);
    }

    [Fact]
    public async Task Terminate_stops_all_actors_and_completes_WhenTerminated()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        Watch(echo);
        await Sys.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(Sys.WhenTerminated.IsCompleted);
        Assert.True(((InternalActorRef)echo).IsTerminated);
    }
}
