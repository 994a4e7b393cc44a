namespace MarketSim.Simulation.Scenarios;

/// <summary>A validated scenario: everything a run depends on. Two equal scenarios give byte-identical journals.</summary>
/// <param name="Name">Scenario name (letters, digits, '.', '_', '-'); names the run folder.</param>
/// <param name="Description">Free text.</param>
/// <param name="Seed">Root seed of every random stream.</param>
/// <param name="World">The event world.</param>
/// <param name="Timeline">Interval grid and event schedule.</param>
/// <param name="Miners">Miner groups in declaration order; miner ids are contiguous per group.</param>
/// <param name="Validators">Validators, each with one rule preset.</param>
/// <param name="ShardSize">Miners per shard: one <c>PredictionBatch</c> per shard per interval.</param>
/// <param name="Outputs">Journal and summary settings.</param>
/// <param name="Metrics">Parameters of the summary's metrics (docs/parity.md).</param>
public sealed record Scenario(
    string Name,
    string Description,
    long Seed,
    WorldSettings World,
    TimelineSettings Timeline,
    EquatableList<MinerGroup> Miners,
    EquatableList<ValidatorSettings> Validators,
    int ShardSize,
    OutputSettings Outputs,
    MetricsSettings Metrics)
{
    /// <summary>The market maker (<c>marketmaker</c>): none (a replay's own prices) or an LMSR that trading miners trade against.</summary>
    public MarketMakerSettings MarketMaker { get; init; } = MarketMakerSettings.Default;

    /// <summary>Total number of miners over all groups.</summary>
    public int MinerCount => Miners.Count == 0 ? 0 : Miners[^1].FirstMinerId + Miners[^1].Count;

    /// <summary>Number of miner shards (the last may be smaller).</summary>
    public int ShardCount => (MinerCount + ShardSize - 1) / ShardSize;

    /// <summary>Predictions the run makes when every miner answers every open event in every scored interval.</summary>
    public long ExpectedPredictions => (long)MinerCount * Timeline.Events * Timeline.ScoredIntervalsPerEvent;
}

/// <summary>The world that issues events: one record type per world kind.</summary>
public abstract record WorldSettings
{
    /// <summary>The kind's name in scenario files (<c>world.kind</c>).</summary>
    public abstract string Kind { get; }
}

/// <summary>The synthetic parity world on the Boolean cube (docs/parity.md).</summary>
/// <param name="D">Number of input bits, 1…64.</param>
/// <param name="K">Parity order |S|, 1…D.</param>
/// <param name="Alpha">Signal strength in (0, 1].</param>
/// <param name="ParitySet">Explicit S (K distinct coordinates in [0, D)), or null to draw S from the seed.</param>
public sealed record ParityWorldSettings(int D, int K, double Alpha, EquatableList<int>? ParitySet) : WorldSettings
{
    /// <inheritdoc />
    public override string Kind => "parity";
}

/// <summary>
/// The Polymarket replay (docs/polymarket.md): resolved markets of a dataset replayed on their real timeline.
/// </summary>
/// <param name="Dataset">A dataset (.parquet, <c>marketsim pm import</c>); a relative path is taken from the scenario file's folder.</param>
/// <param name="Prices">Optional folder of per-token price histories (<c>&lt;token&gt;.csv</c>, t,p); empty = each market's single dataset price, defined from its time on.</param>
/// <param name="Compression">Real seconds per virtual second: the real timeline runs this many times faster.</param>
/// <param name="TrainFraction">Share of markets (earliest created first) kept out of the replay to train the base-rate and text-baseline miners.</param>
/// <param name="MaxMarkets">Replay at most this many markets (0 = all).</param>
public sealed record PolymarketWorldSettings(string Dataset, string Prices, double Compression, double TrainFraction, int MaxMarkets) : WorldSettings
{
    /// <inheritdoc />
    public override string Kind => "polymarket";
}

