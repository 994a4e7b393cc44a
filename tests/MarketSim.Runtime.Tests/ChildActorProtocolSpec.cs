using Akka.Actor;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Run;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Runtime.Tests;

/// <summary>
/// The protocols of a run's children, each against a test probe standing in for the coordinator: the miner shard (one
/// batch per interval, asynchronous answers that never block the actor, failures handed to the supervisor), the
/// validator (a thin wrapper: the same events as its pure state, one reply per step) and the market maker.
/// </summary>
public sealed class ChildActorProtocolSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static IntervalOpened Opened(long interval) => new(interval, T0.AddHours(4 * interval), [7, 8], [1, -1], []);

    [Fact]
    public void A_shard_answers_each_interval_with_one_batch_to_the_sender()
    {
        var model = new FakeShard(asynchronous: false);
        var shard = Sys.ActorOf(MinerShardActor.Props(model));
        var coordinator = CreateTestProbe();

        shard.Tell(Opened(3), coordinator.Ref);
        shard.Tell(Opened(4), coordinator.Ref);

        var first = coordinator.ExpectMsg<ShardAnswered>();
        var second = coordinator.ExpectMsg<ShardAnswered>();
        Assert.Equal([3L, 4L], new[] { first.Batch.Interval, second.Batch.Interval });
        Assert.Equal([7L, 8L], first.Batch.EventIds);
        Assert.Equal(FakeShard.Miners, first.Batch.MinerIds);
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_shard_waiting_on_io_keeps_its_thread_free_and_answers_the_original_sender_when_the_batch_arrives()
    {
        var model = new FakeShard(asynchronous: true);
        var shard = Sys.ActorOf(MinerShardActor.Props(model));
        var coordinator = CreateTestProbe();
        var other = CreateTestProbe();

        shard.Tell(Opened(5), coordinator.Ref);
        Assert.True(model.Started.Wait(TimeSpan.FromSeconds(10)), "the asynchronous answer was never started");
        // While the answer is outstanding the actor still processes its mailbox: a blocked receive could not answer this.
        shard.Tell(new Identify(42), other.Ref);
        Assert.Equal(42, other.ExpectMsg<ActorIdentity>().MessageId);
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        model.Pending.SetResult(FakeShard.Batch(Opened(5)));

        Assert.Equal(5, coordinator.ExpectMsg<ShardAnswered>().Batch.Interval);
        other.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_shard_whose_asynchronous_answer_fails_is_stopped_by_its_supervisor_with_the_cause()
    {
        var model = new FakeShard(asynchronous: true);
        var recorded = new TaskCompletionSource<Exception>();
        var parent = Sys.ActorOf(Props.Create(() => new Parent(MinerShardActor.Props(model), recorded)));
        var coordinator = CreateTestProbe();
        var shard = ExpectMsgFrom(parent);
        Watch(shard);

        shard.Tell(Opened(1), coordinator.Ref);
        Assert.True(model.Started.Wait(TimeSpan.FromSeconds(10)));
        model.Pending.SetException(new HttpRequestException("endpoint http://127.0.0.1:9/v1 refused the connection"));

        ExpectTerminated(shard);
        var cause = await recorded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.IsType<ShardFailedException>(cause);
        Assert.Contains("refused the connection", cause.Message, StringComparison.Ordinal);
        Assert.True(model.Disposed, "the stopped shard did not release its model");
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_validator_replies_once_per_step_with_its_index_and_exactly_the_events_of_its_pure_state()
    {
        var scenario = ScenarioLoader.Load(ShippedScenarios.Path("parity-cliff-fog.conf"), ["timeline.events=24"], seed: 0);
        var settings = scenario.Validators[0];
        var actor = Sys.ActorOf(ValidatorActor.Props(3, new ValidatorState(settings, 3, scenario.Timeline), "validator-test", new RunStreams("in-memory journal")));
        var pure = new ValidatorState(settings, 3, scenario.Timeline);
        var coordinator = CreateTestProbe();
        // The validator records its events itself and confirms each step's once they are stored: count those apart.
        var recorded = 0;
        coordinator.IgnoreMessages<Recorded>(r => r.PersistenceId == "validator-test" && Interlocked.Increment(ref recorded) > 0);
        var tl = scenario.Timeline;
        var issued = new IssuedEvent(0, tl.Epoch, tl.Epoch + (tl.IntervalLength * 3), tl.Epoch + (tl.IntervalLength * 4));
        var steps = new List<ValidatorStep>
        {
            new(0, tl.Epoch, [issued], [new PredictionBatch(0, 0, [0], [0, 1, 2], [0.9, 0.2, double.NaN])], []),
            new(1, tl.Epoch + tl.IntervalLength, [], [new PredictionBatch(1, 0, [0], [0, 1, 2], [0.8, 0.3, 0.5])], []),
            new(4, tl.Epoch + (tl.IntervalLength * 4), [], [], [new ResolvedEvent(0, tl.Epoch + (tl.IntervalLength * 4), true)]),
        };

        var rejectedBefore = 0L;
        var all = new List<ScoreEvent>();
        foreach (var step in steps)
        {
            actor.Tell(step, coordinator.Ref);
            var done = coordinator.ExpectMsg<ValidatorStepDone>();
            var firstRejections = new List<RejectedAnswer>();
            var expected = pure.Step(step, firstRejections);

            Assert.Equal(3, done.Validator);
            Assert.Equal(expected.Select(ScoreEventSerializer.Serialize), done.Events.Select(ScoreEventSerializer.Serialize));
            Assert.Equal(firstRejections, done.FirstRejections);
            Assert.Equal(pure.Rejected - rejectedBefore, done.Rejected);
            rejectedBefore = pure.Rejected;
            all.AddRange(done.Events);
        }

        AwaitCondition(() => Volatile.Read(ref recorded) == steps.Count, TimeSpan.FromSeconds(10));
        // The NaN answer of miner 2 was rejected once, and the event was scored at its resolution.
        Assert.Equal(1, pure.Rejected);
        Assert.Contains(all, e => e is EventScored { EventId: 0, Outcome: 1 });
    }

    [Fact]
    public void A_market_maker_answers_quotes_and_trades_to_the_sender()
    {
        var scenario = ScenarioLoader.Load(
            ShippedScenarios.Path("parity-cliff-fog.conf"),
            ["timeline.events=24", "marketmaker.kind=lmsr", "miners=[{ kind = oracle }, { kind = market-follower }]"],
            seed: 0);
        var mm = Sys.ActorOf(MarketMakerActor.Props(new RunMarketMaker(scenario), new RunStreams("in-memory journal")));
        var coordinator = CreateTestProbe();
        // The market maker records its settlements itself and confirms them apart from its answers.
        coordinator.IgnoreMessages<Recorded>(_ => true);

        mm.Tell(new QuoteRequest(scenario.Timeline.Epoch, [0], [0]), coordinator.Ref);
        var quotes = coordinator.ExpectMsg<Quotes>();
        Assert.Single(quotes.Prices);
        Assert.InRange(quotes.Prices[0], 0.0, 1.0);

        mm.Tell(new TradeRequest(scenario.Timeline.Epoch, [], []), coordinator.Ref);
        Assert.Empty(coordinator.ExpectMsg<Traded>().Settled);
    }

    private IActorRef ExpectMsgFrom(IActorRef parent)
    {
        parent.Tell("child", TestActor);
        return ExpectMsg<IActorRef>();
    }

    /// <summary>A coordinator-like parent: the run's stop-and-record supervision over one child.</summary>
    private sealed class Parent : ReceiveActor
    {
        private readonly TaskCompletionSource<Exception> _recorded;

        public Parent(Props child, TaskCompletionSource<Exception> recorded)
        {
            _recorded = recorded;
            var c = Context.ActorOf(child, "shard-0");
            Receive<string>(_ => Sender.Tell(c, Self));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new StopAndRecord((_, cause) => _recorded.TrySetResult(cause));
    }

    /// <summary>Three miners answering 0.5; asynchronously, the answer waits for <see cref="Pending"/>.</summary>
    private sealed class FakeShard(bool asynchronous) : IShardModel, IDisposable
    {
        public static readonly int[] Miners = [0, 1, 2];

        public ManualResetEventSlim Started { get; } = new();

        public TaskCompletionSource<PredictionBatch> Pending { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Disposed { get; private set; }

        public int Shard => 0;

        public int[] MinerIds => Miners;

        public bool AnswersAsynchronously => asynchronous;

        public static PredictionBatch Batch(IntervalOpened opened) =>
            new(opened.Interval, 0, opened.EventIds, Miners, [.. Enumerable.Repeat(0.5, opened.EventIds.Length * Miners.Length)]);

        public PredictionBatch Answer(IntervalOpened opened) => Batch(opened);

        public Task<PredictionBatch> AnswerAsync(IntervalOpened opened, CancellationToken cancellation)
        {
            Started.Set();
            return Pending.Task;
        }

        public void Dispose() => Disposed = true;
    }
}
