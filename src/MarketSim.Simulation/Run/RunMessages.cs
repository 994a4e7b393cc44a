using MarketSim.Simulation.Journal;

namespace MarketSim.Simulation.Run;

/// <summary>An event as the issuer announces it to validators: times only, the outcome stays hidden until resolution.</summary>
/// <param name="EventId">Run-wide event id.</param>
/// <param name="IssuedAt">Issue time (the validators' registered date A).</param>
/// <param name="CutoffAt">Cutoff (answers after it are not taken).</param>
/// <param name="ResolvesAt">Scheduled resolution.</param>
public sealed record IssuedEvent(long EventId, DateTimeOffset IssuedAt, DateTimeOffset CutoffAt, DateTimeOffset ResolvesAt);

/// <summary>A resolution as validators receive it.</summary>
public sealed record ResolvedEvent(long EventId, DateTimeOffset ResolvedAt, bool Outcome);

/// <summary>
/// Coordinator → every miner shard: grid interval <paramref name="Interval"/> opened at <paramref name="Time"/>;
/// <paramref name="EventIds"/> are the open events (ascending); <paramref name="Chi"/> their χ_S (the only thing a
/// parity forecaster reads; empty in a replay) and <paramref name="Prices"/> their market prices at <paramref name="Time"/>
/// (replay; NaN = none yet; empty for parity). Each shard answers with exactly one <see cref="ShardAnswered"/>.
/// </summary>
public sealed record IntervalOpened(long Interval, DateTimeOffset Time, long[] EventIds, sbyte[] Chi, double[] Prices);

/// <summary>Shard → coordinator: the shard's columnar batch for the interval (one message per shard per interval).</summary>
public sealed record ShardAnswered(PredictionBatch Batch);

/// <summary>
/// Coordinator → every validator, once per interval: the newly issued events, every shard's batch in shard order,
/// and the events that resolved at this interval. <see cref="Prices"/> are the market prices at
/// <paramref name="Time"/> of the batches' events (same order; empty when the world has none), for the
/// <c>market-relative</c> rule. The validator answers with one <see cref="ValidatorStepDone"/>.
/// </summary>
public sealed record ValidatorStep(long Interval, DateTimeOffset Time, IReadOnlyList<IssuedEvent> Issued, IReadOnlyList<PredictionBatch> Batches, IReadOnlyList<ResolvedEvent> Resolved)
{
    /// <summary>Market prices of the batches' events at <see cref="Time"/> (same order; empty when the world has none).</summary>
    public double[] Prices { get; init; } = [];
}

/// <summary>A rejected answer (NaN, infinite or outside [0, 1]: scoring.md §3); the first per miner and validator is reported.</summary>
/// <param name="Validator">Validator name.</param>
/// <param name="MinerId">Miner id.</param>
/// <param name="EventId">Event the answer was for.</param>
/// <param name="Interval">Grid interval k of the batch.</param>
/// <param name="Time">Virtual time of the interval.</param>
/// <param name="Value">The raw value sent.</param>
/// <param name="Reason">NaN | Infinite | OutOfRange.</param>
public sealed record RejectedAnswer(string Validator, int MinerId, long EventId, long Interval, DateTimeOffset Time, double Value, string Reason);

/// <summary>
/// Validator → coordinator: the interval is recorded. <paramref name="Events"/> are the score-stream events to persist
/// (EventScored, MovingAverageUpdated, WeightsUpdated) in the validator's order; <paramref name="FirstRejections"/> the
/// rejections seen for the first time per miner; <paramref name="Rejected"/> all rejections of the interval.
/// </summary>
public sealed record ValidatorStepDone(int Validator, IReadOnlyList<ScoreEvent> Events, IReadOnlyList<RejectedAnswer> FirstRejections, long Rejected);

/// <summary>A shard or validator failed while handling an interval.</summary>
public sealed record StepFailed(string Who, Exception Error);

/// <summary>Coordinator → itself: every shard answered and every validator acked interval <paramref name="Interval"/> (the barrier is passed).</summary>
public sealed record IntervalDone(long Interval, DateTimeOffset Time);

/// <summary>Starts the run (sent once by the runner).</summary>
public sealed record StartRun
{
    /// <summary>The single instance.</summary>
    public static StartRun Instance { get; } = new();
}

/// <summary>Coordinator → itself: play the next interval (after the previous one is done).</summary>
public sealed record NextInterval
{
    /// <summary>The single instance.</summary>
    public static NextInterval Instance { get; } = new();
}

/// <summary>Progress after each interval (reported on the coordinator's thread; keep handlers cheap).</summary>
/// <param name="Interval">Intervals done so far.</param>
/// <param name="TotalIntervals">Intervals the run plays.</param>
/// <param name="VirtualTime">Virtual time of the interval just done.</param>
/// <param name="EventsIssued">Events issued so far.</param>
/// <param name="EventsResolved">Events resolved so far.</param>
/// <param name="TotalEvents">Events of the run.</param>
/// <param name="Predictions">Predictions made so far.</param>
/// <param name="Replaying">True while a resumed run replays the intervals its journal already holds (verifying, not writing).</param>
public sealed record RunProgress(long Interval, long TotalIntervals, DateTimeOffset VirtualTime, long EventsIssued, long EventsResolved, long TotalEvents, long Predictions, bool Replaying = false);
