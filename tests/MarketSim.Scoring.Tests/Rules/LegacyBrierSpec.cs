using MarketSim.Scoring.Rules;
using static MarketSim.Scoring.Tests.Rules.Fixtures;

namespace MarketSim.Scoring.Tests.Rules;

public class LegacyBrierSpec
{
    private static double[] Score(double[][] rows, bool o, long[]? reg = null, long? eventRegistered = null)
    {
        int miners = rows.Length;
        var e = new EventMatrix(Matrix(rows), miners, rows[0].Length, reg ?? RegisteredBefore(miners), Start, eventRegistered ?? Start + 5);
        var s = new double[miners];
        var p = new double[miners];
        LegacyBrier.ScoreEvent(e, o, IntervalWeighting.RemaExp, s, p);
        return s;
    }

    [Fact]
    public void TV1_rema_exp_weights_match_for_four_and_three_intervals()
    {
        var w4 = IntervalWeights.Compute(IntervalWeighting.RemaExp, 4);
        Close([1, 0.716531, 0.367879, 0.049787], w4);
        Assert.Equal(2.134198, w4.Sum(), 1e-6);
        Close([1, 0.606531, 0.135335], IntervalWeights.Compute(IntervalWeighting.RemaExp, 3));
    }

    [Fact]
    public void TV1_time_weighted_quadratic_scores_match_for_both_events()
    {
        Close([0.887919, 0.620720, 0.470150], Score(Event1, true));
        Close([0.972777, 0.75, 0.559770], Score(Event2, false));
    }

    [Fact]
    public void TV1_per_interval_S_values_match_every_row()
    {
        var cells = new double[12];
        var e = new EventMatrix(Matrix(Event1), 3, 4, RegisteredBefore(3), Start, Start + 5);
        LegacyBrier.ScoreEvent(e, true, IntervalWeighting.RemaExp, new double[3], new double[3], cells);
        Close([0.84, 0.91, 0.96, 1.00], Row(cells, 3, 0), 1e-12);
        Close([0.75, 0.75, 0, 0.75], Row(cells, 3, 1), 1e-12);
        Close([0.51, 0.36, 0.64, 0], Row(cells, 3, 2), 1e-12);

        var cells2 = new double[9];
        var e2 = new EventMatrix(Matrix(Event2), 3, 3, RegisteredBefore(3), Start, Start + 5);
        LegacyBrier.ScoreEvent(e2, false, IntervalWeighting.RemaExp, new double[3], new double[3], cells2);
        Close([0.96, 0.99, 0.99], Row(cells2, 3, 0), 1e-12);
        Close([0.75, 0.75, 0.75], Row(cells2, 3, 1), 1e-12);
        Close([0.64, 0.51, 0.19], Row(cells2, 3, 2), 1e-12);
    }

    [Fact]
    public void TV1_per_interval_S_values_follow_the_missing_and_clip_rules()
    {
        Assert.Equal(0.84, LegacyBrier.Quadratic(0.6, true), 1e-12);
        Assert.Equal(1.0, LegacyBrier.Quadratic(1.0, true), 1e-12);
        Assert.Equal(0.0, LegacyBrier.Quadratic(0.0, true), 1e-12);
        Assert.Equal(0.19, LegacyBrier.Quadratic(0.9, false), 1e-12);
    }

    [Fact]
    public void TV1_normalisation_with_K5_softmax_and_K30_exp_l1_matches()
    {
        var n = new double[3];
        LegacyBrier.NormaliseSoftmax(Score(Event1, true), 5, n);
        Close([0.721123, 0.189580, 0.089297], n);
        LegacyBrier.NormaliseSoftmax(Score(Event1, true), 30, n);
        Close([0.999666, 0.000330, 0.000004], n);
        LegacyBrier.NormaliseExpL1(Score(Event1, true), 30, 0, n);
        Close([0.999666, 0.000330, 0.000004], n);
        LegacyBrier.NormaliseSoftmax(Score(Event2, false), 5, n);
        Close([0.687240, 0.225608, 0.087152], n);
    }

    [Fact]
    public void TV1_daily_mix_weights_after_two_events_on_the_same_day_match()
    {
        var day = new DateTimeOffset(2024, 3, 1, 6, 0, 0, TimeSpan.Zero);
        var mix = new DailyMix(DailyMixForm.V2, 3, day);
        var n = new double[3];
        LegacyBrier.NormaliseSoftmax(Score(Event1, true), 5, n);
        Assert.False(mix.AdvanceTo(day.AddHours(1)));
        mix.AddEvent(n);
        Close([0.8 * 0.721123, 0.8 * 0.189580, 0.8 * 0.089297], mix.Effective);
        LegacyBrier.NormaliseSoftmax(Score(Event2, false), 5, n);
        Assert.False(mix.AdvanceTo(day.AddHours(2)));
        mix.AddEvent(n);
        Close([0.704182, 0.207594, 0.088224], mix.Average);
        Close([0.678725, 0.196408, 0.084867], mix.Effective);
        var w = new double[3];
        Assert.True(mix.TryWeights(w));
        Close([0.707005, 0.204592, 0.088403], w);
    }

