namespace MarketSim.Simulation.Journal;

/// <summary>
/// The score-stream events a run persists (docs/journal.md). Times are virtual UTC ticks (<see cref="DateTime.Ticks"/>),
/// never wall-clock. Per-miner data is columnar: parallel arrays, one element per miner.
/// </summary>
public abstract record ScoreEvent;

/// <summary>First event of a run (persistence id <c>run</c>).</summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Seed">Root seed.</param>
/// <param name="Miners">Number of miners.</param>
/// <param name="Validators">Number of validators.</param>
/// <param name="Events">Events the run will issue.</param>
/// <param name="ScenarioHocon">The resolved scenario (scenario.conf text), so the journal is self-describing.</param>
public sealed record RunStarted(string Scenario, long Seed, int Miners, int Validators, long Events, string ScenarioHocon) : ScoreEvent;

/// <summary>Last event of a complete run (persistence id <c>run</c>).</summary>
/// <param name="Events">Events issued.</param>
/// <param name="Predictions">Predictions recorded.</param>
/// <param name="Intervals">Grid intervals played.</param>
public sealed record RunCompleted(long Events, long Predictions, long Intervals) : ScoreEvent;

/// <summary>The issuer opened an event (persistence id <c>issuer</c>).</summary>
/// <param name="EventId">Run-wide event id (0, 1, 2, …).</param>
/// <param name="IssuedAt">Issue time, UTC ticks.</param>
/// <param name="CutoffAt">Cutoff, UTC ticks.</param>
/// <param name="ResolvesAt">Scheduled resolution, UTC ticks.</param>
/// <param name="Inputs">Parity world: bit i set when z_i = +1 (d ≤ 64); 0 for other worlds.</param>
/// <param name="Reference">World-specific reference (e.g. a market slug); empty for parity.</param>
public sealed record EventIssued(long EventId, long IssuedAt, long CutoffAt, long ResolvesAt, ulong Inputs, string Reference) : ScoreEvent;

/// <summary>An event resolved (persistence id <c>issuer</c>).</summary>
/// <param name="EventId">Event id.</param>
/// <param name="ResolvedAt">Resolution time, UTC ticks.</param>
/// <param name="Outcome">0 or 1.</param>
/// <param name="Truth">The world's true probability f, revealed at resolution; NaN when unknown (real markets).</param>
public sealed record EventResolved(long EventId, long ResolvedAt, byte Outcome, double Truth) : ScoreEvent;

/// <summary>
/// One miner shard's answers for one grid interval (persistence id <c>shard-{n}</c>), columnar:
/// <see cref="Probabilities"/>[m · EventIds.Length + e] is miner <see cref="MinerIds"/>[m]'s answer for event <see cref="EventIds"/>[e].
/// Presence is explicit: <see cref="Answered"/> is a bitmap over the same cells (bit c of byte c / 8, least significant bit
/// first) and null when every cell was answered. An answered cell holds the raw value the miner sent — NaN, ±∞ or out of
/// [0, 1] included, so the journal shows what was sent; validators reject those (scoring.md §3). An unanswered cell's value
/// is meaningless (NaN by convention).
/// </summary>
/// <param name="Interval">Grid interval index k since the epoch.</param>
/// <param name="Shard">Shard number.</param>
/// <param name="EventIds">Open events, ascending.</param>
/// <param name="MinerIds">Miners of the shard, ascending.</param>
/// <param name="Probabilities">Miner-major matrix, MinerIds.Length × EventIds.Length.</param>
/// <param name="Answered">Presence bitmap of ⌈M·E / 8⌉ bytes, or null = every cell answered.</param>
public sealed record PredictionBatch(long Interval, int Shard, long[] EventIds, int[] MinerIds, double[] Probabilities, byte[]? Answered = null) : ScoreEvent
{
    /// <summary>Number of cells (answered or not).</summary>
    public long Count => (long)EventIds.Length * MinerIds.Length;

    /// <summary>Number of answered cells.</summary>
    public long AnsweredCount
    {
        get
        {
            if (Answered is null)
            {
                return Count;
            }

            long n = 0;
            foreach (var b in Answered)
            {
                n += System.Numerics.BitOperations.PopCount(b);
            }

            return n;
        }
    }

