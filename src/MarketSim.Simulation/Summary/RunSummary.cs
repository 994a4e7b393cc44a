namespace MarketSim.Simulation.Summary;

/// <summary>
/// The summary of a run, computed from its journal only (<c>MarketSim.Journal.Summary.SummaryBuilder.FromJournal</c>): one row per
/// forecaster (miner group) with the parity.md §4 metrics over every recorded prediction, group calibration over
/// subcubes, and per validator the mean event score and the final weight.
/// </summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Description">Scenario description.</param>
/// <param name="Seed">Root seed.</param>
/// <param name="ParitySet">The world's S.</param>
/// <param name="Events">Events resolved.</param>
/// <param name="Predictions">Predictions recorded (cells of every PredictionBatch, answers only).</param>
/// <param name="Intervals">Intervals played.</param>
/// <param name="Rejected">Recorded answers that are NaN, infinite or outside [0, 1] (rejected, never scored).</param>
/// <param name="Bins">ECE bins.</param>
/// <param name="Budget">Trader budget B of the arbitrage metric.</param>
/// <param name="Cost">Transaction cost c of the arbitrage metric.</param>
/// <param name="GroupSubsetsEvaluated">Number of conditioning sets J (S included) over which <see cref="ForecasterSummary.GroupCalWorst"/> is taken (0 when not computed).</param>
/// <param name="GroupExhaustive">Whether those were every k-subset of the d coordinates (else a deterministic sample, <c>SummaryBuilder</c>).</param>
/// <param name="Forecasters">One row per miner group, in scenario order.</param>
/// <param name="Validators">The validators, in scenario order.</param>
public sealed record RunSummary(
    string Scenario,
    string Description,
    long Seed,
    IReadOnlyList<int> ParitySet,
    long Events,
    long Predictions,
    long Intervals,
    long Rejected,
    int Bins,
    double Budget,
    double Cost,
    long GroupSubsetsEvaluated,
    bool GroupExhaustive,
    IReadOnlyList<ForecasterSummary> Forecasters,
    IReadOnlyList<ValidatorSummary> Validators)
{
    /// <summary>The LMSR market maker's figures (null without one).</summary>
    public MarketMakerSummary? MarketMaker { get; init; }
}

/// <summary>What the LMSR market maker did: markets settled, trades, its P&amp;L, and the trading P&amp;L of each forecaster (sum over its miners).</summary>
public sealed record MarketMakerSummary(long Markets, long Trades, double Pnl, IReadOnlyList<(string Forecaster, double Pnl)> Forecasters);

/// <summary>One forecaster (miner group).</summary>
/// <param name="Name">Group name (parity.md §3 output name by default).</param>
/// <param name="Kind">Miner kind.</param>
/// <param name="Miners">Miners in the group.</param>
/// <param name="Predictions">Predictions evaluated.</param>
/// <param name="Rejected">Answers rejected (NaN, infinite or outside [0, 1]).</param>
/// <param name="Brier">mean (q − y)².</param>
/// <param name="LogLoss">mean log loss, q clipped to [1e−6, 1 − 1e−6].</param>
/// <param name="Sce">mean (q − f)².</param>
/// <param name="Ece">ECE over equal-width right-closed bins.</param>
/// <param name="ArbProfit">B · mean (|f − q| − c)_+.</param>
/// <param name="GroupCalS">max over the 2^k subcubes of J = S of |mean (f − q)|.</param>
/// <param name="GroupCalWorst">The same maximum over a bounded set of k-subsets J (S and sampled ones).</param>
/// <param name="Validators">Per validator: mean event score and final weight.</param>
public sealed record ForecasterSummary(
    string Name,
    string Kind,
    int Miners,
    long Predictions,
    long Rejected,
    double Brier,
    double LogLoss,
    double Sce,
    double Ece,
    double ArbProfit,
    double GroupCalS,
    double GroupCalWorst,
    IReadOnlyList<ValidatorColumns> Validators);

/// <summary>A forecaster's figures under one validator.</summary>
/// <param name="Validator">Validator name.</param>
/// <param name="MeanScore">Mean event score over the group's rows (peer score, or time-weighted Brier score for legacy rules).</param>
/// <param name="Weight">The group's share of the validator's final weights (sum over its miners; NaN when none were set).</param>
public sealed record ValidatorColumns(string Validator, double MeanScore, double Weight);

/// <summary>One validator.</summary>
/// <param name="Name">Validator name.</param>
/// <param name="Rule">Rule preset.</param>
/// <param name="EventsScored">Events scored.</param>
/// <param name="EventsDiscarded">Events discarded (no scored interval or no answer).</param>
/// <param name="WeightUpdates">Weight updates recorded.</param>
public sealed record ValidatorSummary(string Name, string Rule, long EventsScored, long EventsDiscarded, long WeightUpdates);
