using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Run;

namespace MarketSim.Simulation.Tests.Run;

/// <summary>The market-relative rule in a validator: shared/spec/scoring.md §9.2, test vector TV4.</summary>
public sealed class MarketRelativeSpec
{
    [Fact]
    public void Scores_each_submission_against_the_price_at_its_time_and_truncates_per_submission()
    {
        var scenario = ScenarioLoader.LoadString("marketsim.scenario.validators = [{ rule = market-relative }]");
        var state = new ValidatorState(scenario.Validators[0], 3, scenario.Timeline, recordIntervalScores: false);
        var epoch = scenario.Timeline.Epoch;
        var step = scenario.Timeline.IntervalLength;
        state.Register(new IssuedEvent(7, epoch, epoch + TimeSpan.FromDays(1), epoch + TimeSpan.FromDays(2)));
        var sink = new List<RejectedAnswer>();

        // TV4: A 0.6 @ 0.55, B 0.7 @ 0.65, C 0.4 @ 0.65, A 0.8 @ 0.75, in four intervals; o = 1.
        (int Miner, double P, double Price)[] submissions = [(0, 0.6, 0.55), (1, 0.7, 0.65), (2, 0.4, 0.65), (0, 0.8, 0.75)];
        for (var k = 0; k < submissions.Length; k++)
        {
            var (miner, p, price) = submissions[k];
            var probabilities = new double[3];
            Array.Fill(probabilities, double.NaN);
            probabilities[miner] = p;
            var batch = PredictionBatch.FromNaNAsMissing(k, 0, [7], [0, 1, 2], probabilities);
            state.Record(batch, epoch + (step * k), sink, [price]);
        }

        var output = new List<ScoreEvent>();
        state.Resolve(new ResolvedEvent(7, epoch + TimeSpan.FromDays(2), true), epoch + TimeSpan.FromDays(2), output);

        var scored = Assert.IsType<EventScored>(output[0]);
        Assert.Equal([0, 1, 2], scored.MinerIds);
        Assert.Equal(0.065, scored.Scores[0], 12);
        Assert.Equal(0.0325, scored.Scores[1], 12);
        Assert.Equal(0.0, scored.Scores[2], 12);
        Assert.Equal(0.7, scored.WeightedPredictions[0], 12); // mean of A's submissions
        var weights = state.Weights(7, epoch + TimeSpan.FromDays(2))!;
        Assert.Equal(2.0 / 3, weights.Weights[0], 12);
        Assert.Equal(1.0 / 3, weights.Weights[1], 12);
        Assert.Equal(0.0, weights.Weights[2], 12);
        Assert.Empty(sink);
    }

    [Fact]
    public void A_submission_without_a_market_price_is_counted_and_not_scored()
    {
        var scenario = ScenarioLoader.LoadString("marketsim.scenario.validators = [{ rule = market-relative }]");
        var state = new ValidatorState(scenario.Validators[0], 2, scenario.Timeline, recordIntervalScores: false);
        var epoch = scenario.Timeline.Epoch;
        state.Register(new IssuedEvent(1, epoch, epoch + TimeSpan.FromDays(1), epoch + TimeSpan.FromDays(2)));

        state.Record(new PredictionBatch(0, 0, [1], [0, 1], [0.9, 0.1]), epoch, [], [double.NaN]);
        var output = new List<ScoreEvent>();
        state.Resolve(new ResolvedEvent(1, epoch + TimeSpan.FromDays(2), true), epoch + TimeSpan.FromDays(2), output);

        Assert.Equal(2, state.Unscored);
        Assert.Empty(Assert.IsType<EventScored>(output[0]).MinerIds);
        Assert.Null(state.Weights(1, epoch + TimeSpan.FromDays(2)));
    }
}
