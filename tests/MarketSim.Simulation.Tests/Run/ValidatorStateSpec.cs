using MarketSim.Scoring.Rules;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Run;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Simulation.Tests.Run;

public sealed class ValidatorStateSpec
{
    public static TheoryData<string> Presets => [.. RulePreset.Names];

    [Theory]
    [MemberData(nameof(Presets))]
    public void A_validator_with_no_overrides_scores_exactly_by_the_scoring_modules_preset(string preset)
    {
        // The scenario side keeps no preset table of its own: its defaults come from MarketSim.Scoring and lead back to it.
        var validator = ScenarioVocabulary.DefaultsOf("v", preset);

        Assert.Equal(RulePreset.Parse(preset), ValidatorState.ToRule(validator));
        Assert.Equal(ScenarioVocabulary.FamilyOf(preset), validator.Family);
    }

    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromHours(4);
    private static readonly TimelineSettings Timeline = new(Epoch, Interval, 10, 6, TimeSpan.FromDays(2), TimeSpan.FromDays(1));

    private static ValidatorSettings Peer => new PeerValidator("peer", "peer-1.5.5", "power2", "third-toward-worst", new MovingAverageSettings("class-balanced", 149));

    private static ValidatorSettings Legacy => new LegacyValidator("legacy", "brier-legacy-v2", "rema-exp", 5, 0);

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

        Assert.Equal(a.OfType<EventScored>().Single().Scores, b.OfType<EventScored>().Single().Scores);
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

