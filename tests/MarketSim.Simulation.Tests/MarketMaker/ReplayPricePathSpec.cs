using MarketSim.Simulation.MarketMaker;

namespace MarketSim.Simulation.Tests.MarketMaker;

/// <summary>Piecewise-constant replay paths (spec/polymarket.md §4).</summary>
public sealed class ReplayPricePathSpec
{
    private static readonly ReplayPricePath Vector = new([(0, 0.2), (10, 0.7), (20, 0.9)]);

    [Fact]
    public void The_spec_test_vector_gives_its_segments_midpoint_and_time_average()
    {
        Assert.Equal([new PriceSegment(0, 10, 0.2), new PriceSegment(10, 20, 0.7)], Vector.Segments);
        Assert.Equal(0, Vector.Open);
        Assert.Equal(20, Vector.Close);
        Assert.Equal(0.7, Vector.PriceAt(10));
        Assert.Equal(10, Vector.SegmentAt(10)!.Value.Start);
        Assert.Equal(0.45, Vector.TimeAverage()!.Value, 1e-15);
        Assert.Null(Vector.PriceAt(20 - 86_400)); // before-close-hours-24 is dropped
    }

    [Fact]
    public void Themis_own_check_gives_midpoint_0_8_and_time_average_0_7()
    {
        var path = new ReplayPricePath([(0, 0.6), (12 * 3600, 0.8), (24 * 3600, 0.1)]);
        Assert.Equal(0.8, path.PriceAt(path.Open!.Value + (path.Close!.Value - path.Open.Value) / 2));
        Assert.Equal(0.7, path.TimeAverage()!.Value, 1e-15);
    }

    [Fact]
    public void Lookups_outside_open_and_close_are_null_and_each_segment_is_closed_open()
    {
        Assert.Null(Vector.PriceAt(-1));
        Assert.Equal(0.2, Vector.PriceAt(0));
        Assert.Equal(0.2, Vector.PriceAt(9));
        Assert.Equal(0.7, Vector.PriceAt(19));
        Assert.Null(Vector.PriceAt(20));
        Assert.Null(Vector.PriceAt(long.MaxValue));
        Assert.Null(Vector.PriceAt(long.MinValue));
    }

    [Fact]
    public void Points_are_sorted_and_zero_length_segments_skipped_the_last_of_a_shared_time_winning()
    {
        var path = new ReplayPricePath([(20, 0.9), (10, 0.4), (0, 0.2), (10, 0.7), (10, 0.7), (30, 0.5)]);
        Assert.Equal([new PriceSegment(0, 10, 0.2), new PriceSegment(10, 20, 0.7), new PriceSegment(20, 30, 0.9)], path.Segments);
    }

    [Fact]
    public void The_held_variant_keeps_the_last_recorded_price_after_close()
    {
        Assert.Null(Vector.PriceHeld(-5));
        Assert.Equal(0.7, Vector.PriceHeld(15));
        Assert.Equal(0.9, Vector.PriceHeld(20));
        Assert.Equal(0.9, Vector.PriceHeld(1_000_000));
    }

    [Fact]
    public void A_delayed_follower_sees_the_price_as_of_t_minus_the_delay()
    {
        Assert.Null(Vector.PriceDelayed(5, 6));
        Assert.Equal(0.2, Vector.PriceDelayed(15, 6));
        Assert.Equal(0.7, Vector.PriceDelayed(25, 6));
        Assert.Equal(0.9, Vector.PriceDelayed(26, 6));
        Assert.Null(Vector.PriceDelayed(26, 6, holdAfterClose: false));
        Assert.Equal(Vector.PriceHeld(12), Vector.PriceDelayed(12, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Vector.PriceDelayed(12, -1));
    }

    [Fact]
    public void A_path_without_two_distinct_times_is_empty()
    {
        foreach (var points in new[] { Array.Empty<(long, double)>(), [(5, 0.5)], [(5, 0.5), (5, 0.6)] })
        {
            var path = new ReplayPricePath(points);
            Assert.True(path.IsEmpty);
            Assert.Null(path.Open);
            Assert.Null(path.Close);
            Assert.Null(path.PriceAt(5));
            Assert.Null(path.PriceHeld(6));
            Assert.Null(path.TimeAverage());
        }
    }

    [Fact]
    public void Date_times_are_looked_up_at_their_unix_second()
    {
        var path = new ReplayPricePath([(1_700_000_000, 0.3), (1_700_000_100, 0.6)]);
        Assert.Equal(0.3, path.PriceAt(DateTimeOffset.FromUnixTimeSeconds(1_700_000_099).AddMilliseconds(999)));
        Assert.Throws<ArgumentException>(() => new ReplayPricePath([(0, double.NaN), (1, 0.5)]));
    }

    [Fact]
    public void A_lookup_agrees_with_a_linear_scan_on_many_segments()
    {
        var points = Enumerable.Range(0, 500).Select(i => ((long)(i * 7 + i % 3), (i * 37 % 101) / 101.0)).ToArray();
        var path = new ReplayPricePath(points);
        for (long t = -3; t < points[^1].Item1 + 3; t++)
        {
            double? expected = null;
            foreach (var s in path.Segments)
            {
                if (s.Start <= t && t < s.End)
                {
                    expected = s.Price;
                }
            }

            Assert.Equal(expected, path.PriceAt(t));
        }
    }
}