/// <summary>
/// The interval grid (scoring.md §4) and the event schedule. Event i (0-based) is issued at
/// <c>Epoch + IntervalLength · ⌊(i · 1 day / EventsPerDay) / IntervalLength⌋</c> (always on the grid),
/// resolves at issue + <see cref="Lifetime"/>, and its cutoff is resolution − <see cref="CutoffBeforeResolution"/>.
/// </summary>
public sealed record TimelineSettings(
    DateTimeOffset Epoch,
    TimeSpan IntervalLength,
    int Events,
    int EventsPerDay,
    TimeSpan Lifetime,
    TimeSpan CutoffBeforeResolution)
{
    /// <summary>Open window of an event: issue → cutoff.</summary>
    public TimeSpan OpenWindow => Lifetime - CutoffBeforeResolution;

    /// <summary>Scored intervals per event, n = ⌊(lifetime − cutoff) / interval⌋ (the partial interval before the cutoff is never scored).</summary>
    public int ScoredIntervalsPerEvent => (int)(OpenWindow.Ticks / IntervalLength.Ticks);

    /// <summary>Issue time of event <paramref name="eventIndex"/> (on the grid).</summary>
    public DateTimeOffset IssueTime(long eventIndex)
    {
        var offset = eventIndex * TimeSpan.TicksPerDay / EventsPerDay;
        return Epoch + TimeSpan.FromTicks(offset / IntervalLength.Ticks * IntervalLength.Ticks);
    }

    /// <summary>Cutoff of event <paramref name="eventIndex"/>: answers after it are not taken.</summary>
    public DateTimeOffset CutoffTime(long eventIndex) => ResolutionTime(eventIndex) - CutoffBeforeResolution;

    /// <summary>Resolution time of event <paramref name="eventIndex"/>.</summary>
    public DateTimeOffset ResolutionTime(long eventIndex) => IssueTime(eventIndex) + Lifetime;

    /// <summary>The grid interval index (since the epoch) that contains <paramref name="t"/>.</summary>
    public long IntervalIndex(DateTimeOffset t)
    {
        var ticks = (t - Epoch).Ticks;
        var q = ticks / IntervalLength.Ticks;
        return ticks < 0 && ticks % IntervalLength.Ticks != 0 ? q - 1 : q;
    }

    /// <summary>When the last event resolves: the end of the run in virtual time.</summary>
    public DateTimeOffset End => ResolutionTime(Events - 1);
}

/// <summary>
/// One group of identical miners (docs/parity.md): one record type per miner kind, each with exactly the
/// parameters of its kind. Miner ids are contiguous: the group holds <see cref="FirstMinerId"/> … FirstMinerId + Count − 1.
/// </summary>
/// <param name="Name">Group name (default: the spec's output name, e.g. <c>diff_analytic_rho=0.95</c>).</param>
/// <param name="Count">Miners in the group (≥ 1).</param>
/// <param name="FirstMinerId">Id of the first miner of the group.</param>
public abstract record MinerGroup(string Name, int Count, int FirstMinerId)
{
    /// <summary>The kind's name in scenario files (<c>kind = ...</c>) and summaries.</summary>
    public abstract string Kind { get; }
}

/// <summary><c>oracle</c>: forecasts the true probability f(x).</summary>
public sealed record OracleMiners(string Name, int Count, int FirstMinerId) : MinerGroup(Name, Count, FirstMinerId)
{
    /// <inheritdoc />
    public override string Kind => "oracle";
}

/// <summary><c>constant</c>: always forecasts <paramref name="Value"/> in [0, 1].</summary>
public sealed record ConstantMiners(string Name, int Count, int FirstMinerId, double Value) : MinerGroup(Name, Count, FirstMinerId)
{
    /// <inheritdoc />
    public override string Kind => "constant";
}

/// <summary><c>ar-depth</c>: the L-query oracle with depth <paramref name="Depth"/> = L in [0, d].</summary>
public sealed record ArDepthMiners(string Name, int Count, int FirstMinerId, int Depth) : MinerGroup(Name, Count, FirstMinerId)
{
    /// <inheritdoc />
    public override string Kind => "ar-depth";
}

/// <summary><c>random-chains</c>: <paramref name="Chains"/> = K ≥ 1 randomised query chains of depth <paramref name="Depth"/> = L.</summary>
public sealed record RandomChainsMiners(string Name, int Count, int FirstMinerId, int Depth, int Chains) : MinerGroup(Name, Count, FirstMinerId)
{
    /// <inheritdoc />
    public override string Kind => "random-chains";
}

