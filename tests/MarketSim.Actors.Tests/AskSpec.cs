using MarketSim.Actors;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class AskSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    private sealed class Replier : ReceiveActor
    {
        public Replier()
        {
            Receive<string>(s => s == "ping", _ => Sender.Tell("pong"));
            Receive<string>(s => s == "fail", _ => Sender.Tell(new Status.Failure(new InvalidOperationException("boom"))));
            Receive<string>(s => s == "number", _ => Sender.Tell(42));
            Receive<string>(s => s == "silence", _ => { });
        }

        private void Receive<T>(Predicate<T> p, Action<T> a) => Receive(a, p);
    }

    [Fact]
    public async Task Ask_returns_the_reply()
    {
        var actor = Sys.ActorOf(Props.Create<Replier>(), "replier");
        Assert.Equal("pong", await actor.Ask<string>("ping", TimeSpan.FromSeconds(5)));
        Assert.Equal("pong", await actor.Ask("ping", TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Ask_without_reply_fails_with_AskTimeoutException_naming_target_and_timeout()
    {
        var actor = Sys.ActorOf(Props.Create<Replier>(), "silent");
        var ex = await Assert.ThrowsAsync<AskTimeoutException>(() => actor.Ask<string>("silence", TimeSpan.FromMilliseconds(200)));
        Assert.Contains("akka://test/user/silent", ex.Message);
        Assert.Contains("200 ms", ex.Message);
    }

    [Fact]
    public async Task Ask_answered_with_Status_Failure_throws_the_cause()
    {
        var actor = Sys.ActorOf(Props.Create<Replier>());
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => actor.Ask<string>("fail", TimeSpan.FromSeconds(5)));
        Assert.Equal("boom", ex.Message);
    }

    [Fact]
    public async Task Ask_with_a_reply_of_the_wrong_type_names_expected_and_actual_type()
    {
        var actor = Sys.ActorOf(Props.Create<Replier>());
        var ex = await Assert.ThrowsAsync<InvalidCastException>(() => actor.Ask<string>("number", TimeSpan.FromSeconds(5)));
        Assert.Contains("System.String", ex.Message);
        Assert.Contains("System.Int32", ex.Message);
    }

    [Fact]
    public async Task The_temporary_ask_ref_lives_under_temp()
    {
        var probe = CreateTestProbe();
        var task = probe.Ref.Ask<string>("question", TimeSpan.FromSeconds(5));
        probe.ExpectMsg("question");
        Assert.StartsWith("akka://test/temp/", probe.LastSender.Path.ToString());
        probe.Reply("answer");
        Assert.Equal("answer", await task);
    }

    [Fact]
    public async Task Ask_to_a_dead_actor_times_out()
    {
        var actor = Sys.ActorOf(Props.Create<Replier>());
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
        await Assert.ThrowsAsync<AskTimeoutException>(() => actor.Ask<string>("ping", TimeSpan.FromMilliseconds(100)));
    }
}
