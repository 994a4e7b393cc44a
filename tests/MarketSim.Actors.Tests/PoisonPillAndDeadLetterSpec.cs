using MarketSim.Actors;
using MarketSim.Actors.Event;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class PoisonPillAndDeadLetterSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    [Fact]
    public void PoisonPill_is_processed_in_order_then_the_actor_stops()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        Watch(echo);
        echo.Tell(1);
        echo.Tell(2);
        echo.Tell(PoisonPill.Instance);
        echo.Tell(3);
        ExpectMsg(1);
        ExpectMsg(2);
        ExpectTerminated(echo);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Messages_to_a_stopped_actor_are_published_as_dead_letters()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>(), "gone");
        Watch(echo);
        Sys.Stop(echo);
        ExpectTerminated(echo);
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));
        EventFilter.DeadLetter<string>().ExpectOne(() => echo.Tell("lost"));
        var d = ExpectMsg<DeadLetter>();
        Assert.Equal("lost", d.Message);
        Assert.Equal(echo, d.Recipient);
        Assert.Equal(TestActor, d.Sender);
    }

    [Fact]
    public void Dead_letters_are_logged_at_info()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>(), "gone2");
        Watch(echo);
        Sys.Stop(echo);
        ExpectTerminated(echo);
        EventFilter.Info(contains: "was not delivered").ExpectOne(() => echo.Tell("lost"));
    }

    [Fact]
    public void Messages_sent_to_DeadLetters_are_published_as_dead_letters()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));
        Sys.DeadLetters.Tell("direct");
        Assert.Equal("direct", ExpectMsg<DeadLetter>().Message);
        Assert.Equal("akka://test/deadLetters", Sys.DeadLetters.Path.ToString());
    }
}
