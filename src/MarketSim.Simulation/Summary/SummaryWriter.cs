using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MarketSim.Simulation.Summary;

/// <summary>Renders a <see cref="RunSummary"/>: summary.json (deterministic bytes), summary.md, and the table the CLI prints.</summary>
public static class SummaryWriter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>summary.json: indented UTF-8 JSON, NaN written as null; nothing time-dependent, so equal runs give equal bytes.</summary>
    public static byte[] ToJson(RunSummary s)
    {
        ArgumentNullException.ThrowIfNull(s);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("scenario", s.Scenario);
            w.WriteString("description", s.Description);
            w.WriteNumber("seed", s.Seed);
            w.WriteStartArray("paritySet");
            foreach (var i in s.ParitySet)
            {
                w.WriteNumberValue(i);
            }

            w.WriteEndArray();
            w.WriteNumber("events", s.Events);
            w.WriteNumber("predictions", s.Predictions);
            w.WriteNumber("intervals", s.Intervals);
            w.WriteNumber("rejected", s.Rejected);
            w.WriteNumber("bins", s.Bins);
            w.WriteNumber("budget", s.Budget);
            w.WriteNumber("cost", s.Cost);
            w.WriteNumber("gcal_subsets_evaluated", s.GroupSubsetsEvaluated);
            w.WriteBoolean("gcal_exhaustive", s.GroupExhaustive);
            if (s.MarketMaker is { } mm)
            {
                w.WriteStartObject("marketMaker");
                w.WriteNumber("markets", mm.Markets);
                w.WriteNumber("trades", mm.Trades);
                w.WriteNumber("pnl", mm.Pnl);
                w.WriteStartObject("forecasterPnl");
                foreach (var (name, pnl) in mm.Forecasters)
                {
                    w.WriteNumber(name, pnl);
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteStartArray("validators");
            foreach (var v in s.Validators)
            {
                w.WriteStartObject();
                w.WriteString("name", v.Name);
                w.WriteString("rule", v.Rule);
                w.WriteNumber("eventsScored", v.EventsScored);
                w.WriteNumber("eventsDiscarded", v.EventsDiscarded);
                w.WriteNumber("weightUpdates", v.WeightUpdates);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("forecasters");
            foreach (var f in s.Forecasters)
            {
                w.WriteStartObject();
                w.WriteString("name", f.Name);
                w.WriteString("kind", f.Kind);
                w.WriteNumber("miners", f.Miners);
                w.WriteNumber("predictions", f.Predictions);
                w.WriteNumber("rejected", f.Rejected);
                Num(w, "brier", f.Brier);
                Num(w, "logloss", f.LogLoss);
                Num(w, "sce", f.Sce);
                Num(w, "ece", f.Ece);
                Num(w, "arbProfit", f.ArbProfit);
                Num(w, "groupCalS", f.GroupCalS);
                Num(w, "groupCalWorst", f.GroupCalWorst);
                w.WriteStartArray("validators");
                foreach (var c in f.Validators)
                {
                    w.WriteStartObject();
                    w.WriteString("validator", c.Validator);
                    Num(w, "meanScore", c.MeanScore);
                    Num(w, "weight", c.Weight);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    /// <summary>Column headers and formatted cells of the forecaster table (shared by summary.md and the CLI).</summary>
    /// <summary>
    /// What <c>marketsim run</c> prints after a complete run: <see cref="WriteTable"/>, the LMSR market maker's P&amp;L when
    /// there is one, and for a replay (<paramref name="replay"/>) the market baseline beside the public anchors.
    /// </summary>
    public static void WriteReport(TextWriter output, RunSummary summary, bool replay)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(summary);
        WriteTable(output, summary);
        if (summary.MarketMaker is { } mm)
        {
            output.WriteLine(string.Create(Inv, $"LMSR market maker: {mm.Markets} markets, {mm.Trades} trades, P&L {mm.Pnl:F4}; traders' P&L: {string.Join(", ", mm.Forecasters.Select(f => string.Create(Inv, $"{f.Forecaster} {f.Pnl:F4}")))}"));
        }

        if (replay)
        {
            WriteMarketBaseline(output, summary);
        }
    }

    /// <summary>
    /// A replay's market baseline (the market-follower group without delay: the price itself) beside the public anchors of
    /// docs/polymarket.md.
    /// </summary>
    public static void WriteMarketBaseline(TextWriter output, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(summary);
        var market = summary.Forecasters.FirstOrDefault(f => f.Kind == "market-follower");
        output.WriteLine(market is null
            ? "market baseline: no market-follower miner in this scenario"
            : string.Create(Inv, $"market baseline ({market.Name}): Brier {market.Brier:F4} over {market.Predictions} answers"));
        output.WriteLine("anchors (docs/replay.md): brier.fyi one month before close 0.09 (n = 76,941), median at market midpoint 0.0225 (n = 443,535); outcomes.csv YES price 0.082; safechoices 1-day favourite price 0.092");
    }

    /// <summary>The headline and the forecaster table as aligned plain text (what <c>marketsim run</c> prints).</summary>
    public static void WriteTable(TextWriter output, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(summary);
        var (headers, rows) = Table(summary);
        output.WriteLine(string.Create(Inv, $"{summary.Scenario}: seed {summary.Seed}, {summary.Events} events, {summary.Predictions} predictions, {summary.Intervals} intervals, {summary.Rejected} rejected"));
        TextTable.Write(output, headers, rows);
    }

    /// <summary>The summary table: column headers and one row of formatted metrics per forecaster.</summary>
    public static (IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows) Table(RunSummary s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var headers = new List<string> { "forecaster", "miners", "brier", "logloss", "sce", "ece", "arb", "gcal_S", "gcal_worst" };
        foreach (var v in s.Validators)
        {
            headers.Add($"score[{v.Name}]");
            headers.Add($"weight[{v.Name}]");
        }

        headers.Add("rejected");
        var rows = new List<IReadOnlyList<string>>();
        foreach (var f in s.Forecasters)
        {
            var row = new List<string>
            {
                f.Name, f.Miners.ToString(Inv), F(f.Brier), F(f.LogLoss), F(f.Sce), F(f.Ece), F(f.ArbProfit), F(f.GroupCalS), F(f.GroupCalWorst),
            };
            foreach (var c in f.Validators)
            {
                row.Add(F(c.MeanScore));
                row.Add(F(c.Weight));
            }

            row.Add(f.Rejected.ToString(Inv));
            rows.Add(row);
        }

        return (headers, rows);
    }

    /// <summary>summary.md: the run's figures and the forecaster table.</summary>
    public static string ToMarkdown(RunSummary s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var sb = new StringBuilder();
        sb.Append("# Run summary: ").Append(s.Scenario).Append('\n').Append('\n');
        if (s.Description.Length > 0)
        {
            sb.Append(s.Description).Append('\n').Append('\n');
        }

        sb.Append(Inv, $"seed {s.Seed}; S = [{string.Join(", ", s.ParitySet)}]; {s.Events} events resolved; {s.Predictions} predictions over {s.Intervals} intervals; {s.Rejected} answers rejected.\n");
        sb.Append(Inv, $"Metrics over every recorded prediction (docs/parity.md): {s.Bins} ECE bins, arbitrage with B = {s.Budget}, c = {s.Cost}; ");
        sb.Append(Inv, $"gcal_S over the subcubes of J = S, gcal_worst over {s.GroupSubsetsEvaluated} sets J ({(s.GroupExhaustive ? "every k-subset" : "S and a deterministic sample")}). score = mean event score, weight = the group's share of the final weights.\n\n");
        foreach (var v in s.Validators)
        {
            sb.Append(Inv, $"- validator `{v.Name}` ({v.Rule}): {v.EventsScored} events scored, {v.EventsDiscarded} discarded, {v.WeightUpdates} weight updates\n");
        }

        if (s.MarketMaker is { } mm)
        {
            sb.Append(Inv, $"- LMSR market maker: {mm.Markets} markets settled, {mm.Trades} trades, P&L {mm.Pnl:F4}; trading P&L by forecaster: {string.Join(", ", mm.Forecasters.Select(f => string.Create(Inv, $"{f.Forecaster} {f.Pnl:F4}")))}\n");
        }

        sb.Append('\n');
        var (headers, rows) = Table(s);
        sb.Append("| ").Append(string.Join(" | ", headers)).Append(" |\n");
        sb.Append('|').Append(string.Concat(headers.Select((_, i) => i == 0 ? "---|" : "---:|"))).Append('\n');
        foreach (var r in rows)
        {
            sb.Append("| ").Append(string.Join(" | ", r)).Append(" |\n");
        }

        return sb.ToString();
    }

    /// <summary>Fixed six decimals; "-" for NaN.</summary>
    public static string F(double x) => double.IsNaN(x) ? "-" : x.ToString("0.000000", Inv);

    private static void Num(Utf8JsonWriter w, string name, double x)
    {
        if (double.IsFinite(x))
        {
            w.WriteNumber(name, x);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
