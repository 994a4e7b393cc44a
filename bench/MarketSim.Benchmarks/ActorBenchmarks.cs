using System.Threading.Channels;
using Akka.Actor;
using BenchmarkDotNet.Attributes;

namespace MarketSim.Benchmarks;

/// <summary>
/// Akka.NET actor messaging against a raw System.Threading.Channels baseline. Every benchmark moves
/// <see cref="Total"/> messages in total (split over <see cref="Pairs"/> sender/receiver pairs), and
/// reports time per message (OperationsPerInvoke = Total), so 1e9 / mean-ns = messages per second.
/// Run: <c>dotnet run -c Release --project bench/MarketSim.Benchmarks -- --filter '*Actor*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ActorBenchmarks
{
    private const int Total = 400_000;
    private static readonly object Ball = new();
    private ActorSystem _system = null!;

    /// <summary>Concurrent sender/receiver pairs.</summary>
    [Params(1, 8)]
    public int Pairs { get; set; }

    [GlobalSetup]
    public void Setup() => _system = ActorSystem.Create("bench", "akka.stdout-loglevel = OFF\nakka.loglevel = ERROR\nakka.log-dead-letters = off");

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    // ------------------------------------------------------------------ channels baseline

    [Benchmark(Baseline = true, OperationsPerInvoke = Total, Description = "channels ping-pong")]
    public Task ChannelsPingPong()
    {
        var rounds = Total / Pairs / 2;
        var tasks = new Task[Pairs * 2];
        for (var p = 0; p < Pairs; p++)
        {
            var ping = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var pong = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            tasks[2 * p] = Task.Run(async () =>
            {
                for (var i = 0; i < rounds; i++)
                {
                    ping.Writer.TryWrite(Ball);
                    await pong.Reader.ReadAsync().ConfigureAwait(false);
                }
            });
            tasks[(2 * p) + 1] = Task.Run(async () =>
            {
                for (var i = 0; i < rounds; i++)
                {
                    var m = await ping.Reader.ReadAsync().ConfigureAwait(false);
                    pong.Writer.TryWrite(m);
                }
            });
        }
        return Task.WhenAll(tasks);
    }

    [Benchmark(OperationsPerInvoke = Total, Description = "channels tell-throughput")]
    public Task ChannelsThroughput()
    {
        var perPair = Total / Pairs;
        var tasks = new Task[Pairs * 2];
        for (var p = 0; p < Pairs; p++)
        {
            var ch = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            tasks[2 * p] = Task.Run(() =>
            {
                for (var i = 0; i < perPair; i++)
                {
                    ch.Writer.TryWrite(Ball);
                }
            });
            tasks[(2 * p) + 1] = Task.Run(async () =>
            {
                var count = 0;
                while (count < perPair && await ch.Reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    while (ch.Reader.TryRead(out _))
                    {
                        count++;
                    }
                }
            });
        }
        return Task.WhenAll(tasks);
    }

    // ------------------------------------------------------------------ actors

    private sealed record Start(IActorRef Peer, int Rounds, TaskCompletionSource Done);

    private sealed class Pinger : ActorBase
    {
        private int _left;
        private TaskCompletionSource? _done;

        protected override bool Receive(object message)
        {
            if (ReferenceEquals(message, Ball))
            {
                if (--_left == 0)
                {
                    _done!.TrySetResult();
                }
                else
                {
                    Sender.Tell(Ball, Self);
                }
                return true;
            }
            if (message is Start s)
            {
                _left = s.Rounds;
                _done = s.Done;
                s.Peer.Tell(Ball, Self);
                return true;
            }
            return false;
        }
    }

    private sealed class Ponger : ActorBase
    {
        protected override bool Receive(object message)
        {
            Sender.Tell(message, Self);
            return true;
        }
    }

    private sealed class Counter : ActorBase
    {
        private readonly int _expected;
        private readonly TaskCompletionSource _done;
        private int _count;

        public Counter(int expected, TaskCompletionSource done)
        {
            _expected = expected;
            _done = done;
        }

        protected override bool Receive(object message)
        {
            if (++_count == _expected)
            {
                _done.TrySetResult();
            }
            return true;
        }
    }

    [Benchmark(OperationsPerInvoke = Total, Description = "actors ping-pong")]
    public async Task ActorsPingPong()
    {
        var rounds = Total / Pairs / 2;
        var done = new Task[Pairs];
        var actors = new List<IActorRef>();
        for (var p = 0; p < Pairs; p++)
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var pinger = _system.ActorOf(Props.Create<Pinger>());
            var ponger = _system.ActorOf(Props.Create<Ponger>());
            actors.Add(pinger);
            actors.Add(ponger);
            pinger.Tell(new Start(ponger, rounds, tcs), ActorRefs.NoSender);
            done[p] = tcs.Task;
        }
        await Task.WhenAll(done).ConfigureAwait(false);
        foreach (var a in actors)
        {
            _system.Stop(a);
        }
    }

    [Benchmark(OperationsPerInvoke = Total, Description = "actors tell-throughput")]
    public async Task ActorsThroughput()
    {
        var perPair = Total / Pairs;
        var done = new Task[Pairs];
        var senders = new Task[Pairs];
        var actors = new List<IActorRef>();
        for (var p = 0; p < Pairs; p++)
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var counter = _system.ActorOf(Props.Create(() => new Counter(perPair, tcs)));
            actors.Add(counter);
            done[p] = tcs.Task;
            senders[p] = Task.Run(() =>
            {
                for (var i = 0; i < perPair; i++)
                {
                    counter.Tell(Ball, ActorRefs.Nobody);
                }
            });
        }
        await Task.WhenAll(senders).ConfigureAwait(false);
        await Task.WhenAll(done).ConfigureAwait(false);
        foreach (var a in actors)
        {
            _system.Stop(a);
        }
    }
}
