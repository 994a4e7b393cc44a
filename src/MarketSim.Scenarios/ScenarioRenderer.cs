using System.Globalization;
using System.Text;
using MarketSim.Hocon;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Scenarios;

/// <summary>
/// Renders a validated scenario as HOCON with every key explicit (defaults included). Loading the text again gives
/// an equal <see cref="Scenario"/>; the output is canonical (same scenario, same text).
/// </summary>
public static class ScenarioRenderer
{
    private static readonly Lazy<ParityWorldSettings> ReferenceParity = new(() =>
    {
        var c = ScenarioLoader.Reference.GetConfig("marketsim.scenario.world");
        return new ParityWorldSettings(c.GetInt("d"), c.GetInt("k"), c.GetDouble("alpha"), null);
    });

    private static readonly Lazy<PolymarketWorldSettings> ReferencePolymarket = new(() =>
    {
        var c = ScenarioLoader.Reference.GetConfig("marketsim.scenario.world.polymarket");
        return new PolymarketWorldSettings(c.GetString("dataset") ?? string.Empty, c.GetString("prices") ?? string.Empty, c.GetDouble("compression"), c.GetDouble("train-fraction"), c.GetInt("max-markets"));
    });

    /// <summary>
    /// The scenario as HOCON, every key explicit, loadable again with an equal result. With a <paramref name="deployment"/>
    /// (a run folder's <c>scenario.conf</c>) its parallelism and journal backend are written too (never a password);
    /// without, the neutral deployment: one worker, SQLite (the journal's copy, which must not depend on deployment).
    /// </summary>
    public static string ToHocon(Scenario scenario, RunDeployment? deployment = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var sb = new StringBuilder();
        sb.Append("# Resolved scenario: every key explicit. Re-run it with: marketsim run scenario.conf\n");
        sb.Append("marketsim {\n");
        sb.Append("  # worker threads; never changes results\n");
        deployment ??= RunDeployment.Neutral;
        Line(sb, 1, "parallelism", Int(deployment.Parallelism));
        var p = deployment.Persistence;
        sb.Append("  # where the journal lives; never changes results (the password is never written here)\n");
        Open(sb, 1, "persistence");
        Line(sb, 2, "journal", HoconText.Quote(p.Journal));
        Open(sb, 2, "postgres");
        Line(sb, 3, "connection-string", HoconText.Quote(WithoutPassword(p.PostgresConnectionString)));
        Line(sb, 3, "schema", HoconText.Quote(p.PostgresSchema));
        Close(sb, 2);
        Close(sb, 1);
        sb.Append("  scenario {\n");
        Line(sb, 2, "name", HoconText.Quote(scenario.Name));
        Line(sb, 2, "description", HoconText.Quote(scenario.Description));
        Line(sb, 2, "seed", scenario.Seed.ToString(CultureInfo.InvariantCulture));

        // Every key explicit: the other kind's section is written with the reference defaults, so that scenario.conf (and
        // the scenario text in the journal) has the same shape for every world.
        var w = scenario.World as ParityWorldSettings ?? ReferenceParity.Value;
        var pm = scenario.World as PolymarketWorldSettings ?? ReferencePolymarket.Value;
        Open(sb, 2, "world");
        Line(sb, 3, "kind", HoconText.Quote(scenario.World.Kind));
        Line(sb, 3, "d", Int(w.D));
        Line(sb, 3, "k", Int(w.K));
        Line(sb, 3, "alpha", Num(w.Alpha));
        Line(sb, 3, "parity-set", w.ParitySet is null ? "null" : "[" + string.Join(", ", w.ParitySet.Select(Int)) + "]");
        Open(sb, 3, "polymarket");
        Line(sb, 4, "dataset", HoconText.Quote(pm.Dataset));
        Line(sb, 4, "prices", HoconText.Quote(pm.Prices));
        Line(sb, 4, "compression", Num(pm.Compression));
        Line(sb, 4, "train-fraction", Num(pm.TrainFraction));
        Line(sb, 4, "max-markets", Int(pm.MaxMarkets));
        Close(sb, 3);
        Close(sb, 2);

        var t = scenario.Timeline;
        Open(sb, 2, "timeline");
        Line(sb, 3, "epoch", HoconText.Quote(FormatInstant(t.Epoch)));
        Line(sb, 3, "interval-length", FormatDuration(t.IntervalLength));
        Line(sb, 3, "events", Int(t.Events));
        Line(sb, 3, "events-per-day", Int(t.EventsPerDay));
        Line(sb, 3, "lifetime", FormatDuration(t.Lifetime));
        Line(sb, 3, "cutoff-before-resolution", FormatDuration(t.CutoffBeforeResolution));
        sb.Append("      # scored intervals per event: ").Append(t.ScoredIntervalsPerEvent.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Close(sb, 2);

        Line(sb, 2, "shard-size", Int(scenario.ShardSize));

        sb.Append("    miners = [\n");
        foreach (var m in scenario.Miners)
        {
            var parts = new List<string> { "kind = " + HoconText.Quote(m.Kind), "name = " + HoconText.Quote(m.Name), "count = " + Int(m.Count) };
            switch (m)
            {
                case FaultyMiners f:
                    parts.Add("value = " + HoconText.Quote(ScenarioLoader.FormatFaultyValue(f.Value)));
                    parts.Add("rate = " + Num(f.Rate));
                    break;
                case ConstantMiners c:
                    parts.Add("value = " + Num(c.Value));
                    break;
                case ArDepthMiners a:
                    parts.Add("depth = " + Int(a.Depth));
                    break;
                case RandomChainsMiners r:
                    parts.Add("depth = " + Int(r.Depth));
                    parts.Add("chains = " + Int(r.Chains));
                    break;
                case DiffusionMiners d:
                    parts.Add("rho = " + Num(d.Rho));
                    break;
                case MarketFollowerMiners f:
                    parts.Add("delay = " + FormatDuration(f.Delay));
                    break;
                case LlmMiners l:
                    parts.Add("llm { " + string.Join(", ", LlmKeys(l.Llm)) + " }");
                    break;
            }

            sb.Append("      { ").Append(string.Join(", ", parts)).Append(" }  # miners ")
                .Append(Int(m.FirstMinerId)).Append('-').Append(Int(m.FirstMinerId + m.Count - 1)).Append('\n');
        }

        sb.Append("    ]\n");

        sb.Append("    validators = [\n");
        foreach (var v in scenario.Validators)
        {
            var parts = new List<string> { "name = " + HoconText.Quote(v.Name), "rule = " + HoconText.Quote(v.Rule) };
            switch (v)
            {
                case PeerValidator peer:
                    parts.Add("interval-weights = " + HoconText.Quote(peer.IntervalWeights));
                    parts.Add("imputation = " + HoconText.Quote(peer.Imputation));
                    parts.Add("moving-average { kind = " + HoconText.Quote(peer.MovingAverage.Kind) + ", window = " + Int(peer.MovingAverage.Window) + " }");
                    break;
                case LegacyValidator l:
                    parts.Add("interval-weights = " + HoconText.Quote(l.IntervalWeights));
                    parts.Add("k = " + Num(l.K));
                    parts.Add("offset = " + Num(l.Offset));
                    break;
            }

            sb.Append("      { ").Append(string.Join(", ", parts)).Append(" }\n");
        }

        sb.Append("    ]\n");

        var o = scenario.Outputs;
        Open(sb, 2, "outputs");
        Line(sb, 3, "directory", HoconText.Quote(o.Directory));
        Open(sb, 3, "journal");
        Line(sb, 4, "flush-events", Int(o.FlushEvents));
        Line(sb, 4, "flush-bytes", o.FlushBytes.ToString(CultureInfo.InvariantCulture));
        Line(sb, 4, "record-predictions", o.RecordPredictions ? "true" : "false");
        Line(sb, 4, "record-interval-scores", o.RecordIntervalScores ? "true" : "false");
        Close(sb, 3);
        Open(sb, 3, "summary");
        Line(sb, 4, "json", o.SummaryJson ? "true" : "false");
        Line(sb, 4, "markdown", o.SummaryMarkdown ? "true" : "false");
        Close(sb, 3);
        Close(sb, 2);

        var mm = scenario.MarketMaker;
        Open(sb, 2, "marketmaker");
        Line(sb, 3, "kind", HoconText.Quote(mm.Kind));
        Line(sb, 3, "liquidity", Num(mm.Liquidity));
        Line(sb, 3, "initial-price", Num(mm.InitialPrice));
        Line(sb, 3, "budget", Num(mm.Budget));
        Line(sb, 3, "max-spend", Num(mm.MaxSpend));
        Line(sb, 3, "traders", "[" + string.Join(", ", mm.Traders.Select(HoconText.Quote)) + "]");
        Close(sb, 2);

        var metrics = scenario.Metrics;
        Open(sb, 2, "metrics");
        Line(sb, 3, "arbitrage-budget", Num(metrics.ArbitrageBudget));
        Line(sb, 3, "transaction-cost", Num(metrics.TransactionCost));
        Line(sb, 3, "ece-bins", Int(metrics.EceBins));
        Close(sb, 2);

        sb.Append("  }\n}\n");
        return sb.ToString();
    }

    /// <summary>Largest whole unit: <c>8d</c>, <c>4h</c>, <c>240m</c> stays <c>4h</c>, <c>90s</c>, <c>1500ms</c>, else nanoseconds.</summary>
    public static string FormatDuration(TimeSpan t)
    {
        var ticks = t.Ticks;
        if (ticks == 0)
        {
            return "0s";
        }

        (long Per, string Unit)[] units =
        [
            (TimeSpan.TicksPerDay, "d"), (TimeSpan.TicksPerHour, "h"), (TimeSpan.TicksPerMinute, "m"),
            (TimeSpan.TicksPerSecond, "s"), (TimeSpan.TicksPerMillisecond, "ms"),
        ];
        foreach (var (per, unit) in units)
        {
            if (ticks % per == 0)
            {
                return (ticks / per).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return (ticks * 100).ToString(CultureInfo.InvariantCulture) + "ns";
    }

    /// <summary>ISO 8601 UTC with a trailing Z and no trailing zero fraction.</summary>
    public static string FormatInstant(DateTimeOffset t) =>
        t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static string Int(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static string Num(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    private static void Line(StringBuilder sb, int level, string key, string value) =>
        sb.Append(' ', level * 2).Append(key).Append(" = ").Append(value).Append('\n');

    private static void Open(StringBuilder sb, int level, string key) =>
        sb.Append(' ', level * 2).Append(key).Append(" {\n");

    private static void Close(StringBuilder sb, int level) => sb.Append(' ', level * 2).Append("}\n");

    /// <summary>Every key of an llm miner's settings (docs/llm.md), so that scenario.conf and the journal say exactly what was asked.</summary>
    private static IEnumerable<string> LlmKeys(MarketSim.Llm.LlmSettings l)
    {
        yield return "base-url = " + HoconText.Quote(l.BaseUrl);
        yield return "model = " + HoconText.Quote(l.Model);
        yield return "api-key-env = " + HoconText.Quote(l.ApiKeyEnv);
        yield return "temperature = " + Num(l.Temperature);
        yield return "top-p = " + (l.TopP is { } p ? Num(p) : "null");
        yield return "max-tokens = " + Int(l.MaxTokens);
        yield return "max-tokens-field = " + HoconText.Quote(l.MaxTokensField);
        yield return "seed = " + (l.Seed is { } s ? s.ToString(CultureInfo.InvariantCulture) : "null");
        yield return "concurrency = " + Int(l.Concurrency);
        yield return "timeout = " + FormatDuration(l.Timeout);
        yield return "retries = " + Int(l.Retries);
        yield return "backoff-base = " + FormatDuration(l.BackoffBase);
        yield return "backoff-max = " + FormatDuration(l.BackoffMax);
        yield return "cache = " + HoconText.Quote(MarketSim.Llm.LlmCacheModes.Format(l.CacheMode));
        yield return "cache-dir = " + HoconText.Quote(l.CacheDir);
        yield return "include-market-price = " + (l.IncludeMarketPrice ? "true" : "false");
    }

    /// <summary>The connection string without its password (scenario.conf and logs never hold one).</summary>
    public static string WithoutPassword(string connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return string.Empty;
        }

        try
        {
            var b = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            if (b.Password is null)
            {
                return connectionString;
            }

            b.Password = null;
            return b.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "<unparseable connection string>";
        }
    }
}
