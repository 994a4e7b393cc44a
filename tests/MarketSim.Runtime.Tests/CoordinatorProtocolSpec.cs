using System.Collections.Concurrent;
using Akka.Actor;
using Akka.TestKit;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Run;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Runtime.Tests;

/// <summary>
/// The run coordinator's protocol against test probes standing in for the miner shards and validators: the barrier per
/// interval, batches that come late, twice or never, children that throw, cancellation, and messages that stay as sent.
/// A small parity scenario (11 miners in 2 shards, 2 validators, 24 events) supplies the interval grid.
/// </summary>
public sealed class CoordinatorProtocolSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Validators_step_only_once_every_shard_answered_and_see_the_batches_in_shard_order()
    {
        var run = new ProbeRun(this);
        var held = new TaskCompletionSource<(IntervalOpened Opened, IActorRef Coordinator)>();
        long? first = null;
        run.ShardBehaviour = (shard, opened, coordinator) =>
        {
            first ??= opened.Interval;
            if (shard == 0 && opened.Interval == first)
            {
                held.TrySetResult((opened, coordinator));
                return false;
            }

            return true;
        };
        var result = run.Start(Scenario());

        var (opened0, coordinator) = await held.Task.WaitAsync(Wait);
        // Shard 1 has answered (its autopilot replies at once), shard 0 not: no validator may step in this interval.
        await Task.Delay(300);
        Assert.DoesNotContain(run.Steps, s => s.Step.Interval == opened0.Interval);

        coordinator.Tell(new ShardAnswered(ProbeRun.Batch(opened0, 0)), run.Shards[0].Ref);
        var completed = await result.WaitAsync(Wait);

        Assert.Equal(RunState.Complete, completed.State);
        var steps = run.Steps.Where(s => s.Step.Interval == opened0.Interval).ToList();
        Assert.Equal(2, steps.Count);
        Assert.All(steps, s => Assert.Equal([0, 1], s.Step.Batches.Select(b => b.Shard)));
    }

    [Fact]
    public async Task A_second_batch_of_a_shard_is_dropped_and_the_barrier_still_waits_for_the_other_shard()
    {
        var run = new ProbeRun(this);
        var shard1 = new TaskCompletionSource<(IntervalOpened Opened, IActorRef Coordinator)>();
        long? first = null;
        run.ShardBehaviour = (shard, opened, coordinator) =>
        {
            first ??= opened.Interval;
            if (opened.Interval != first)
            {
                return true;
            }

            if (shard == 0)
            {
                // Answer, then answer again: the copy must count for nothing.
                coordinator.Tell(new ShardAnswered(ProbeRun.Batch(opened, 0)), ActorRefs.NoSender);
                return true;
            }

            shard1.TrySetResult((opened, coordinator));
            return false;
        };
        var result = run.Start(Scenario());

        var (opened1, coordinator) = await shard1.Task.WaitAsync(Wait);
        await Task.Delay(300);
        Assert.DoesNotContain(run.Steps, s => s.Step.Interval == opened1.Interval);

        coordinator.Tell(new ShardAnswered(ProbeRun.Batch(opened1, 1)), ActorRefs.NoSender);
        Assert.Equal(RunState.Complete, (await result.WaitAsync(Wait)).State);
        Assert.All(run.Steps.Where(s => s.Step.Interval == opened1.Interval), s => Assert.Equal([0, 1], s.Step.Batches.Select(b => b.Shard)));
    }

    [Fact]
    public async Task A_batch_of_an_earlier_interval_is_dropped_and_never_reaches_the_validators()
    {
        var run = new ProbeRun(this);
        long? previous = null;
        run.ShardBehaviour = (shard, opened, coordinator) =>
        {
            if (shard == 0 && previous is { } p)
            {
                // Before its real answer, shard 0 repeats its batch of the interval before.
                coordinator.Tell(new ShardAnswered(ProbeRun.Batch(opened with { Interval = p }, 0)), ActorRefs.NoSender);
            }

            if (shard == 0)
            {
                previous = opened.Interval;
            }

            return true;
        };

        var completed = await run.Start(Scenario()).WaitAsync(Wait);

        Assert.Equal(RunState.Complete, completed.State);
        Assert.NotEmpty(run.Steps);
        Assert.All(run.Steps, s => Assert.All(s.Step.Batches, b => Assert.Equal(s.Step.Interval, b.Interval)));
        Assert.All(run.Steps.Where(s => s.Step.Batches.Count > 0), s => Assert.Equal([0, 1], s.Step.Batches.Select(b => b.Shard)));
    }

    [Fact]
    public async Task A_batch_that_never_comes_fails_the_run_after_the_step_timeout_naming_the_interval_and_what_it_waited_for()
    {
        var run = new ProbeRun(this) { StepTimeout = TimeSpan.FromMilliseconds(400) };
        long? missing = null;
        run.ShardBehaviour = (shard, opened, _) =>
        {
            if (shard == 1)
            {
                missing ??= opened.Interval;
                return false;
            }

            return true;
        };

        var completed = await run.Start(Scenario()).WaitAsync(Wait);

        Assert.Equal(RunState.Failed, completed.State);
        Assert.IsType<TimeoutException>(completed.Error);
        Assert.Equal($"interval {missing}: the miner shards' batches did not arrive within 0.4 s", completed.Error!.Message);
        // Every interval before the missing batch was played in full, and none after it.
        Assert.Equal(run.Steps.Count(s => s.Validator == 0), completed.Intervals);
        Assert.All(run.Steps, s => Assert.True(s.Step.Interval < missing));
    }

    [Fact]
    public async Task A_shard_that_throws_fails_the_run_with_its_name_and_message_and_is_not_restarted()
    {
        var run = new ProbeRun(this) { ThrowingShard = 1 };

        var completed = await run.Start(Scenario()).WaitAsync(Wait);

        Assert.Equal(RunState.Failed, completed.State);
        Assert.Equal("shard-1: the model exploded", completed.Error!.Message);
        Assert.Equal(0, completed.Intervals);
        Assert.Equal(1, Volatile.Read(ref run.ThrowingStarts));
    }

    [Fact]
    public async Task A_validator_that_throws_fails_the_run_naming_the_validator()
    {
        var scenario = Scenario();
        var run = new ProbeRun(this) { ThrowingValidator = 1 };

        var completed = await run.Start(scenario).WaitAsync(Wait);

        Assert.Equal(RunState.Failed, completed.State);
        Assert.Equal(JournalIds.Validator(scenario.Validators[1].Name) + ": the rule exploded", completed.Error!.Message);
    }

    [Fact]
    public async Task Cancelling_ends_the_run_interrupted_after_the_interval_in_play()
    {
        using var cts = new CancellationTokenSource();
        var run = new ProbeRun(this) { Cancellation = cts.Token };
        var seen = 0;
        run.ShardBehaviour = (shard, _, _) =>
        {
            if (shard == 0 && Interlocked.Increment(ref seen) == 2)
            {
                cts.Cancel();
            }

            return true;
        };

        var completed = await run.Start(Scenario()).WaitAsync(Wait);

        Assert.Equal(RunState.Interrupted, completed.State);
        Assert.Null(completed.Error);
        // The interval in play when the token was cancelled is finished; no shard sees another one.
        Assert.Equal(2, Volatile.Read(ref seen));
        Assert.Equal(completed.LastInterval, run.Steps.Max(s => s.Step.Interval));
    }

    [Fact]
    public async Task Messages_already_sent_are_never_changed_by_the_coordinator_afterwards()
    {
        var run = new ProbeRun(this);
        var sent = new ConcurrentQueue<(IntervalOpened Message, long[] Ids, double[] Prices)>();
        run.ShardBehaviour = (shard, opened, _) =>
        {
            if (shard == 0)
            {
                sent.Enqueue((opened, [.. opened.EventIds], [.. opened.Prices]));
            }

            return true;
        };

        var completed = await run.Start(Scenario()).WaitAsync(Wait);

        Assert.Equal(RunState.Complete, completed.State);
        Assert.True(sent.Count > 2);
        foreach (var (message, ids, prices) in sent)
        {
            Assert.Equal(ids, message.EventIds);
            Assert.Equal(prices, message.Prices);
        }

        Assert.Equal(sent.Count, sent.Select(s => s.Message.EventIds).Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    private static Scenario Scenario() =>
        ScenarioLoader.Load(ShippedScenarios.Path("parity-cliff-fog.conf"), ["shard-size=6", "timeline.events=24"], seed: 0);

    /// <summary>
    /// A run under a real <see cref="RunSupervisor"/> whose shards and validators are test probes with autopilots (or,
    /// when asked, actors that throw).
    /// </summary>
    private sealed class ProbeRun(TestKitBase kit) : IRunParts
    {
        public int ThrowingStarts;

        public List<TestProbe> Shards { get; } = [];

        /// <summary>Every step each validator probe received, in arrival order.</summary>
        public ConcurrentQueue<(int Validator, ValidatorStep Step)> Steps { get; } = new();

        /// <summary>Called on every IntervalOpened; true = the probe answers with an empty batch at once.</summary>
        public Func<int, IntervalOpened, IActorRef, bool> ShardBehaviour { get; set; } = (_, _, _) => true;

        public int? ThrowingShard { get; init; }

        public int? ThrowingValidator { get; init; }

        public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(15);

        public CancellationToken Cancellation { get; init; }

        public static PredictionBatch Batch(IntervalOpened opened, int shard) => new(opened.Interval, shard, [], [], []);

        public Task<CoordinatorResult> Start(Scenario scenario)
        {
            var completion = new TaskCompletionSource<CoordinatorResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            var context = new CoordinatorContext(new RunStreams("in-memory journal"), string.Empty, Cancellation, null, null, completion)
            {
                Parts = this,
                StepTimeout = StepTimeout,
            };
            var runs = kit.Sys.ActorOf(RunSupervisor.Props(), "runs-" + Guid.NewGuid().ToString("N"));
            runs.Tell(new RunSupervisor.Play(scenario, context), ActorRefs.NoSender);
            return completion.Task;
        }

        public IActorRef Shard(IUntypedActorContext context, IShardModel model, string name, string? dispatcher)
        {
            var index = model.Shard;
            if (index == ThrowingShard)
            {
                return context.ActorOf(Props.Create(() => new Throwing("the model exploded", () => Interlocked.Increment(ref ThrowingStarts))), name);
            }

            var probe = kit.CreateTestProbe(name);
            Shards.Add(probe);
            probe.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
            {
                if (message is IntervalOpened opened && ShardBehaviour(index, opened, sender))
                {
                    sender.Tell(new ShardAnswered(Batch(opened, index)), ActorRefs.NoSender);
                }

                return AutoPilot.KeepRunning;
            }));
            return probe.Ref;
        }

        public IActorRef Validator(IUntypedActorContext context, int index, ValidatorState state, string name, string persistenceId, RunStreams streams)
        {
            if (index == ThrowingValidator)
            {
                var throwing = context.ActorOf(Props.Create(() => new Throwing("the rule exploded", null)), name);
                context.Self.Tell(new StreamReady(persistenceId, 0), throwing);
                return throwing;
            }

            var probe = kit.CreateTestProbe(name);
            probe.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
            {
                switch (message)
                {
                    case ValidatorStep step:
                        // A validator records its (here: no) score events and confirms them, and acks the step.
                        Steps.Enqueue((index, step));
                        sender.Tell(new Recorded(persistenceId), ActorRefs.NoSender);
                        sender.Tell(new ValidatorStepDone(index, [], [], 0), ActorRefs.NoSender);
                        break;
                    case FlushStream:
                        sender.Tell(new Flushed(persistenceId, 0), ActorRefs.NoSender);
                        break;
                }

                return AutoPilot.KeepRunning;
            }));
            // A validator owns a stream: it reports its recovery before the run starts.
            context.Self.Tell(new StreamReady(persistenceId, 0), probe.Ref);
            return probe.Ref;
        }

        public IActorRef MarketMaker(IUntypedActorContext context, RunMarketMaker model, string name, RunStreams streams) =>
            throw new InvalidOperationException("the parity scenario has no market maker");
    }

    /// <summary>Throws on its first message; counts its starts (a restart would count twice).</summary>
    private sealed class Throwing : ReceiveActor
    {
        public Throwing(string message, Action? started)
        {
            started?.Invoke();
            ReceiveAny(_ => throw new InvalidOperationException(message));
        }
    }
}
