using MarketSim.Scoring.Rules;
using static MarketSim.Scoring.Tests.Rules.Fixtures;

namespace MarketSim.Scoring.Tests.Rules;

public class SequentialScoringSpec
{
    private const int A = 1, B = 2, C = 3;

    private static readonly SequencedSubmission[] Tv4 =
    [
        new(10, A, 0.6),
        new(20, B, 0.7),
        new(30, C, 0.4),
        new(40, A, 0.8),
    ];

    [Fact]
    public void TV4_shared_quadratic_terms_telescope_and_tempo_scores_match()
    {
        var terms = new double[4];
        SequentialScoring.SharedQuadratic(Tv4, true, terms);
        Close([0.09, 0.07, -0.27, 0.32], terms, 1e-12);
        Assert.Equal(0.96 - 0.75, terms.Sum(), 1e-12);

        var tempo = new TempoAccumulator();
        tempo.AddEvent(Tv4, terms);
        Close([0.41, 0.07, 0], new[] { A, B, C }.Select(tempo.Score).ToArray(), 1e-12);
        var w = new double[3];
        Assert.True(tempo.TryWeights([A, B, C], w));
        Close([0.854167, 0.145833, 0], w);

        tempo.AddEvent([], []);
        Close([0.205, 0.035, 0], new[] { A, B, C }.Select(tempo.Score).ToArray(), 1e-12);
    }

    [Fact]
    public void TV4_market_relative_terms_and_tempo_scores_match()
    {
        var terms = new double[4];
        Assert.Equal(0, SequentialScoring.MarketRelative(Tv4, [0.55, 0.65, 0.65, 0.75], true, terms));
        Close([0.0425, 0.0325, -0.2375, 0.0225], terms, 1e-12);
        var tempo = new TempoAccumulator();
        tempo.AddEvent(Tv4, terms);
        Close([0.065, 0.0325, 0], new[] { A, B, C }.Select(tempo.Score).ToArray(), 1e-12);
    }

    [Fact]
    public void A_submission_without_a_market_price_is_not_scored_and_is_counted()
    {
        var terms = new double[2];
        Assert.Equal(1, SequentialScoring.MarketRelative(Tv4.AsSpan(0, 2), [double.NaN, 0.5], true, terms));
        Assert.True(double.IsNaN(terms[0]));
        var tempo = new TempoAccumulator();
        tempo.AddEvent(Tv4.AsSpan(0, 2), terms);
        Assert.Equal(0, tempo.Score(A));
    }

    [Fact]
    public void Repeating_the_previous_value_scores_zero_and_alternating_miners_both_harvest_under_per_submission_truncation()
    {
        SequencedSubmission[] alt = [new(1, A, 0.6), new(2, B, 0.4), new(3, A, 0.6), new(4, B, 0.4), new(5, C, 0.4)];
        var terms = new double[5];
        SequentialScoring.SharedQuadratic(alt, true, terms);
        Assert.Equal(0, terms[4], 1e-15);
        var per = new TempoAccumulator(Truncation.PerSubmission);
        per.AddEvent(alt, terms);
        Assert.True(per.Score(A) > 0);
        var none = new TempoAccumulator(Truncation.None);
        none.AddEvent(alt, terms);
        var perEvent = new TempoAccumulator(Truncation.PerEvent);
        perEvent.AddEvent(alt, terms);
        Assert.Equal(Math.Max(none.Score(B), 0), perEvent.Score(B), 1e-15);
        Assert.True(none.Score(A) + none.Score(B) + none.Score(C) < per.Score(A) + per.Score(B));
    }

    [Fact]
    public void Submissions_are_ordered_by_arrival_then_uid()
    {
        SequencedSubmission[] s = [new(5, 9, 0.1), new(5, 2, 0.2), new(1, 7, 0.3)];
        SequentialScoring.Order(s);
        Assert.Equal([7, 2, 9], s.Select(x => x.Miner));
    }
}
