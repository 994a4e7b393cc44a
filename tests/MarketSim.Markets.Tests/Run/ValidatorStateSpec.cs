using MarketSim.Markets.Journal;
using MarketSim.Markets.Run;
using MarketSim.Markets.Scenarios;
using MarketSim.Scoring.Rules;

namespace MarketSim.Markets.Tests.Run;

public sealed class ValidatorStateSpec
{
    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromHours(4);
    private static readonly TimelineSettings Timeline = new(Epoch, Interval, 10, 6, TimeSpan.FromDays(2), TimeSpan.FromDays(1));

    private static ValidatorSettings Peer => new("peer", "peer-1.5.5", "power2", "third-toward-worst", new MovingAverageSettings("class-balanced", 149), null, null);

    private static ValidatorSettings Legacy => new("legacy", "brier-legacy-v2", "rema-exp", null, null, 5, 0);

    private static IssuedEvent Event(long id) =>
        new(id, Epoch, Epoch + TimeSpan.FromDays(1), Epoch + TimeSpan.FromDays(2));

    private static PredictionBatch Batch(long interval, long eventId, params double[] answers) =>
        new(interval, 0, [eventId], [.. Enumerable.Range(0, answers.Length)], answers);

    private static DateTimeOffset At(int k) => Epoch + (Interval * k);

    [Fact]
    public void Infinite_and_out_of_range_answers_are_rejected_counted_and_reported_once_per_miner()
    {
        var v = new ValidatorState(Peer, 3, Timeline);
        v.Register(Event(0));
        var first = new List<RejectedAnswer>();

        v.Record(Batch(0, 0, 0.7, double.PositiveInfinity, 1.5), At(0), first);
        v.Record(Batch(1, 0, 0.7, -0.1, 2.0), At(1), first);

        Assert.Equal(4, v.Rejected);
        Assert.Equal([1, 2], first.Select(r => r.MinerId));
        Assert.Equal(["Infinite", "OutOfRange"], first.Select(r => r.Reason));
    }

    [Fact]
    public void A_rejected_answer_never_enters_the_running_mean()
    {
        var clean = new ValidatorState(Peer, 2, Timeline);
        var dirty = new ValidatorState(Peer, 2, Timeline);
        var sink = new List<RejectedAnswer>();
        foreach (var v in new[] { clean, dirty })
        {
            v.Register(Event(0));
            for (var k = 0; k < 6; k++)
            {
                v.Record(Batch(k, 0, 0.8, 0.3), At(k), sink);
            }
        }

        dirty.Record(Batch(2, 0, double.NegativeInfinity, 7.0), At(2), sink);
        var a = new List<ScoreEvent>();
        var b = new List<ScoreEvent>();
        clean.Resolve(new ResolvedEvent(0, At(12), true), At(12), a);
        dirty.Resolve(new ResolvedEvent(0, At(12), true), At(12), b);

        Assert.Equal(((EventScored)a[0]).Scores, ((EventScored)b[0]).Scores);
    }

    [Fact]
    public void Per_event_state_is_dropped_once_the_event_is_scored()
    {
        var v = new ValidatorState(Peer, 4, Timeline);
        var sink = new List<RejectedAnswer>();
        for (var id = 0; id < 50; id++)
        {
            v.Register(Event(id));
            v.Record(Batch(0, id, 0.9, 0.5, 0.1, 0.6), At(0), sink);
            Assert.Equal(1, v.OpenEvents);
            v.Resolve(new ResolvedEvent(id, At(12), id % 3 == 0), At(12), []);
            Assert.Equal(0, v.OpenEvents);
        }
    }

    [Fact]
    public void The_peer_rule_scores_the_better_forecaster_higher_and_sets_weights_that_sum_to_one()
    {
        var v = new ValidatorState(Peer, 2, Timeline);
        var sink = new List<RejectedAnswer>();
        var events = new List<ScoreEvent>();
        for (var id = 0; id < 20; id++)
        {
            var outcome = id % 2 == 0;
            v.Register(Event(id));
            for (var k = 0; k < 6; k++)
            {
                v.Record(Batch(k, id, outcome ? 0.9 : 0.1, 0.5), At(k), sink);
            }

            v.Resolve(new ResolvedEvent(id, At(12), outcome), At(12), events);
        }

        var scored = events.OfType<EventScored>().ToList();
        Assert.Equal(20, scored.Count);
        Assert.All(scored, s => Assert.True(s.Scores[0] > s.Scores[1]));
        Assert.All(scored, s => Assert.Equal(6, s.Intervals));
        var w = v.Weights(19, At(12))!;
        Assert.Equal(1.0, w.Weights.Sum(), 12);
        Assert.Equal(1.0, w.Weights[0], 12);
    }

    [Fact]
    public void The_legacy_rule_scores_the_time_weighted_brier_and_weights_from_daily_mix()
    {
        var v = new ValidatorState(Legacy, 2, Timeline);
        var sink = new List<RejectedAnswer>();
        var events = new List<ScoreEvent>();
        v.Register(Event(0));
        for (var k = 0; k < 6; k++)
        {
            v.Record(Batch(k, 0, 0.9, 0.5), At(k), sink);
        }

        v.Resolve(new ResolvedEvent(0, At(12), true), At(12), events);

        var scored = Assert.IsType<EventScored>(events[0]);
        Assert.Equal(1 - (0.1 * 0.1), scored.Scores[0], 12);
        Assert.Equal(0.75, scored.Scores[1], 12);
        Assert.IsType<MovingAverageUpdated>(events[1]);
        var w = v.Weights(0, At(12))!;
        Assert.Equal(1.0, w.Weights.Sum(), 12);
        Assert.True(w.Weights[0] > w.Weights[1]);
    }

    [Fact]
    public void Scenario_overrides_replace_the_preset_components()
    {
        var rule = ValidatorState.ToRule(new ValidatorSettings("x", "peer-1.5.5", "rema-exp", "worst-clip", new MovingAverageSettings("fixed-window", 20), null, null));

        Assert.Equal(IntervalWeighting.RemaExp, rule.IntervalWeights);
        Assert.Equal(Imputation.WorstClip, rule.Imputation);
        Assert.Equal(MovingAverageKind.FixedWindow, rule.MovingAverage);
        Assert.Equal(20, rule.WindowEvents);
    }
}