    /// <summary>The raw value of the m-th miner for the e-th event (meaningless when <see cref="IsAnswered(int, int)"/> is false).</summary>
    public double this[int miner, int evt] => Probabilities[(miner * EventIds.Length) + evt];

    /// <summary>
    /// Marks cell <paramref name="cell"/> of a <paramref name="cells"/>-cell batch unanswered, creating the presence bitmap
    /// (every cell answered) on first use.
    /// </summary>
    public static void MarkUnanswered(ref byte[]? answered, int cells, int cell)
    {
        if (answered is null)
        {
            answered = new byte[BitmapLength(cells)];
            Array.Fill(answered, (byte)0xFF);
            if ((cells & 7) != 0)
            {
                answered[^1] = (byte)((1 << (cells & 7)) - 1);
            }
        }

        answered[cell >> 3] &= (byte)~(1 << (cell & 7));
    }

    /// <summary>Bytes of a presence bitmap over <paramref name="cells"/> cells.</summary>
    public static int BitmapLength(long cells) => checked((int)((cells + 7) / 8));

    /// <summary>Whether cell <paramref name="cell"/> (= m · E + e) was answered.</summary>
    public bool IsAnswered(int cell) => Answered is null || (Answered[cell >> 3] & (1 << (cell & 7))) != 0;

    /// <summary>Whether the m-th miner answered the e-th event.</summary>
    public bool IsAnswered(int miner, int evt) => IsAnswered((miner * EventIds.Length) + evt);

    /// <summary>
    /// A batch from a matrix in the version-1 convention (NaN = no answer): NaN cells become unanswered, the bitmap is
    /// null when every cell is answered.
    /// </summary>
    public static PredictionBatch FromNaNAsMissing(long interval, int shard, long[] eventIds, int[] minerIds, double[] probabilities)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        byte[]? answered = null;
        for (var c = 0; c < probabilities.Length; c++)
        {
            if (double.IsNaN(probabilities[c]))
            {
                if (answered is null)
                {
                    answered = new byte[BitmapLength(probabilities.Length)];
                    for (var i = 0; i < c; i++)
                    {
                        answered[i >> 3] |= (byte)(1 << (i & 7));
                    }
                }
            }
            else if (answered is not null)
            {
                answered[c >> 3] |= (byte)(1 << (c & 7));
            }
        }

        return new PredictionBatch(interval, shard, eventIds, minerIds, probabilities, answered);
    }
}

/// <summary>
/// The per-interval detail of a scored event (persistence id <c>validator-{name}</c>), journaled just before its
/// <see cref="EventScored"/> when <c>outputs.journal.record-interval-scores</c> is on. Columnar, interval-major:
/// cell <c>c = k · MinerIds.Length + j</c> is miner <see cref="MinerIds"/>[j] in the event's k-th scored interval, whose
/// grid interval index is <see cref="FirstInterval"/> + k (the <c>Interval</c> of the <see cref="PredictionBatch"/>es it
/// scores). With the weights w_k the cells give the event score of <see cref="EventScored"/> (scoring.md §6.1, §7.5):
/// peer <c>(Σ_k w_k · s_{j,k}) · (1 / Σ_k w_k)</c>, legacy <c>(Σ_k w_k · S_{j,k}) / Σ_k w_k</c>.
/// </summary>
/// <param name="Validator">Validator name.</param>
/// <param name="EventId">Event id.</param>
/// <param name="FirstInterval">Grid interval index of the first scored interval (align(A) / interval length).</param>
/// <param name="Weights">Interval weights w_k, one per scored interval (n = length).</param>
/// <param name="MinerIds">Scored miners, ascending (those of the event's <see cref="EventScored"/>).</param>
/// <param name="Scores">Per-(interval, miner) score, n × MinerIds.Length, interval-major (peer: 0 for a new cell).</param>
/// <param name="Predictions">Per-(interval, miner) prediction the rule used after imputation (same shape), or empty when not recorded.</param>
public sealed record IntervalScored(string Validator, long EventId, long FirstInterval, double[] Weights, int[] MinerIds, double[] Scores, double[] Predictions) : ScoreEvent
{
    /// <summary>Scored intervals n.</summary>
    public int Intervals => Weights.Length;

