namespace MarketSim.Simulation.Run;

/// <summary>
/// The world a run plays (the scenario's <c>world.kind</c>): it issues events on the virtual timeline, says which take
/// answers at an instant and what miners see of them, resolves them, and makes the miner shards. Implemented by the
/// parity world (<see cref="ParityEventIssuer"/>) and the Polymarket replay (<c>MarketSim.Polymarket.World.PolymarketWorld</c>).
/// </summary>
public interface IRunWorld
{
    /// <summary>Events the run will issue.</summary>
    long TotalEvents { get; }

    /// <summary>Events issued so far.</summary>
    long Issued { get; }

    /// <summary>Events resolved so far.</summary>
    long Resolved { get; }

    /// <summary>True when every event has been issued and resolved.</summary>
    bool Done { get; }

    /// <summary>Issue time of the first event.</summary>
    DateTimeOffset FirstIssue { get; }

    /// <summary>Resolution time of the last event.</summary>
    DateTimeOffset LastResolution { get; }

    /// <summary>Issues every event due at or before <paramref name="now"/>, ascending by id.</summary>
    IReadOnlyList<WorldEvent> IssueUpTo(DateTimeOffset now);

    /// <summary>
    /// Open events that take answers at <paramref name="now"/> (issued ≤ now &lt; cutoff), ascending by id, with what
    /// miners see: χ_S for parity (<paramref name="chi"/>), the market price at <paramref name="now"/> for a replay
    /// (<paramref name="prices"/>, NaN where none is defined yet). A world fills only its own list.
    /// </summary>
    void Answerable(DateTimeOffset now, List<long> ids, List<sbyte> chi, List<double> prices);

    /// <summary>Resolves (and forgets) every open event due at or before <paramref name="now"/>, ascending by id.</summary>
    IReadOnlyList<WorldEvent> ResolveUpTo(DateTimeOffset now);

    /// <summary>The model of miner shard <paramref name="shard"/>: miners <paramref name="firstMiner"/>… (<paramref name="count"/> of them).</summary>
    IShardModel CreateShard(int shard, int firstMiner, int count);
}

/// <summary>An event as the journal records it.</summary>
/// <param name="Id">Run-wide event id.</param>
/// <param name="IssuedAt">Issue time (virtual).</param>
/// <param name="CutoffAt">Cutoff (virtual).</param>
/// <param name="ResolvesAt">Resolution (virtual).</param>
/// <param name="Inputs">Parity: input bits; 0 otherwise.</param>
/// <param name="Reference">Replay: the market's condition id; empty for parity.</param>
/// <param name="Outcome">0 or 1 (hidden until resolution).</param>
/// <param name="Truth">Parity: f(z); NaN for real markets.</param>
public sealed record WorldEvent(long Id, DateTimeOffset IssuedAt, DateTimeOffset CutoffAt, DateTimeOffset ResolvesAt, ulong Inputs, string Reference, byte Outcome, double Truth);

/// <summary>A miner shard's forecasters: one columnar batch per interval.</summary>
public interface IShardModel
{
    /// <summary>Index of the shard.</summary>
    int Shard { get; }

    /// <summary>Miner ids, ascending.</summary>
    int[] MinerIds { get; }

    /// <summary>The shard's answers for one interval (see <see cref="IntervalOpened"/>).</summary>
    Journal.PredictionBatch Answer(IntervalOpened opened);

    /// <summary>
    /// True when answering waits on I/O (LLM miners behind HTTP endpoints): the shard's actor then calls
    /// <see cref="AnswerAsync"/> and receives the batch as a message, so it never blocks a thread while it waits.
    /// </summary>
    bool AnswersAsynchronously => false;

    /// <summary>The shard's answers for one interval, asynchronously (the default computes <see cref="Answer"/> at once).</summary>
    Task<Journal.PredictionBatch> AnswerAsync(IntervalOpened opened, CancellationToken cancellation) => Task.FromResult(Answer(opened));
}
