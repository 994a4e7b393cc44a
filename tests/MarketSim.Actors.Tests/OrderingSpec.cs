using MarketSim.Actors;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class OrderingSpec(ITestOutputHelper output) : TestKit.TestKit(output: output)
{
    private sealed record Done(int Count, bool InOrder);

    private sealed class SequenceChecker : ReceiveActor
    {
        private readonly Dictionary<int, int> _next = [];
        private bool _inOrder = true;
        private int _count;

        public SequenceChecker(int expected, IActorRef report)
        {
            Receive<(int Sender, int Seq)>(m =>
            {
                _next.TryGetValue(m.Sender, out var want);
                _inOrder &= m.Seq == want;
                _next[m.Sender] = m.Seq + 1;
                if (++_count == expected)
                {
                    report.Tell(new Done(_count, _inOrder));
                }
            });
        }
    }

    [Fact]
    public void Messages_from_one_sender_to_one_receiver_arrive_in_send_order()
    {
        const int n = 100_000;
        var checker = Sys.ActorOf(Props.Create(() => new SequenceChecker(n, TestActor)));
        for (var i = 0; i < n; i++)
        {
            checker.Tell((0, i));
        }
        var done = ExpectMsg<Done>(TimeSpan.FromSeconds(30));
        Assert.True(done.InOrder);
        Assert.Equal(n, done.Count);
    }

    [Fact]
    public void Messages_from_many_concurrent_senders_keep_the_order_of_each_sender()
    {
        const int senders = 8;
        const int perSender = 10_000;
        var checker = Sys.ActorOf(Props.Create(() => new SequenceChecker(senders * perSender, TestActor)));
        Parallel.For(0, senders, s =>
        {
            for (var i = 0; i < perSender; i++)
            {
                checker.Tell((s, i), ActorRefs.Nobody);
            }
        });
        var done = ExpectMsg<Done>(TimeSpan.FromSeconds(30));
        Assert.True(done.InOrder);
    }

    private sealed class Relay : ReceiveActor
    {
        public Relay(IActorRef target) => ReceiveAny(m => target.Tell(m));
    }

    [Fact]
    public void An_actor_sending_to_another_actor_keeps_the_order()
    {
        const int n = 20_000;
        var checker = Sys.ActorOf(Props.Create(() => new SequenceChecker(n, TestActor)));
        var relay = Sys.ActorOf(Props.Create(() => new Relay(checker)));
        for (var i = 0; i < n; i++)
        {
            relay.Tell((1, i));
        }
        Assert.True(ExpectMsg<Done>(TimeSpan.FromSeconds(30)).InOrder);
    }
}
