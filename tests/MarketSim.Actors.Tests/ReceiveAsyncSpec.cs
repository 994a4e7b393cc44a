using MarketSim.Actors;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class ReceiveAsyncSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    private sealed class Slow : ReceiveActor
    {
        public Slow(IActorRef probe)
        {
            ReceiveAsync<string>(async s =>
            {
                await Task.Delay(50);
                probe.Tell(s + "-done");
                Sender.Tell("reply-after-await");
            });
            ReceiveAsync<Exception>(async ex =>
            {
                await Task.Yield();
                throw ex;
            });
            Receive<int>(i => probe.Tell(i));
        }
    }

    [Fact]
    public void ReceiveAsync_suspends_the_mailbox_until_the_task_completes()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new Slow(probe.Ref)));
        actor.Tell("a");
        actor.Tell(1);
        actor.Tell("b");
        actor.Tell(2);
        probe.ExpectMsg("a-done");
        probe.ExpectMsg(1);
        probe.ExpectMsg("b-done");
        probe.ExpectMsg(2);
        ExpectMsg("reply-after-await");
    }

    [Fact]
    public void A_faulted_async_handler_fails_the_actor_like_a_throw()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new Slow(probe.Ref)));
        EventFilter.Error<InvalidOperationException>(message: "async boom").ExpectOne(() => actor.Tell(new InvalidOperationException("async boom")));
        actor.Tell(3);
        probe.ExpectMsg(3);
    }
}
