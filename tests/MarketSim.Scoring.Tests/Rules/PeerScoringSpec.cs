using MarketSim.Scoring.Rules;
using static MarketSim.Scoring.Tests.Rules.Fixtures;

namespace MarketSim.Scoring.Tests.Rules;

public class PeerScoringSpec
{
    [Fact]
    public void TV2_event_one_peer_scores_per_interval_match_the_table_and_each_column_sums_to_zero()
    {
        var r = Peer(Event1, true, Imputation.ThirdTowardWorst, IntervalWeighting.Power2);
        Assert.Equal(EventStatus.Scored, r.Status);
        Close([0.437734, 0.794618, 0.549306, 2.639108], Row(r.Peers, 3, 0));
        Close([0.164252, 0.289909, -0.058892, 1.614463], Row(r.Peers, 3, 1));
        Close([-0.601986, -1.084527, -0.490415, -4.253571], Row(r.Peers, 3, 2));
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal(0, r.Peers[3 * k] + r.Peers[(3 * k) + 1] + r.Peers[(3 * k) + 2], 1e-12);
        }
    }

    [Fact]
    public void TV2_third_toward_worst_imputes_B_at_0_533333_in_interval_two()
    {
        var r = Peer(Event1, true, Imputation.ThirdTowardWorst, IntervalWeighting.Power2);
        // prediction of B = Σ w p / Σ w with p = [0.5, 0.5, 0.533333, 0.5] and w = [1, 8/9, 5/9, 0]
        double expected = ((1 * 0.5) + (8.0 / 9 * 0.5) + (5.0 / 9 * (0.6 - (0.2 / 3)))) / (22.0 / 9);
        Assert.Equal(expected, r.Prediction[1], 1e-12);
        Assert.Equal(0.6 - (0.2 / 3), 0.533333, 1e-6);
    }

    [Theory]
    [InlineData(IntervalWeighting.Power2, Imputation.ThirdTowardWorst, 0.592867, 0.159231, -0.752098)]
    [InlineData(IntervalWeighting.RemaFirst2, Imputation.ThirdTowardWorst, 0.647659, 0.212137, -0.859796)]
    [InlineData(IntervalWeighting.RemaExp, Imputation.ThirdTowardWorst, 0.628140, 0.201807, -0.829947)]
    [InlineData(IntervalWeighting.RemaExp, Imputation.WorstClip, 0.970867, -0.483648, -0.487219)]
    public void TV2_event_one_scores_match_every_preset_row(IntervalWeighting w, Imputation imp, double a, double b, double c)
    {
        var r = Peer(Event1, true, imp, w);
        Close([a, b, c], r.Score);
    }

    [Fact]
    public void TV2_worst_clip_gives_B_the_floor_in_interval_two()
    {
        var r = Peer(Event1, true, Imputation.WorstClip, IntervalWeighting.RemaExp);
        Close([2.537587, -4.035453, 1.497866], r.Peers.AsSpan(6, 3));
    }

    [Fact]
    public void TV2_event_two_peer_scores_and_event_scores_match()
    {
        var r = Peer(Event2, false, Imputation.ThirdTowardWorst, IntervalWeighting.Power2);
        Close([0.581575, 0.843199, 1.392506], Row(r.Peers, 3, 0));
        Close([-0.123430, -0.038481, 0.510826], Row(r.Peers, 3, 1));
        Close([-0.458145, -0.804719, -1.903331], Row(r.Peers, 3, 2));
        Close([0.693700, -0.087023, -0.606677], r.Score);
    }

    [Fact]
    public void TV3_a_miner_registered_inside_interval_one_is_new_twice_then_unresponsive()
    {
        double[][] rows = [.. Event1, [X, X, X, 0.9]];
        long[] reg = [0, 0, 0, Start + L + 17];
        var r = Peer(rows, true, Imputation.ThirdTowardWorst, IntervalWeighting.Power2, reg);
        Close([0, 0, -0.039261, 1.664095], Row(r.Peers, 4, 3));
        Close([0.437734, 0.794618, 0.501359, 1.791176], Row(r.Peers, 4, 0));
        Close([0.164252, 0.289909, -0.039261, 0.880380], Row(r.Peers, 4, 1));
        Close([-0.601986, -1.084527, -0.422837, -4.335651], Row(r.Peers, 4, 2));
        Close([0.581970, 0.163693, -0.736740, -0.008923], r.Score);
    }

    [Fact]
    public void TV3_the_repository_four_miner_case_back_fills_the_new_miner_prediction()
    {
        double[][] rows = [[0.6], [X], [X], [0.8]];
        long[] reg = [0, 0, Start, 0];
        var r = Peer(rows, true, Imputation.ThirdTowardWorst, IntervalWeighting.Power2, reg);
        Close([-0.196521, -0.038481, 0, 0.235002], r.Peers);
        Assert.Equal(0.683990, r.Prediction[2], 1e-6);
        Assert.Equal(0.7 - (0.1 / 3), r.Prediction[1], 1e-12);
        Assert.Equal(0.0, r.Score[2]);
    }

    [Fact]
    public void TV3_a_sole_responder_is_scored_against_ln_of_the_clip_floor_and_the_new_miner_gets_zero()
    {
        double[][] rows = [[0.6], [X]];
        long[] reg = [0, Start];
        var r = Peer(rows, true, Imputation.ThirdTowardWorst, IntervalWeighting.Power2, reg);
        Close([4.094345, 0], r.Score);
        Assert.Equal(0.6, r.Prediction[1], 1e-12); // back-filled e^{T/c} with c = 1
    }

    [Fact]
    public void A_new_cell_in_an_interval_nobody_answered_back_fills_the_clip_floor()
    {
        // nobody answers in interval 1: miner 0 is unresponsive, miner 1 (registered at its start) is new
        double[][] rows = [[0.7, X], [0.4, X]];
        long[] reg = [0, Start + L];
        var r = Peer(rows, false, Imputation.ThirdTowardWorst, IntervalWeighting.RemaExp, reg);
        // interval 1: miner 0 unresponsive with nobody responding → worst-clip 0.99 (o = 0), sole cell c = 1
        Assert.Equal(Math.Log(0.01) - Math.Log(0.01), r.Peers[2], 1e-12);
        Assert.Equal(0.0, r.Peers[3]);
    }

    [Fact]
    public void Miners_registered_after_the_last_scored_interval_started_get_no_row()
    {
        double[][] rows = [[0.6, 0.7], [0.5, 0.5]];
        long[] reg = [0, Start + L + 1];
        var r = Peer(rows, true, Imputation.ThirdTowardWorst, IntervalWeighting.Power2, reg);
        Assert.True(double.IsNaN(r.Score[1]));
        Assert.True(double.IsNaN(r.Prediction[1]));
        Assert.True(double.IsNaN(r.Peers[1]));
        Assert.Equal(Math.Log(0.6) - Math.Log(0.01), r.Score[0], 1e-12);
    }

    [Fact]
    public void An_event_with_no_scored_interval_or_no_answer_is_discarded()
    {
        var score = new double[2];
        var pred = new double[2];
        var none = new EventMatrix([], 2, 0, [0, 0], Start, Start);
        Assert.Equal(EventStatus.DiscardedNoIntervals, PeerScoring.ScoreEvent(none, true, Imputation.ThirdTowardWorst, IntervalWeighting.Power2, score, pred));
        var negative = new EventMatrix([], 2, -1, [0, 0], Start, Start);
        Assert.Equal(EventStatus.DiscardedNoIntervals, PeerScoring.ScoreEvent(negative, true, Imputation.ThirdTowardWorst, IntervalWeighting.Power2, score, pred));
        var silent = new EventMatrix([X, X, X, X], 2, 2, [0, 0], Start, Start);
        Assert.Equal(EventStatus.DiscardedNoPredictions, PeerScoring.ScoreEvent(silent, true, Imputation.ThirdTowardWorst, IntervalWeighting.Power2, score, pred));
        Assert.True(double.IsNaN(score[0]));
    }

    [Fact]
    public void Wide_events_give_the_same_scores_as_a_scalar_reference()
    {
        var rng = new Random(5);
        foreach (int miners in new[] { 1, 3, 4, 5, 9, 17, 64, 67 })
        {
            int n = 7;
            var rows = new double[miners][];
            var reg = new long[miners];
            for (int m = 0; m < miners; m++)
            {
                reg[m] = rng.Next(5) == 0 ? Start + (L * rng.Next(n + 1)) + rng.Next(L) : 0;
                rows[m] = Enumerable.Range(0, n).Select(_ => rng.Next(6) == 0 ? X : Math.Round(rng.NextDouble(), 3)).ToArray();
            }

            foreach (bool o in new[] { true, false })
            {
                var r = Peer(rows, o, Imputation.ThirdTowardWorst, IntervalWeighting.RemaFirst2, reg);
                var (score, pred) = ScalarReference.Peer(rows, reg, o, Start, L);
                for (int m = 0; m < miners; m++)
                {
                    if (double.IsNaN(score[m]))
                    {
                        Assert.True(double.IsNaN(r.Score[m]));
                    }
                    else
                    {
                        Assert.Equal(score[m], r.Score[m], 1e-9);
                        Assert.Equal(pred[m], r.Prediction[m], 1e-9);
                    }
                }
            }
        }
    }
}

