using MarketSim.Actors;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class StashSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    private sealed class Gate : ReceiveActor, IWithUnboundedStash
    {
        public IStash Stash { get; set; } = null!;

        public Gate(IActorRef probe)
        {
            Receive<string>(s => s == "open", _ =>
            {
                Become(() => ReceiveAny(m => probe.Tell(m)));
                Stash.UnstashAll();
            });
            Receive<Exception>(ex => throw ex);
            ReceiveAny(_ => Stash.Stash());
        }

        private void Receive<T>(Predicate<T> p, Action<T> a) => Receive(a, p);
    }

    [Fact]
    public void UnstashAll_puts_stashed_messages_back_in_original_order_before_newer_ones()
    {
        var gate = Sys.ActorOf(Props.Create(() => new Gate(TestActor)));
        gate.Tell(1);
        gate.Tell(2);
        gate.Tell(3);
        gate.Tell("open");
        gate.Tell(4);
        ExpectMsg(1);
        ExpectMsg(2);
        ExpectMsg(3);
        ExpectMsg(4);
    }

    [Fact]
    public void Stashed_messages_survive_a_restart()
    {
        var gate = Sys.ActorOf(Props.Create(() => new Gate(TestActor)));
        gate.Tell(1);
        gate.Tell(2);
        gate.Tell(new InvalidOperationException("restart"));
        gate.Tell("open");
        gate.Tell(3);
        ExpectMsg(1);
        ExpectMsg(2);
        ExpectMsg(3);
    }

    private sealed class SingleUnstash : ReceiveActor, IWithUnboundedStash
    {
        public IStash Stash { get; set; } = null!;

        public SingleUnstash(IActorRef probe)
        {
            Receive<string>(s =>
            {
                if (s == "one")
                {
                    Stash.Unstash();
                }
                else
                {
                    probe.Tell(s);
                }
            });
            Receive<int>(i =>
            {
                if (i < 0)
                {
                    probe.Tell(i);
                }
                else
                {
                    Stash.Stash();
                }
            });
        }
    }

    [Fact]
    public void Unstash_puts_back_the_oldest_message_only()
    {
        var actor = Sys.ActorOf(Props.Create(() => new SingleUnstash(TestActor)));
        actor.Tell(1);
        actor.Tell(2);
        actor.Tell("one");
        actor.Tell("after");
        // 1 is unstashed and stashed again (it is not negative), so only "after" arrives
        ExpectMsg("after");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
