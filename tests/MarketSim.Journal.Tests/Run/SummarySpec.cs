using MarketSim.Journal;
using MarketSim.Journal.Summary;
using MarketSim.Scoring.Metrics;
using MarketSim.Simulation.Journal;

namespace MarketSim.Journal.Tests.Run;

public sealed class SummarySpec : IDisposable
{
    private readonly RunTestSupport _support = new();

    public void Dispose() => _support.Dispose();

    [Fact]
    public void The_streaming_accumulator_agrees_with_Calibration_Evaluate()
    {
        var rng = new System.Random(3);
        var n = 5000;
        var q = new double[n];
        var y = new byte[n];
        var f = new double[n];
        var acc = new MetricAccumulator(20, 0.05);
        for (var i = 0; i < n; i++)
        {
            q[i] = i % 17 == 0 ? 0.15 : rng.NextDouble();
            f[i] = rng.NextDouble();
            y[i] = (byte)(rng.NextDouble() < f[i] ? 1 : 0);
            acc.Add(q[i], y[i], f[i]);
        }

        var expected = Calibration.Evaluate("x", q, y, f, 20, cost: 0.05);

        Assert.Equal(expected.Brier, acc.Brier, 12);
        Assert.Equal(expected.LogLoss, acc.LogLoss, 12);
        Assert.Equal(expected.Sce, acc.Sce, 12);
        Assert.Equal(expected.Ece, acc.Ece, 12);
        Assert.Equal(expected.ArbProfit, acc.Arb, 12);
        Assert.Equal(n, acc.N);
    }

    [Fact]
    public void A_parity_run_reproduces_the_closed_forms_of_parity_md_section_5_within_sampling_error()
    {
        // 3,000 events (each forecaster answers the same value in all 6 intervals, so 3,000 independent rows).
        var outcome = _support.Run("parity-cliff-fog.conf", ["timeline.events=3000", "timeline.events-per-day=48", "validators=[{rule=peer-1.5.5}]"]);
        var rows = outcome.Summary!.Forecasters.ToDictionary(f => f.Name);
        var n = 3000.0;
        var se = Math.Sqrt(0.0576 / n); // oracle per-row Brier variance (parity.md §5)

        var oracle = rows["oracle"];
        Assert.Equal(0.09, oracle.Brier, 4 * se);
        Assert.Equal(0, oracle.Sce, 12);
        Assert.Equal(0, oracle.ArbProfit, 12);
        Assert.Equal(0, oracle.GroupCalS, 12);

        var constant = rows["const_0.5"];
        Assert.Equal(0.25, constant.Brier, 12);
        Assert.Equal(Math.Log(2), constant.LogLoss, 12);
        Assert.Equal(0.16, constant.Sce, 12);
        Assert.Equal(0.4, constant.ArbProfit, 12);
        Assert.Equal(0.4, constant.GroupCalS, 12);
        Assert.True(constant.Ece < 4 * Math.Sqrt(0.25 / n));

        var r = Math.Pow(0.95, 8);
        var diffusion = rows["diff_analytic_rho=0.95"];
        Assert.Equal(0.16 * (1 - r) * (1 - r), diffusion.Sce, 9);
        Assert.Equal(0.018126, diffusion.Sce, 6);
        Assert.Equal(0.134632, diffusion.ArbProfit, 6);
        Assert.Equal(0.134632, diffusion.GroupCalS, 6);
        Assert.Equal(0.108126, diffusion.Brier, 4 * se);
        Assert.Equal(0.134632, diffusion.Ece, 0.02);

        // The cliff: AR depth 4 < k = 8 is exactly the constant.
        Assert.Equal(constant.Brier, rows["L_query_oracle(L=4)"].Brier, 12);
        Assert.Equal(oracle.Brier, rows["L_query_oracle(L=8)"].Brier, 12);
    }

    [Fact]
    public void Group_calibration_on_S_agrees_with_GroupCalibration_WorstCell_over_the_events()
    {
        var outcome = _support.Run("groupstress.conf", ["timeline.events=400"]);
        using var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(outcome.Folder.JournalFile));
        var issued = reader.EventsByPersistenceId(JournalIds.Issuer).Select(e => e.Event).OfType<EventIssued>().ToList();
        var resolved = reader.EventsByPersistenceId(JournalIds.Issuer).Select(e => e.Event).OfType<EventResolved>().ToDictionary(r => r.EventId);
        var d = 14;
        var rows = new sbyte[issued.Count * d];
        var gap = new double[issued.Count];
        var rho = Math.Pow(0.9, 7);
        for (var i = 0; i < issued.Count; i++)
        {
            for (var j = 0; j < d; j++)
            {
                rows[(i * d) + j] = ((issued[i].Inputs >> j) & 1) != 0 ? (sbyte)1 : (sbyte)-1;
            }

            var f = resolved[issued[i].EventId].Truth;
            var chi = f > 0.5 ? 1 : -1;
            gap[i] = f - (0.5 + (0.4 * rho * chi)); // diffusion rho = 0.9 answers the same value in each interval
        }

        var (worst, _) = GroupCalibration.WorstCell(rows, d, gap, [.. outcome.Summary!.ParitySet]);

        var diffusion = outcome.Summary.Forecasters.Single(f => f.Kind == "diffusion");
        Assert.Equal(worst, diffusion.GroupCalS, 9);
        Assert.Equal(0.208681, diffusion.GroupCalS, 6);
        Assert.True(diffusion.GroupCalWorst >= diffusion.GroupCalS);
        Assert.Equal(3432, outcome.Summary.GroupSubsetsEvaluated); // C(14, 7): every 7-subset
        Assert.True(outcome.Summary.GroupExhaustive);
    }

    [Fact]
    public void Markdown_and_json_carry_every_forecaster_and_validator()
    {
        var outcome = _support.Run("parity-cliff-fog.conf", ["timeline.events=24"]);
        var md = File.ReadAllText(outcome.Folder.SummaryMarkdownFile);
        var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(outcome.Folder.SummaryJsonFile));

        Assert.Equal(11, json.RootElement.GetProperty("forecasters").GetArrayLength());
        Assert.Equal(2, json.RootElement.GetProperty("validators").GetArrayLength());
        Assert.Contains("| diff_analytic_rho=0.99 |", md, StringComparison.Ordinal);
        Assert.Contains("score[brier-legacy-v2]", md, StringComparison.Ordinal);
        Assert.Contains("weight[peer-1.5.5]", md, StringComparison.Ordinal);
    }
}
