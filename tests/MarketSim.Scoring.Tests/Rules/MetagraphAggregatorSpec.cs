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