        Assert.IsType<IntervalScored>(events[0]);
        var scored = Assert.IsType<EventScored>(events[1]);
        Assert.Equal(1 - (0.1 * 0.1), scored.Scores[0], 12);
        Assert.Equal(0.75, scored.Scores[1], 12);
        Assert.IsType<MovingAverageUpdated>(events[2]);
        var w = v.Weights(0, At(12))!;
        Assert.Equal(1.0, w.Weights.Sum(), 12);
        Assert.True(w.Weights[0] > w.Weights[1]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Each_scored_event_journals_its_interval_scores_just_before_its_event_score(bool peer)
    {
        var v = new ValidatorState(peer ? Peer : Legacy, 3, Timeline);
        var sink = new List<RejectedAnswer>();
        var events = new List<ScoreEvent>();
        for (var id = 0; id < 4; id++)
        {
            v.Register(Event(id));
            for (var k = 0; k < 6; k++)
            {
                // miner 2 skips intervals 1 and 4 (unresponsive: imputed)
                var batch = PredictionBatch.FromNaNAsMissing(k, 0, [id], [0, 1, 2], [0.9, 0.5, k is 1 or 4 ? double.NaN : 0.2 + (0.1 * k)]);
                v.Record(batch, At(k), sink);
            }

            v.Resolve(new ResolvedEvent(id, At(12), id % 2 == 0), At(12), events);
        }

        Assert.Equal(
            Enumerable.Repeat(new[] { typeof(IntervalScored), typeof(EventScored), typeof(MovingAverageUpdated) }, 4).SelectMany(x => x),
            events.Select(e => e.GetType()));
        for (var i = 0; i < events.Count; i += 3)
        {
            var detail = (IntervalScored)events[i];
            var scored = (EventScored)events[i + 1];
            Assert.Equal(v.Name, detail.Validator);
            Assert.Equal(scored.EventId, detail.EventId);
            Assert.Equal(scored.Intervals, detail.Intervals);
            Assert.Equal(0, detail.FirstInterval); // the events open at the epoch: grid interval 0
            Assert.Equal(scored.MinerIds, detail.MinerIds);
            Assert.Equal(IntervalWeights.Compute(peer ? IntervalWeighting.Power2 : IntervalWeighting.RemaExp, 6), detail.Weights);
            var wSum = detail.Weights.Sum();
            for (var j = 0; j < detail.MinerIds.Length; j++)
            {
                double s = 0, p = 0;
                for (var k = 0; k < detail.Intervals; k++)
                {
                    s += detail.Weights[k] * detail.Score(j, k);
                    p += detail.Weights[k] * detail.Predictions[(k * detail.MinerIds.Length) + j];
                }

                Assert.Equal(scored.Scores[j], peer ? s * (1.0 / wSum) : s / wSum);
                Assert.Equal(scored.WeightedPredictions[j], peer ? p * (1.0 / wSum) : p / wSum);
            }

            Assert.Equal(0.9, detail.Predictions[0]); // miner 0, interval 0: its answer
        }
    }

    [Fact]
    public void Unresponsive_cells_carry_the_imputed_prediction_in_the_interval_scores()
    {
        var v = new ValidatorState(Peer, 5, Timeline);
        var events = new List<ScoreEvent>();
        v.Register(Event(0));
        v.Record(PredictionBatch.FromNaNAsMissing(0, 0, [0], [0, 1, 2, 3, 4], [0.5, 0.5, 0.5, 0.5, 0.5]), At(0), []);
        v.Record(PredictionBatch.FromNaNAsMissing(1, 0, [0], [0, 1, 2, 3, 4], [0.7, double.NaN, 0.4, double.NaN, 0.6]), At(1), []);
        v.Resolve(new ResolvedEvent(0, At(12), false), At(12), events);

        var detail = Assert.IsType<IntervalScored>(events[0]);
        Assert.Equal([0, 1, 2, 3, 4], detail.MinerIds);
        Assert.Equal(5 * 6, detail.Scores.Length);
        var mean = (0.7 + 0.4 + 0.6) / 3;
        var imputed = mean + ((0.7 - mean) / 3); // third-toward-worst, o = 0: the worst is the highest
        Assert.Equal(imputed, detail.Predictions[5 + 1], 12);
        Assert.Equal(imputed, detail.Predictions[5 + 3], 12);
        Assert.Equal(0.4, detail.Predictions[5 + 2]);
        Assert.All(detail.Predictions[10..], p => Assert.Equal(PeerScoring.ClipHigh, p)); // nobody answered later: worst-clip
    }

    [Fact]
    public void With_interval_scores_off_only_the_event_score_is_journaled()
    {
        foreach (var settings in new[] { Peer, Legacy })
        {
            var v = new ValidatorState(settings, 2, Timeline, recordIntervalScores: false);
            Assert.False(v.RecordIntervalScores);
            var events = new List<ScoreEvent>();
            v.Register(Event(0));
            v.Record(Batch(0, 0, 0.9, 0.5), At(0), []);
            v.Resolve(new ResolvedEvent(0, At(12), true), At(12), events);
            Assert.Equal([typeof(EventScored), typeof(MovingAverageUpdated)], events.Select(e => e.GetType()));
        }

        Assert.True(new ValidatorState(Peer, 2, Timeline).RecordIntervalScores);
    }

    [Fact]
    public void A_discarded_event_journals_no_interval_scores()
    {
        var v = new ValidatorState(Peer, 2, Timeline);
        var events = new List<ScoreEvent>();
        v.Register(Event(0));
        v.Resolve(new ResolvedEvent(0, At(12), true), At(12), events);
        var scored = Assert.IsType<EventScored>(Assert.Single(events));
        Assert.Equal(0, scored.Intervals);
    }

    [Fact]
    public void Scenario_overrides_replace_the_preset_components()
    {
        var rule = ValidatorState.ToRule(new PeerValidator("x", "peer-1.5.5", "rema-exp", "worst-clip", new MovingAverageSettings("fixed-window", 20)));

        Assert.Equal(IntervalWeighting.RemaExp, rule.IntervalWeights);
        Assert.Equal(Imputation.WorstClip, rule.Imputation);
        Assert.Equal(MovingAverageKind.FixedWindow, rule.MovingAverage);
        Assert.Equal(20, rule.WindowEvents);
    }
}