/// <summary><c>diffusion</c>: the analytic diffusion forecaster with correlation <paramref name="Rho"/> = ρ in [0, 1].</summary>
public sealed record DiffusionMiners(string Name, int Count, int FirstMinerId, double Rho) : MinerGroup(Name, Count, FirstMinerId)
{
    /// <inheritdoc />
    public override string Kind => "diffusion";
}

/// <summary>
/// <c>faulty</c>: a test miner that sends <paramref name="Value"/> (NaN, ±∞ or any number; null = "none", no answer) in
/// a share <paramref name="Rate"/> in (0, 1] of its cells, and 0.5 elsewhere.
/// </summary>
public sealed record FaultyMiners(string Name, int Count, int FirstMinerId, double? Value, double Rate) : MinerGroup(Name, Count, FirstMinerId)
{
    /// <inheritdoc />
    public override string Kind => "faulty";
}

/// <summary><c>market-follower</c>: answers the market price, <paramref name="Delay"/> (real time) stale.</summary>
public sealed record MarketFollowerMiners(string Name, int Count, int FirstMinerId, TimeSpan Delay) : MinerGroup(Name, Count, FirstMinerId)
{
    /// <inheritdoc />
    public override string Kind => "market-follower";
}

/// <summary><c>base-rate</c> (Polymarket): answers the training split's rate of YES outcomes.</summary>
public sealed record BaseRateMiners(string Name, int Count, int FirstMinerId) : MinerGroup(Name, Count, FirstMinerId)
{
    /// <inheritdoc />
    public override string Kind => "base-rate";
}

/// <summary><c>text-baseline</c> (Polymarket): a text model trained on the training split's questions.</summary>
public sealed record TextBaselineMiners(string Name, int Count, int FirstMinerId) : MinerGroup(Name, Count, FirstMinerId)
{
    /// <inheritdoc />
    public override string Kind => "text-baseline";
}

/// <summary><c>llm</c> (Polymarket): a language model behind an OpenAI-compatible endpoint (docs/llm.md).</summary>
public sealed record LlmMiners(string Name, int Count, int FirstMinerId, MarketSim.Llm.LlmSettings Llm) : MinerGroup(Name, Count, FirstMinerId)
{
    /// <inheritdoc />
    public override string Kind => "llm";
}

/// <summary>
/// One validator: one record type per rule family, each with the effective components of its rule (the preset's, from
/// MarketSim.Scoring's table, unless the scenario overrides them).
/// </summary>
/// <param name="Name">Unique name; the journal persistence id is <c>validator-{Name}</c>.</param>
/// <param name="Rule">Rule preset (scoring.md §3).</param>
public abstract record ValidatorSettings(string Name, string Rule)
{
    /// <summary>The preset's family.</summary>
    public abstract RuleFamily Family { get; }
}

/// <summary>A <c>brier-legacy-*</c> validator.</summary>
/// <param name="Name">Unique name.</param>
/// <param name="Rule">brier-legacy-v1 | brier-legacy-v2.</param>
/// <param name="IntervalWeights">rema-exp | rema-first2 | power2.</param>
/// <param name="K">Normalisation exponent K.</param>
/// <param name="Offset">Offset subtracted before exp.</param>
public sealed record LegacyValidator(string Name, string Rule, string IntervalWeights, double K, double Offset) : ValidatorSettings(Name, Rule)
{
    /// <inheritdoc />
    public override RuleFamily Family => RuleFamily.Legacy;
}

/// <summary>A <c>peer-*</c> validator.</summary>
/// <param name="Name">Unique name.</param>
/// <param name="Rule">peer-1.3.9 | peer-1.4.3 | peer-1.4.4 | peer-1.5.5.</param>
/// <param name="IntervalWeights">rema-exp | rema-first2 | power2.</param>
/// <param name="Imputation">worst-clip | third-toward-worst.</param>
/// <param name="MovingAverage">fixed-window | class-balanced with window N.</param>
public sealed record PeerValidator(string Name, string Rule, string IntervalWeights, string Imputation, MovingAverageSettings MovingAverage) : ValidatorSettings(Name, Rule)
{
    /// <inheritdoc />
    public override RuleFamily Family => RuleFamily.Peer;
}

