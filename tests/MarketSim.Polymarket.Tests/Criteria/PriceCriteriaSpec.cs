using FsCheck;
using FsCheck.Fluent;
using MarketSim.Polymarket.Criteria;
using MarketSim.Polymarket.Dataset;
using Microsoft.FSharp.Core;

namespace MarketSim.Polymarket.Tests.Criteria;

public sealed class PriceCriteriaSpec
{
    private static readonly PricePoint[] Vector = [new(0, 0.2), new(10, 0.7), new(20, 0.9)];

    private static Config Replayed => Config.QuickThrowOnFailure
        .WithMaxTest(300)
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(20261122UL, 7UL), FSharpOption<int>.None)));

    [Fact]
    public void The_spec_vector_gives_two_segments_and_the_last_point_only_closes()
    {
        var s = PriceCriteria.Segments(Vector);
        Assert.Equal([new Segment(0, 10, 0.2), new Segment(10, 20, 0.7)], s);
    }

    [Fact]
    public void Midpoint_of_the_spec_vector_is_0_7_from_the_segment_starting_at_10()
    {
        var p = PriceCriteria.Evaluate("midpoint", Vector)!;
        Assert.Equal(0.7, p.Prob);
        Assert.Equal(10, p.TargetTs);
        Assert.Equal(10, p.ProbTs);
        Assert.Equal(0, p.HistoryStartTs);
        Assert.Equal(20, p.HistoryEndTs);
        Assert.Equal(20, p.EventTs);
        Assert.Equal("midpoint", p.Criterion);
    }

    [Fact]
    public void Time_average_of_the_spec_vector_is_0_45()
    {
        Assert.Equal(0.45, PriceCriteria.Evaluate("time-average", Vector)!.Prob, 12);
    }

    [Fact]
    public void Before_close_hours_24_is_dropped_when_the_history_is_shorter()
    {
        Assert.Null(PriceCriteria.Evaluate("before-close-hours-24", Vector));
    }

    [Fact]
    public void Themis_twelve_hour_check_gives_midpoint_0_8_and_time_average_0_7()
    {
        PricePoint[] pts = [new(0, 0.6), new(12 * 3600, 0.8), new(24 * 3600, 0.123)];
        Assert.Equal(0.8, PriceCriteria.Evaluate("midpoint", pts)!.Prob);
        Assert.Equal(0.7, PriceCriteria.Evaluate("time-average", pts)!.Prob, 12);
        var before = PriceCriteria.Evaluate("before-close-hours-12", pts)!;
        Assert.Equal(0.8, before.Prob);
        Assert.Equal(12 * 3600, before.TargetTs);
    }

    [Fact]
    public void Points_are_sorted_and_zero_length_segments_skipped()
    {
        PricePoint[] pts = [new(20, 0.9), new(10, 0.5), new(0, 0.2), new(10, 0.7)];
        Assert.Equal([new Segment(0, 10, 0.2), new Segment(10, 20, 0.7)], PriceCriteria.Segments(pts));
    }

    [Fact]
    public void Duration_percent_and_after_start_use_floored_offsets_from_open()
    {
        PricePoint[] pts = [new(100, 0.1), new(125, 0.3), new(175, 0.6), new(201, 0.0)];
        Assert.Equal(0.3, PriceCriteria.Evaluate("duration-percent-25", pts)!.Prob); // 100 + floor(25.25) = 125
        Assert.Equal(0.6, PriceCriteria.Evaluate("duration-percent-75", pts)!.Prob); // 100 + floor(75.75) = 175
        PricePoint[] days = [new(0, 0.4), new(86_400, 0.55), new(10 * 86_400, 1)];
        Assert.Equal(0.55, PriceCriteria.Evaluate("after-start-days-1", days)!.Prob);
        Assert.Null(PriceCriteria.Evaluate("after-start-days-10", days));
        Assert.Equal(0.55, PriceCriteria.Evaluate("before-close-days-7", days)!.Prob);
        Assert.Null(PriceCriteria.Evaluate("before-close-days-30", days));
    }

    [Fact]
    public void Names_parse_to_seconds_and_unknown_names_are_rejected()
    {
        Assert.Equal(86_400, PriceCriteria.Parse("before-close-hours-24").Seconds);
        Assert.Equal(604_800, PriceCriteria.Parse("before-close-days-7").Seconds);
        Assert.Equal(CriterionKind.AfterStart, PriceCriteria.Parse("after-start-hours-3").Kind);
        Assert.Throws<FormatException>(() => PriceCriteria.Parse("before-close-weeks-2"));
        Assert.Throws<FormatException>(() => PriceCriteria.Parse("average"));
        Assert.Equal(7 * 86_400, PriceCriteria.ParseHorizon("7d"));
        Assert.Equal(12 * 3_600, PriceCriteria.ParseHorizon("12h"));
        Assert.Throws<FormatException>(() => PriceCriteria.ParseHorizon("7"));
    }

    [Fact]
    public void An_empty_or_single_point_history_defines_no_criterion()
    {
        Assert.Null(PriceCriteria.Evaluate("midpoint", []));
        Assert.Null(PriceCriteria.Evaluate("time-average", [new PricePoint(5, 0.5)]));
    }

    [Fact]
    public void Horizon_prices_read_prob_at_close_minus_horizon_and_drop_when_before_open()
    {
        PricePoint[] pts = [new(0, 0.3), new(5 * 86_400, 0.6), new(20 * 86_400, 1)];
        var p = PriceCriteria.Horizon("7d", pts, marketClose: 13 * 86_400)!;
        Assert.Equal("horizon-7d", p.Criterion);
        Assert.Equal(0.6, p.Prob);
        Assert.Equal(6 * 86_400, p.TargetTs);
        Assert.Equal(5 * 86_400, p.ProbTs);
        Assert.Equal(13 * 86_400, p.EventTs);
        Assert.Equal(0.3, PriceCriteria.Horizon("168h", pts, marketClose: 11 * 86_400)!.Prob);
        Assert.Null(PriceCriteria.Horizon("30d", pts, marketClose: 13 * 86_400));
    }

    private static Arbitrary<PricePoint[]> Histories() => Arb.From(
        Gen.Choose(2, 30).SelectMany(n => Gen.ArrayOf(
            Gen.Choose(0, 1_000_000).SelectMany(t => Gen.Choose(0, 1000).Select(p => new PricePoint(t, p / 1000.0))), n)));

    [Fact]
    public void Time_average_lies_between_the_smallest_and_largest_segment_price()
    {
        Prop.ForAll(Histories(), pts =>
        {
            var segs = PriceCriteria.Segments(pts);
            var avg = PriceCriteria.TimeAverage(segs);
            if (segs.Count == 0)
            {
                Assert.Null(avg);
                return;
            }

            Assert.InRange(avg!.Value, segs.Min(s => s.P) - 1e-12, segs.Max(s => s.P) + 1e-12);
        }).Check(Replayed);
    }

    [Fact]
    public void Prob_at_is_piecewise_constant_and_undefined_outside_the_history()
    {
        Prop.ForAll(Histories(), Arb.From(Gen.Choose(-10, 1_000_010)), (pts, t) =>
        {
            var segs = PriceCriteria.Segments(pts);
            var hit = PriceCriteria.ProbAt(segs, t);
            var owner = segs.Where(s => s.Start <= t && t < s.End).ToList();
            if (owner.Count == 0)
            {
                Assert.Null(hit);
                return;
            }

            var s = Assert.Single(owner);
            Assert.Equal((s.P, s.Start), hit);
            Assert.Equal(hit, PriceCriteria.ProbAt(segs, s.Start));
            Assert.Equal(hit, PriceCriteria.ProbAt(segs, s.End - 1));
        }).Check(Replayed);
    }
}
