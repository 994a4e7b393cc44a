using MarketSim.Scoring.Rules;

namespace MarketSim.Scoring.Tests.Rules;

public class GridSpec
{
    private static readonly IntervalGrid Grid = IntervalGrid.Default;

    [Fact]
    public void Minutes_count_whole_minutes_from_the_2024_epoch_and_floor_before_it()
    {
        Assert.Equal(0, Grid.Minutes(IntervalGrid.DefaultEpoch.AddSeconds(59)));
        Assert.Equal(1, Grid.Minutes(IntervalGrid.DefaultEpoch.AddSeconds(60)));
        Assert.Equal(-1, Grid.Minutes(IntervalGrid.DefaultEpoch.AddSeconds(-1)));
        Assert.Equal(24 * 60, Grid.Minutes(new DateTimeOffset(2024, 1, 2, 0, 0, 30, TimeSpan.Zero)));
    }

    [Fact]
    public void Interval_count_uses_aligned_start_and_end_and_never_scores_the_partial_interval()
    {
        // A = 01:10 (aligned 00:00), end = 09:59 (aligned 08:00) → n = 2; a submission at 08:30 is in the partial interval.
        long a = 70, end = (9 * 60) + 59;
        Assert.Equal(0, Grid.Align(a));
        Assert.Equal(480, Grid.Align(end));
        Assert.Equal(2, Grid.IntervalCount(a, end));
        Assert.Equal(0, Grid.IntervalIndex(a, 10));
        Assert.Equal(1, Grid.IntervalIndex(a, 479));
        Assert.True(Grid.IsScored(a, end, 479));
        Assert.False(Grid.IsScored(a, end, 510));
        Assert.Equal(-1, Grid.IntervalIndex(a, -5));
        Assert.Equal(0, Grid.IntervalCount(a, 200));
        Assert.Equal(240, Grid.IntervalStart(a, 1));
        Assert.True(Grid.IsEligible(240, end));
        Assert.False(Grid.IsEligible(241, end));
    }

    [Fact]
    public void Power2_and_rema_first2_weights_follow_their_formulas()
    {
        Fixtures.Close([1, 8.0 / 9, 5.0 / 9, 0], IntervalWeights.Compute(IntervalWeighting.Power2, 4), 1e-15);
        Assert.Equal(2.444444, IntervalWeights.Fill(IntervalWeighting.Power2, new double[4]), 1e-6);
        Fixtures.Close([1, 0.75, 0], IntervalWeights.Compute(IntervalWeighting.Power2, 3), 1e-15);
        Fixtures.Close([1], IntervalWeights.Compute(IntervalWeighting.Power2, 1), 1e-15);
        Fixtures.Close([1, 1, 0.367879, 0.049787], IntervalWeights.Compute(IntervalWeighting.RemaFirst2, 4));
        Assert.Empty(IntervalWeights.Compute(IntervalWeighting.RemaExp, 0));
    }

    [Fact]
    public void Interval_weight_names_round_trip_and_unknown_names_are_named_in_the_error()
    {
        foreach (var k in Enum.GetValues<IntervalWeighting>())
        {
            Assert.Equal(k, IntervalWeights.Parse(IntervalWeights.Name(k)));
        }

        var ex = Assert.Throws<ArgumentException>(() => IntervalWeights.Parse("power3"));
        Assert.Contains("power3", ex.Message);
    }

    [Theory]
    [InlineData(double.NaN, SubmissionRejection.NaN)]
    [InlineData(double.PositiveInfinity, SubmissionRejection.Infinite)]
    [InlineData(double.NegativeInfinity, SubmissionRejection.Infinite)]
    [InlineData(-1e-9, SubmissionRejection.OutOfRange)]
    [InlineData(1.0000001, SubmissionRejection.OutOfRange)]
    [InlineData(0.0, SubmissionRejection.None)]
    [InlineData(1.0, SubmissionRejection.None)]
    [InlineData(0.37, SubmissionRejection.None)]
    public void Submissions_are_checked_on_arrival(double p, SubmissionRejection expected)
    {
        Assert.Equal(expected, Submission.Check(p));
    }

    [Fact]
    public void The_accumulator_keeps_a_running_mean_per_cell_and_ignores_rejected_answers()
    {
        var acc = new IntervalAccumulator(2, 3);
        Assert.Equal(SubmissionRejection.None, acc.Add(1, 2, 0.2));
        Assert.Equal(SubmissionRejection.None, acc.Add(1, 2, 0.5));
        Assert.Equal(SubmissionRejection.NaN, acc.Add(1, 2, double.NaN));
        Assert.Equal(SubmissionRejection.OutOfRange, acc.Add(1, 2, 7));
        Assert.Equal(SubmissionRejection.None, acc.Add(1, 2, 0.8));
        Assert.Equal(0.5, acc.Mean(1, 2), 1e-15);
        Assert.Equal(3, acc.Count(1, 2));
        Assert.True(double.IsNaN(acc.Mean(0, 2)));
        Assert.Equal(0.5, acc.Means[(2 * 2) + 1], 1e-15);
        Assert.Throws<ArgumentOutOfRangeException>(() => acc.Add(0, 3, 0.5));
        acc.Reset(3, 1);
        Assert.Equal(3, acc.Means.Length);
        Assert.True(double.IsNaN(acc.Means[0]));
    }
}