/// <summary>A <c>shared-quadratic</c> or <c>market-relative</c> validator: no interval grid, no components to override.</summary>
public sealed record SequentialValidator(string Name, string Rule) : ValidatorSettings(Name, Rule)
{
    /// <inheritdoc />
    public override RuleFamily Family => RuleFamily.Sequential;
}

/// <summary>Moving average across events: kind and N = number of previous events in the window.</summary>
public sealed record MovingAverageSettings(string Kind, int Window);

/// <summary>Parameters of the summary's metrics (<c>marketsim.scenario.metrics</c>; docs/parity.md).</summary>
/// <param name="ArbitrageBudget">B &gt; 0: the best bounded trader's budget in arb = B·mean(|f − q| − c)_+.</param>
/// <param name="TransactionCost">c ≥ 0: the trader's cost per unit traded.</param>
/// <param name="EceBins">ECE bins (right-closed), ≥ 1.</param>
public sealed record MetricsSettings(double ArbitrageBudget, double TransactionCost, int EceBins)
{
    /// <summary>The reference defaults: B = 1, c = 0, 20 bins.</summary>
    public static MetricsSettings Default { get; } = new(1.0, 0.0, 20);
}

/// <summary>Where and how the run persists.</summary>
/// <param name="Directory">Parent of run folders (default <c>runs</c>; <c>--out</c> replaces it).</param>
/// <param name="FlushEvents">Journal flush threshold: pending events.</param>
/// <param name="FlushBytes">Journal flush threshold: pending payload bytes.</param>
/// <param name="RecordPredictions">Persist <c>PredictionBatch</c> events (off: scores only).</param>
/// <param name="SummaryJson">Write summary.json.</param>
/// <param name="SummaryMarkdown">Write summary.md.</param>
/// <param name="RecordIntervalScores">Persist an <c>IntervalScored</c> event (per-interval scores, predictions and weights) before
/// each scored event's <c>EventScored</c> (<c>outputs.journal.record-interval-scores</c>; off: event scores only).</param>
public sealed record OutputSettings(
    string Directory,
    int FlushEvents,
    long FlushBytes,
    bool RecordPredictions,
    bool SummaryJson,
    bool SummaryMarkdown,
    bool RecordIntervalScores = true);


/// <summary>
/// The market maker of a run (docs/marketmaker.md). <c>replay</c> (Polymarket world): it quotes the real price path;
/// <c>none</c>: no market maker; <c>auto</c>: replay in a replay, none otherwise; <c>lmsr</c>: a logarithmic market scoring rule per event with liquidity <paramref name="Liquidity"/>, opened at
/// <paramref name="InitialPrice"/>; every miner of the <paramref name="Traders"/> groups (empty = every group that is
/// not a market follower) trades toward its answer each interval, spending at most <paramref name="MaxSpend"/> per
/// trade from a budget of <paramref name="Budget"/>. Its quotes feed market-follower miners and the market-relative rule.
/// </summary>
public sealed record MarketMakerSettings(string Kind, double Liquidity, double InitialPrice, double Budget, double MaxSpend, EquatableList<string> Traders)
{
    /// <summary>The reference defaults: <c>auto</c>, liquidity 100, opened at 0.5, budget 1000, at most 10 per trade, every non-follower group trades.</summary>
    public static MarketMakerSettings Default { get; } = new("auto", 100, 0.5, 1000, 10, new EquatableList<string>([]));

    /// <summary>True when the market maker is an LMSR that miners trade against.</summary>
    public bool IsLmsr => Kind == "lmsr";

    /// <summary>The kind that plays: <c>auto</c> is <c>replay</c> in a Polymarket world and <c>none</c> in the parity world.</summary>
    public string EffectiveKind(string worldKind) => Kind == "auto" ? (worldKind == "polymarket" ? "replay" : "none") : Kind;
}
