using MarketSim.Actors;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class DeadLetterLimitSpec(ITestOutputHelper output) : TestKit.TestKit("akka.log-dead-letters = 2", output)
{
    [Fact]
    public void Only_the_first_log_dead_letters_dead_letters_are_logged()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        Watch(echo);
        Sys.Stop(echo);
        ExpectTerminated(echo);
        EventFilter.Info(contains: "was not delivered").Expect(2, () =>
        {
            for (var i = 0; i < 5; i++)
            {
                echo.Tell(i);
            }
        });
        EventFilter.DeadLetter<int>().Expect(3, () =>
        {
            for (var i = 0; i < 3; i++)
            {
                echo.Tell(i);
            }
        });
    }

    [Fact]
    public void Generated_names_start_with_a_dollar_sign()
    {
        var a = Sys.ActorOf(Props.Create<EchoActor>());
        var b = Sys.ActorOf(Props.Create<EchoActor>());
        Assert.StartsWith("$", a.Path.Name);
        Assert.NotEqual(a.Path, b.Path);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void A_new_actor_under_a_reused_name_is_a_different_ref()
    {
        var first = Sys.ActorOf(Props.Create<EchoActor>(), "reused");
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);
        var second = Sys.ActorOf(Props.Create<EchoActor>(), "reused");
        Assert.Equal(first.Path, second.Path);
        Assert.NotEqual(first, second);
        second.Tell("alive");
        ExpectMsg("alive");
    }

    [Fact]
    public async Task Stopping_the_user_guardian_terminates_the_system()
    {
        Sys.Stop(Sys.Guardian);
        await Sys.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
