using MarketSim.Scoring.Rules;
using static MarketSim.Scoring.Tests.Rules.Fixtures;

namespace MarketSim.Scoring.Tests.Rules;

public class MetagraphAggregatorSpec
{
    private static readonly DateTimeOffset T0 = new(2025, 7, 20, 0, 0, 0, TimeSpan.Zero);
    private static readonly int[] Abc = [0, 1, 2];

    private static double[] S1 => Peer(Event1, true, Imputation.ThirdTowardWorst, IntervalWeighting.Power2).Score;

    private static double[] S2 => Peer(Event2, false, Imputation.ThirdTowardWorst, IntervalWeighting.Power2).Score;

    [Fact]
    public void TV2_class_balanced_after_event_one_alone_uses_equal_outcome_weights()
    {
        var agg = new MetagraphAggregator(MovingAverageKind.ClassBalanced, 149);
        var l = new double[3];
        var r = new double[3];
        agg.ProcessEvent(true, Abc, S1, T0, l, r);
        Close(S1, l, 1e-12);
        Close([0.351491, 0.025355, 0], S1.Select(x => Math.Max(x, 0) * Math.Max(x, 0)).ToArray());
        Close([0.932719, 0.067281, 0], r);
        var w = new double[3];
        agg.Weights(Abc, T0, w);
        Close([0.932719, 0.067281, 0], w);
    }

    [Fact]
    public void TV2_class_balanced_after_event_two_gives_all_weight_to_A()
    {
        var agg = new MetagraphAggregator(MovingAverageKind.ClassBalanced, 149);
        var l = new double[3];
        var r = new double[3];
        agg.ProcessEvent(true, Abc, S1, T0, l, r);
        agg.ProcessEvent(false, Abc, S2, T0.AddHours(1), l, r);
        Close([0.660089, -0.004938, -0.655151], l);
        Close([1, 0, 0], r);
        var w = new double[3];
        agg.Weights(Abc, T0.AddHours(2), w);
        Close([1, 0, 0], w);
    }

    [Fact]
    public void TV2_fixed_window_divides_by_N_plus_one_and_matches_the_plain_mean_after_extremise()
    {
        var agg = new MetagraphAggregator(MovingAverageKind.FixedWindow, 149);
        var l = new double[3];
        var r = new double[3];
        agg.ProcessEvent(true, Abc, S1, T0, l, r);
        agg.ProcessEvent(false, Abc, S2, T0.AddHours(1), l, r);
        Close([0.008577, 0.000481, -0.009059], l);
        Close([0.996860, 0.003140, 0], r);
        Close([0.643284, 0.036104, -0.679388], S1.Zip(S2, (x, y) => (x + y) / 2).ToArray());
        double a = 0.643284 * 0.643284, b = 0.036104 * 0.036104;
        Close([a / (a + b), b / (a + b), 0], r);
    }

    [Fact]
    public void The_window_forgets_events_older_than_N()
    {
        var agg = new MetagraphAggregator(MovingAverageKind.FixedWindow, 1);
        var l = new double[1];
        var r = new double[1];
        agg.ProcessEvent(true, [7], [1.0], T0, l, r);
        agg.ProcessEvent(true, [7], [2.0], T0, l, r);
        Assert.Equal(1.5, l[0], 1e-12);
        agg.ProcessEvent(true, [7], [4.0], T0, l, r);
        Assert.Equal(3.0, l[0], 1e-12);
        Assert.Equal(1, agg.WindowCount);
    }

    [Fact]
    public void Weights_use_scores_from_the_last_ten_days_and_refuse_when_all_are_zero()
    {
        var agg = new MetagraphAggregator(MovingAverageKind.ClassBalanced, 149);
        var l = new double[2];
        var r = new double[2];
        agg.ProcessEvent(true, [0, 1], [0.5, -0.2], T0, l, r);
        var w = new double[3];
        agg.Weights([0, 1, 2], T0.AddDays(10), w);
        Close([1, 0, 0], w);
        Assert.Throws<InvalidOperationException>(() => agg.Weights([0, 1, 2], T0.AddDays(10.5), w));
        Assert.Equal(1055, MetagraphAggregator.VersionKey(1, 5, 5));
    }

