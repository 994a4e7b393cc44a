using MarketSim.Simulation.Parity;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Simulation.Run;

/// <summary>
/// The EventIssuer of a parity world (docs/parity.md): event i is the point z_i ∈ {−1,1}^d of row i, with truth
/// f(z_i) and a hidden outcome y_i ~ Bernoulli(f(z_i)), both functions of (seed, i) only. It is issued, cut off and
/// resolved at the times of <see cref="TimelineSettings"/>. Only open events are held: memory is flat in the number
/// of resolved events.
/// </summary>
public sealed class ParityEventIssuer : IRunWorld
{
    private readonly TimelineSettings _timeline;
    private readonly SortedDictionary<long, ParityEvent> _open = [];
    private long _nextToIssue;

    /// <summary>The issuer of a parity scenario; throws <see cref="NotSupportedException"/> for another world.</summary>
    public ParityEventIssuer(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        if (scenario.World is not ParityWorldSettings w)
        {
            throw new NotSupportedException($"world '{scenario.World.Kind}' is not the parity world");
        }

        World = new ParityWorld(w.D, w.K, w.Alpha, scenario.Seed, w.ParitySet);
        _timeline = scenario.Timeline;
        TotalEvents = _timeline.Events;
    }

    /// <summary>The parity world the events are drawn from.</summary>
    public ParityWorld World { get; }

    /// <inheritdoc />
    public DateTimeOffset FirstIssue => _timeline.IssueTime(0);

    /// <inheritdoc />
    public DateTimeOffset LastResolution => _timeline.End;

    /// <summary>Miners of the scenario (for <see cref="CreateShard"/>).</summary>
    public IReadOnlyList<MinerGroup> Miners { get; init; } = [];

    /// <inheritdoc />
    public IShardModel CreateShard(int shard, int firstMiner, int count) => new MinerShard(shard, firstMiner, count, Miners, World);

    IReadOnlyList<WorldEvent> IRunWorld.IssueUpTo(DateTimeOffset now) => [.. IssueUpTo(now).Select(ToWorld)];

    IReadOnlyList<WorldEvent> IRunWorld.ResolveUpTo(DateTimeOffset now) => [.. ResolveUpTo(now).Select(ToWorld)];

    void IRunWorld.Answerable(DateTimeOffset now, List<long> ids, List<sbyte> chi, List<double> prices)
    {
        prices.Clear();
        Answerable(now, ids, chi);
    }

    private static WorldEvent ToWorld(ParityEvent e) => new(e.Id, e.IssuedAt, e.CutoffAt, e.ResolvesAt, e.Bits, string.Empty, e.Outcome, e.Truth);

    /// <summary>Events the run issues in all.</summary>
    public long TotalEvents { get; }

    /// <summary>Events issued so far.</summary>
    public long Issued => _nextToIssue;

    /// <summary>Events resolved so far.</summary>
    public long Resolved { get; private set; }

    /// <summary>Events issued but not yet resolved.</summary>
    public int OpenCount => _open.Count;

    /// <summary>True when every event has been issued and resolved.</summary>
    public bool Done => _nextToIssue == TotalEvents && _open.Count == 0;

    /// <summary>Issues every event whose issue time is at or before <paramref name="now"/>, ascending by id.</summary>
    public List<ParityEvent> IssueUpTo(DateTimeOffset now)
    {
        var issued = new List<ParityEvent>();
        while (_nextToIssue < TotalEvents && _timeline.IssueTime(_nextToIssue) <= now)
        {
            var i = _nextToIssue++;
            var row = World.Generate(i, 1);
            var e = new ParityEvent(i, _timeline.IssueTime(i), _timeline.CutoffTime(i), _timeline.ResolutionTime(i), row.Bits![0], row.Chi[0], row.F[0], row.Y[0]);
            _open.Add(i, e);
            issued.Add(e);
        }

        return issued;
    }

    /// <summary>Open events that still take answers at <paramref name="now"/> (issued ≤ now &lt; cutoff), ascending by id.</summary>
    public void Answerable(DateTimeOffset now, List<long> ids, List<sbyte> chi)
    {
        ids.Clear();
        chi.Clear();
        foreach (var e in _open.Values)
        {
            if (e.IssuedAt <= now && now < e.CutoffAt)
            {
                ids.Add(e.Id);
                chi.Add(e.Chi);
            }
        }
    }

    /// <summary>Resolves (and forgets) every open event whose resolution time is at or before <paramref name="now"/>, ascending by id.</summary>
    public List<ParityEvent> ResolveUpTo(DateTimeOffset now)
    {
        var resolved = new List<ParityEvent>();
        foreach (var e in _open.Values)
        {
            if (e.ResolvesAt <= now)
            {
                resolved.Add(e);
            }
        }

        foreach (var e in resolved)
        {
            _open.Remove(e.Id);
        }

        Resolved += resolved.Count;
        return resolved;
    }
}

/// <summary>One parity event: inputs (bit j set iff z_j = +1), χ_S, truth f and the outcome (hidden until resolution).</summary>
public sealed record ParityEvent(long Id, DateTimeOffset IssuedAt, DateTimeOffset CutoffAt, DateTimeOffset ResolvesAt, ulong Bits, sbyte Chi, double Truth, byte Outcome);