    [Fact]
    public void Daily_mix_v2_resets_at_utc_midnight_and_then_mixes_with_yesterday()
    {
        var day = new DateTimeOffset(2024, 3, 1, 23, 0, 0, TimeSpan.Zero);
        var mix = new DailyMix(DailyMixForm.V2, 2, day);
        mix.AddEvent([0.6, 0.4]);
        Assert.True(mix.AdvanceTo(day.AddHours(2)));
        Assert.Equal(0, mix.Iterations);
        Close([0.6, 0.4], mix.Previous);
        mix.AddEvent([0.2, 0.8]);
        Close([(0.8 * 0.2) + (0.2 * 0.6), (0.8 * 0.8) + (0.2 * 0.4)], mix.Effective, 1e-12);
    }

    [Fact]
    public void Daily_mix_v1_resets_only_after_a_day_and_past_ten_utc()
    {
        var t0 = new DateTimeOffset(2024, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var mix = new DailyMix(DailyMixForm.V1, 2, t0);
        mix.AddEvent([0.6, 0.4]);
        Close([0.48, 0.32], mix.Effective, 1e-12);
        Assert.False(mix.AdvanceTo(t0.AddHours(23))); // less than a day
        Assert.False(mix.AdvanceTo(t0.AddHours(25))); // 09:00 UTC: hour not > 10
        Assert.True(mix.AdvanceTo(t0.AddHours(27))); // 11:00 UTC
        Close([0.6, 0.4], mix.Previous, 1e-12);
    }

    [Fact]
    public void Daily_mix_v2_fills_a_new_hotkey_with_the_twentieth_percentile()
    {
        var mix = new DailyMix(DailyMixForm.V2, 5, DateTimeOffset.UnixEpoch);
        mix.AddEvent([0.1, 0.2, 0.3, 0.4, 0.0]);
        mix.ReplaceMiner(4);
        // others' avg = [0.1, 0.2, 0.3, 0.4]: position 0.2·3 = 0.6 → 0.1 + 0.6·0.1
        Assert.Equal(0.16, mix.Average[4], 1e-12);
        Assert.Equal(0.0, mix.Effective[4]);
        Assert.Equal(0.16, DailyMix.PercentileLinear([0.4, 0.1, 0.3, 0.2], 20), 1e-12);
    }

    [Fact]
    public void A_miner_registered_before_the_event_with_no_answer_at_all_scores_zero()
    {
        double[][] rows = [[0.6, 0.7], [X, X], [X, X]];
        long[] reg = [0, 0, Start + (3 * L)];
        var e = new EventMatrix(Matrix(rows), 3, 2, reg, Start, Start + 5);
        var s = new double[3];
        var p = new double[3];
        LegacyBrier.ScoreEvent(e, true, IntervalWeighting.RemaExp, s, p);
        Assert.Equal(0.0, s[1]);
        Assert.Equal(LegacyBrier.NoPrediction, p[1]);
        Assert.Equal(0.75, s[2], 1e-12); // registered after both intervals ended: neutral 0.5 everywhere
        Assert.Equal(0.5, p[2], 1e-12);
    }

    [Fact]
    public void Legacy_events_without_intervals_give_everyone_zero()
    {
        var e = new EventMatrix([], 2, 0, [0, 0], Start, Start);
        var s = new double[] { 9, 9 };
        var p = new double[2];
        LegacyBrier.ScoreEvent(e, true, IntervalWeighting.RemaExp, s, p);
        Assert.Equal([0.0, 0.0], s);
    }

    [Fact]
    public void Exp_l1_with_an_offset_keeps_zero_scores_at_zero()
    {
        var n = new double[3];
        LegacyBrier.NormaliseExpL1([0.9, 0.7, 0.8], 25, 0.75, n);
        double a = Math.Exp(25 * 0.15), c = Math.Exp(25 * 0.05);
        Close([a / (a + c), 0, c / (a + c)], n, 1e-12);
        LegacyBrier.NormaliseExpL1([0.1, 0.2], 25, 0.75, n.AsSpan(0, 2));
        Assert.Equal([0.0, 0.0], n.Take(2));
    }
}