    [Fact]
    public void Extremise_floors_the_denominator_when_every_moving_average_is_negative()
    {
        var agg = new MetagraphAggregator(MovingAverageKind.FixedWindow, 0);
        var l = new double[2];
        var r = new double[2];
        agg.ProcessEvent(true, [0, 1], [-0.5, 0.0001], T0, l, r);
        Assert.Equal(0.0, r[0]);
        Assert.Equal(1e-8 / 1e-7, r[1], 1e-12);
    }
}

public class ValidatorPipelineSpec
{
    [Fact]
    public void Submissions_timed_on_the_grid_and_accumulated_reproduce_the_TV2_event_scores()
    {
        var grid = IntervalGrid.Default;
        var registered = new DateTimeOffset(2025, 7, 1, 1, 30, 0, TimeSpan.Zero); // A, inside an interval
        long a = grid.Minutes(registered);
        long end = grid.Minutes(registered.AddHours(16).AddMinutes(5)); // 4 full intervals + a partial one
        int n = grid.IntervalCount(a, end);
        Assert.Equal(4, n);
        var acc = new IntervalAccumulator(3, n);
        var rows = Fixtures.Event1;
        for (int m = 0; m < 3; m++)
        {
            for (int k = 0; k < n; k++)
            {
                double v = rows[m][k];
                if (double.IsNaN(v))
                {
                    continue;
                }

                // two answers averaging to v, at two times inside interval k
                foreach (var (p, offset) in new[] { (Math.Max(v - 0.1, 0), 10), (Math.Min(v + 0.1, 1), 200) })
                {
                    long minute = grid.IntervalStart(a, k) + offset;
                    int idx = (int)grid.IntervalIndex(a, minute);
                    Assert.Equal(SubmissionRejection.None, acc.Add(m, idx, v is 0 or 1 ? v : p));
                }
            }
        }

        // an answer in the partial interval is not scored; a bad one is rejected
        Assert.False(grid.IsScored(a, end, grid.IntervalStart(a, n) + 1));
        Assert.Equal(SubmissionRejection.Infinite, acc.Add(0, 0, double.PositiveInfinity));

        var e = EventMatrix.FromGrid(grid, acc.Means, 3, [0, 0, 0], a, end);
        var score = new double[3];
        var pred = new double[3];
        Assert.Equal(EventStatus.Scored, PeerScoring.ScoreEvent(e, true, Imputation.ThirdTowardWorst, IntervalWeighting.Power2, score, pred));
        Fixtures.Close([0.592867, 0.159231, -0.752098], score);
    }

    [Fact]
    public void The_community_prediction_weights_the_top_miners_by_metagraph_score()
    {
        var t = new DateTimeOffset(2025, 7, 20, 0, 0, 0, TimeSpan.Zero);
        var agg = new MetagraphAggregator(MovingAverageKind.ClassBalanced, 149);
        var l = new double[3];
        var r = new double[3];
        agg.ProcessEvent(true, [0, 1, 2], [0.6, 0.2, -0.1], t, l, r);
        double expected = ((r[0] * 0.7) + (r[1] * 0.4)) / (r[0] + r[1]);
        Assert.Equal(expected, agg.CommunityPrediction([0, 1, 2], [0.7, 0.4, 0.9], t.AddHours(1)), 1e-12);
        Assert.Equal(0.7, agg.CommunityPrediction([0, 1, 2], [0.7, 0.4, 0.9], t.AddHours(1), top: 1), 1e-12);
        Assert.True(double.IsNaN(agg.CommunityPrediction([0, 1, 2], [0.7, 0.4, 0.9], t.AddDays(3))));
    }
}