/// <summary>A cell-by-cell transcription of scoring.md §7 (third-toward-worst, rema-first2), for comparison.</summary>
internal static class ScalarReference
{
    public static (double[] Score, double[] Prediction) Peer(double[][] rows, long[] reg, bool o, long start, int l)
    {
        int miners = rows.Length, n = rows[0].Length;
        var w = IntervalWeights.Compute(IntervalWeighting.RemaFirst2, n);
        var score = new double[miners];
        var pred = new double[miners];
        bool[] elig = reg.Select(r => r <= start + (l * (n - 1))).ToArray();
        for (int k = 0; k < n; k++)
        {
            long s = start + (l * k);
            var used = new double?[miners];
            var resp = new List<double>();
            for (int m = 0; m < miners; m++)
            {
                if (elig[m] && !double.IsNaN(rows[m][k]))
                {
                    used[m] = Math.Clamp(rows[m][k], 0.01, 0.99);
                    resp.Add(used[m]!.Value);
                }
            }

            double pI = o ? 0.01 : 0.99;
            if (resp.Count > 0)
            {
                double mean = resp.Average();
                double worst = o ? resp.Min() : resp.Max();
                pI = mean + ((worst - mean) / 3);
            }

            for (int m = 0; m < miners; m++)
            {
                if (elig[m] && used[m] is null && reg[m] < s)
                {
                    used[m] = pI;
                }
            }

            var ell = used.Select(u => u is double p ? Math.Log(o ? p : 1 - p) : (double?)null).ToArray();
            int c = ell.Count(v => v is not null);
            double t = ell.Sum(v => v ?? 0);
            double lNew = c > 0 ? t / c : Math.Log(0.01);
            for (int m = 0; m < miners; m++)
            {
                double peer = ell[m] is double li ? (c == 1 ? li - Math.Log(0.01) : li - ((t - li) / (c - 1))) : 0;
                double p = used[m] ?? (o ? Math.Exp(lNew) : 1 - Math.Exp(lNew));
                score[m] += w[k] * peer;
                pred[m] += w[k] * p;
            }
        }

        double ws = w.Sum();
        for (int m = 0; m < miners; m++)
        {
            score[m] = elig[m] ? score[m] / ws : double.NaN;
            pred[m] = elig[m] ? pred[m] / ws : double.NaN;
        }

        return (score, pred);
    }
}
