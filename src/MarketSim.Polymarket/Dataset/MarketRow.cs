namespace MarketSim.Polymarket.Dataset;

/// <summary>
/// One resolved yes/no market of a MarketSim Polymarket dataset (docs/polymarket.md, docs/polymarket.md).
/// Column names follow Gamma and the harness so datasets built elsewhere load unchanged; times are UTC.
/// </summary>
/// <param name="Id">Gamma market id (may be empty when a source has none; then <paramref name="ConditionId"/> or <paramref name="Slug"/> identifies it).</param>
/// <param name="ConditionId">Lower-case <c>0x…</c> condition id, the join key across sources; empty when unknown.</param>
/// <param name="Question">Question text.</param>
/// <param name="Description">Resolution rules, when known.</param>
/// <param name="Slug">Gamma slug, when known.</param>
/// <param name="Category">Category or first tag, when known.</param>
/// <param name="Y">1 if the YES outcome won, 0 if NO won.</param>
/// <param name="YesTokenId">CLOB token id of YES (decimal string), when known.</param>
/// <param name="NoTokenId">CLOB token id of NO, when known.</param>
/// <param name="CreatedAt">Market open.</param>
/// <param name="EndDate">Scheduled end.</param>
/// <param name="ClosedTime">Trading closed.</param>
/// <param name="ResolvedAt">Resolution time when known (else null; replays use <c>closedTime</c>, then <c>endDate</c>).</param>
/// <param name="VolumeNum">USD volume.</param>
/// <param name="LastTradePrice">Final traded price of YES.</param>
/// <param name="Price">The market probability of YES and how it was chosen (§4), or null.</param>
/// <param name="Source">Provenance: which source(s) the row came from, e.g. <c>outcomes.csv+events_chunk_3.json</c>.</param>
public sealed record MarketRow(
    string Id,
    string ConditionId,
    string Question,
    string? Description,
    string? Slug,
    string? Category,
    int Y,
    string? YesTokenId,
    string? NoTokenId,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? EndDate,
    DateTimeOffset? ClosedTime,
    DateTimeOffset? ResolvedAt,
    double? VolumeNum,
    double? LastTradePrice,
    MarketPrice? Price,
    string Source);

/// <summary>A market probability and how it was chosen (docs/polymarket.md).</summary>
/// <param name="Criterion">e.g. <c>midpoint</c>, <c>time-average</c>, <c>before-close-days-7</c>, <c>horizon-7d</c>, <c>prev-daily-bar</c>.</param>
/// <param name="HistoryStartTs">Open of the price history (unix s).</param>
/// <param name="HistoryEndTs">Close of the price history (unix s).</param>
/// <param name="TargetTs">The criterion's instant (unix s).</param>
/// <param name="ProbTs">Start of the segment whose value was used (unix s).</param>
/// <param name="EventTs">The market's event time (= close, unix s).</param>
/// <param name="Prob">The YES probability.</param>
public sealed record MarketPrice(string Criterion, long HistoryStartTs, long HistoryEndTs, long TargetTs, long ProbTs, long EventTs, double Prob);

/// <summary>One point of a CLOB price history: unix seconds and price of the token.</summary>
public readonly record struct PricePoint(long T, double P);