    /// <summary>Score of the j-th miner in the k-th scored interval.</summary>
    public double Score(int miner, int interval) => Scores[(interval * MinerIds.Length) + miner];
}

/// <summary>A validator scored a resolved event (persistence id <c>validator-{name}</c>).</summary>
/// <param name="Validator">Validator name.</param>
/// <param name="EventId">Event id.</param>
/// <param name="Outcome">0 or 1.</param>
/// <param name="Intervals">Scored intervals n (0: discarded).</param>
/// <param name="MinerIds">Scored miners, ascending.</param>
/// <param name="Scores">Per-miner event score.</param>
/// <param name="WeightedPredictions">Per-miner weighted prediction (scoring.md §6.1, §7.6).</param>
public sealed record EventScored(string Validator, long EventId, byte Outcome, int Intervals, int[] MinerIds, double[] Scores, double[] WeightedPredictions) : ScoreEvent;

/// <summary>The validator's moving average after an event (persistence id <c>validator-{name}</c>).</summary>
/// <param name="Validator">Validator name.</param>
/// <param name="EventId">The event that moved it.</param>
/// <param name="MinerIds">Miners, ascending.</param>
/// <param name="Values">Per-miner moving average L_m (or the legacy effective score).</param>
public sealed record MovingAverageUpdated(string Validator, long EventId, int[] MinerIds, double[] Values) : ScoreEvent;

/// <summary>The validator set weights (persistence id <c>validator-{name}</c>).</summary>
/// <param name="Validator">Validator name.</param>
/// <param name="EventId">The last event included.</param>
/// <param name="MinerIds">Miners, ascending.</param>
/// <param name="Weights">Per-miner weight; they sum to 1.</param>
public sealed record WeightsUpdated(string Validator, long EventId, int[] MinerIds, double[] Weights) : ScoreEvent;

/// <summary>
/// The LMSR market maker settled an event's market (persistence id <c>marketmaker</c>, tag <c>market</c>):
/// outcome, last quote, trades, the market maker's P&amp;L (revenue − payout) and each trading miner's P&amp;L in it
/// (winning shares − net cash paid), miners ascending.
/// </summary>
public sealed record MarketSettled(long EventId, byte Outcome, double FinalPrice, long Trades, double MarketMakerPnl, int[] AgentIds, double[] AgentPnl) : ScoreEvent;

/// <summary>Persistence ids and tags used by a run (docs/journal.md).</summary>
public static class JournalIds
{
    /// <summary>RunStarted, RunCompleted.</summary>
    public const string Run = "run";

    /// <summary>EventIssued, EventResolved.</summary>
    public const string Issuer = "issuer";

    /// <summary>MarketSettled.</summary>
    public const string MarketMaker = "marketmaker";

    /// <summary>Tag of MarketSettled.</summary>
    public const string MarketTag = "market";

    /// <summary>Tag of every PredictionBatch.</summary>
    public const string PredictionsTag = "predictions";

    /// <summary>Tag of EventIssued and EventResolved.</summary>
    public const string EventsTag = "events";

    /// <summary>Tag of IntervalScored, EventScored, MovingAverageUpdated and WeightsUpdated.</summary>
    public const string ScoresTag = "scores";

    /// <summary>Tag of RunStarted, RunCompleted.</summary>
    public const string LifecycleTag = "lifecycle";

    /// <summary>Persistence id of miner shard <paramref name="shard"/>.</summary>
    public static string Shard(int shard) => "shard-" + shard.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Persistence id of a validator.</summary>
    public static string Validator(string name) => "validator-" + name;

    /// <summary>The default tag of an event type.</summary>
    public static string TagOf(ScoreEvent e) => e switch
    {
        PredictionBatch => PredictionsTag,
        EventIssued or EventResolved => EventsTag,
        IntervalScored or EventScored or MovingAverageUpdated or WeightsUpdated => ScoresTag,
        MarketSettled => MarketTag,
        _ => LifecycleTag,
    };
}