public class RulePresetSpec
{
    [Fact]
    public void Every_preset_of_the_table_parses_to_its_components()
    {
        var d = RulePreset.Default;
        Assert.Equal("peer-1.5.5", d.Preset);
        Assert.Equal((IntervalWeighting.Power2, Imputation.ThirdTowardWorst, MovingAverageKind.ClassBalanced, 149), (d.IntervalWeights, d.Imputation, d.MovingAverage, d.WindowEvents));
        var p139 = RulePreset.Parse("peer-1.3.9");
        Assert.Equal((IntervalWeighting.RemaExp, Imputation.WorstClip, MovingAverageKind.FixedWindow, 99), (p139.IntervalWeights, p139.Imputation, p139.MovingAverage, p139.WindowEvents));
        var p143 = RulePreset.Parse("peer-1.4.3");
        Assert.Equal((IntervalWeighting.RemaExp, Imputation.ThirdTowardWorst, 149), (p143.IntervalWeights, p143.Imputation, p143.WindowEvents));
        Assert.Equal(IntervalWeighting.RemaFirst2, RulePreset.Parse("peer-1.4.4").IntervalWeights);
        var v1 = RulePreset.Parse("brier-legacy-v1");
        Assert.Equal((ScoreFamily.LegacyBrierV1, 30.0, (0.0, 1.0)), (v1.Family, v1.K, v1.Clip));
        var v2 = RulePreset.Parse("brier-legacy-v2");
        Assert.Equal((ScoreFamily.LegacyBrierV2, 5.0), (v2.Family, v2.K));
        Assert.Equal((0.01, 0.99), d.Clip);
        foreach (string name in RulePreset.Names)
        {
            Assert.Equal(name, RulePreset.Parse(name).Preset);
        }
    }

    [Fact]
    public void Components_can_be_overridden_by_name_to_reach_intermediate_releases()
    {
        var r142 = RulePreset.Parse("peer-1.3.9").With("window", "149");
        Assert.Equal(149, r142.WindowEvents);
        var r146 = RulePreset.Parse("peer-1.4.4").With("moving-average", "class-balanced");
        Assert.Equal(MovingAverageKind.ClassBalanced, r146.MovingAverage);
        var hist = RulePreset.Parse("brier-legacy-v1").With([new("k", "25"), new("offset", "0.75")]);
        Assert.Equal((25.0, 0.75), (hist.K, hist.Offset));
        Assert.Equal(Imputation.WorstClip, RulePreset.Default.With("imputation", "worst-clip").Imputation);
        Assert.Equal(IntervalWeighting.RemaExp, RulePreset.Default.With("interval-weights", "rema-exp").IntervalWeights);
    }

    [Theory]
    [InlineData("imputation", "median")]
    [InlineData("interval-weights", "linear")]
    [InlineData("moving-average", "ema")]
    [InlineData("window", "-3")]
    [InlineData("k", "NaN")]
    [InlineData("offset", "1.5")]
    public void A_bad_component_value_is_named_in_the_error(string component, string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => RulePreset.Default.With(component, value));
        Assert.Contains(component, ex.Message);
        Assert.Contains(value, ex.Message);
    }

    [Fact]
    public void Unknown_presets_and_components_are_refused_with_the_known_names()
    {
        var ex = Assert.Throws<ArgumentException>(() => RulePreset.Parse("peer-9"));
        Assert.Contains("peer-9", ex.Message);
        Assert.Contains("peer-1.5.5", ex.Message);
        var ex2 = Assert.Throws<ArgumentException>(() => RulePreset.Default.With("clip", "0.1"));
        Assert.Contains("clip", ex2.Message);
    }
}

public class EventScorerSpec
{
    [Fact]
    public void The_default_preset_scores_TV2_event_one_and_legacy_v2_normalises_TV1()
    {
        var e = new EventMatrix(Fixtures.Matrix(Fixtures.Event1), 3, 4, [0, 0, 0], Fixtures.Start, Fixtures.Start + 5);
        var s = new double[3];
        var p = new double[3];
        var peer = new EventScorer(RulePreset.Default);
        Assert.Equal(EventStatus.Scored, peer.Score(e, true, s, p));
        Fixtures.Close([0.592867, 0.159231, -0.752098], s);
        Assert.Equal(MovingAverageKind.ClassBalanced, peer.CreateAggregator().Kind);

        var n = new double[3];
        new EventScorer(RulePreset.Parse("brier-legacy-v2")).Score(e, true, s, p, n);
        Fixtures.Close([0.887919, 0.620720, 0.470150], s);
        Fixtures.Close([0.721123, 0.189580, 0.089297], n);
        var v1 = new EventScorer(RulePreset.Parse("brier-legacy-v1"));
        v1.Score(e, true, s, p, n);
        Fixtures.Close([0.999666, 0.000330, 0.000004], n);
        Assert.Equal(DailyMixForm.V1, v1.CreateDailyMix(3, DateTimeOffset.UnixEpoch).Form);
        Assert.Throws<ArgumentException>(() => new EventScorer(RulePreset.Parse("shared-quadratic")));
    }
}
