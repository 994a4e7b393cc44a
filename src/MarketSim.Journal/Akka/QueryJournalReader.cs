using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;

namespace MarketSim.Journal.Akka;

/// <summary>
/// A run journal read through Akka.Persistence.Query — the read journal built into Akka.Persistence.Sql
/// (<see cref="SqlReadJournal"/>): every stream is read with <c>CurrentEventsByPersistenceId</c>, lazily and with back
/// pressure, and the multi-stream queries merge the streams in canonical order (<see cref="IRunJournalReader"/>). Works
/// on any actor system whose configuration names the run's journal (<see cref="JournalConfig.Akka"/>): the run's own
/// while it plays, or one made just to read (<see cref="Open"/>).
/// </summary>
public sealed class QueryJournalReader : IRunJournalReader
{
    /// <summary>Events handed over from a stream's query at a time.</summary>
    private const int PullGroup = 256;

    private readonly ActorSystem _system;
    private readonly bool _ownsSystem;
    private readonly JournalConfig.Target? _target;
    private readonly SqlReadJournal _queries;
    private readonly IMaterializer _materializer;
    private Dictionary<string, int>? _validatorRanks;
    private Dictionary<string, IReadOnlyList<string>>? _streamTags;

    /// <summary>A reader on <paramref name="system"/>; when <paramref name="ownsSystem"/>, disposing it terminates the system.</summary>
    public QueryJournalReader(ActorSystem system, string location, bool ownsSystem = false)
        : this(system, location, ownsSystem, null)
    {
    }

    private QueryJournalReader(ActorSystem system, string location, bool ownsSystem, JournalConfig.Target? target)
    {
        _target = target;
        ArgumentNullException.ThrowIfNull(system);
        _system = system;
        _ownsSystem = ownsSystem;
        Location = location;
        _queries = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(JournalConfig.QueryPluginId);
        _materializer = system.Materializer(namePrefix: "journal-reader");
    }

    /// <inheritdoc/>
    public string Location { get; }

    /// <summary>Opens <paramref name="target"/> on an actor system of its own (terminated with the reader).</summary>
    public static QueryJournalReader Open(JournalConfig.Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var config = global::Akka.Configuration.ConfigurationFactory.ParseString("""
            akka.loglevel = OFF
            akka.stdout-loglevel = OFF
            akka.log-dead-letters = off
            akka.log-dead-letters-during-shutdown = off
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            """).WithFallback(JournalConfig.Akka(target, autoInitialize: false));
        var setup = global::Akka.Actor.BootstrapSetup.Create().WithConfig(config).And(JournalConfig.Setup(target));
        return new QueryJournalReader(ActorSystem.Create("marketsim-journal", setup), target.Location, ownsSystem: true, target);
    }

    /// <inheritdoc/>
    public IEnumerable<JournalEnvelope> EventsByPersistenceId(string persistenceId, long fromSequenceNr = 1, long toSequenceNr = long.MaxValue, long max = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        if (max <= 0 || toSequenceNr < fromSequenceNr)
        {
            yield break;
        }

        // Sequence numbers have no gaps: at most max events lie in [from, from + max - 1].
        fromSequenceNr = Math.Max(1, fromSequenceNr);
        if (max < long.MaxValue - fromSequenceNr)
        {
            toSequenceNr = Math.Min(toSequenceNr, fromSequenceNr + max - 1);
        }

        // Pulled in groups: one asynchronous hand-over per group instead of per event (the merge reads every stream at once).
        var source = _queries.CurrentEventsByPersistenceId(persistenceId, fromSequenceNr, toSequenceNr).Grouped(PullGroup);
        var (stop, queue) = source
            .ViaMaterialized(KillSwitches.Single<IEnumerable<EventEnvelope>>(), Keep.Right)
            .ToMaterialized(Sink.Queue<IEnumerable<EventEnvelope>>(), Keep.Both)
            .Run(_materializer);
        var expected = Math.Max(1, fromSequenceNr);
        long taken = 0;
        try
        {
            while (taken < max)
            {
                IEnumerable<EventEnvelope>? group;
                try
                {
                    var next = queue.PullAsync().GetAwaiter().GetResult();
                    group = next.HasValue ? next.Value : null;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A failed stream drops the good events read with the bad one: find the row that fails on its own.
                    throw new JournalCorruptException(persistenceId, LocateDamage(persistenceId, expected, toSequenceNr), 0, Describe(e), e);
                }

                if (group is null)
                {
                    yield break;
                }

                foreach (var env in group)
                {
                    if (env.Event is not ScoreEvent evt)
                    {
                        throw new JournalCorruptException(persistenceId, env.SequenceNr, Ordering(env), $"holds a {env.Event?.GetType().Name ?? "null"}, not a score event");
                    }

                    expected = env.SequenceNr + 1;
                    if (taken++ >= max)
                    {
                        yield break;
                    }

                    yield return new JournalEnvelope(Ordering(env), env.PersistenceId, env.SequenceNr, env.Timestamp, evt, env.Tags ?? []);
                }
            }
        }
        finally
        {
            stop.Shutdown();
        }
    }

    /// <summary>The first sequence number from <paramref name="from"/> on whose row cannot be read alone (<paramref name="from"/> when none is found).</summary>
    private long LocateDamage(string persistenceId, long from, long to)
    {
        for (var seq = from; seq <= to && seq < from + 10_000; seq++)
        {
            try
            {
                var one = _queries.CurrentEventsByPersistenceId(persistenceId, seq, seq).RunWith(Sink.Seq<EventEnvelope>(), _materializer).GetAwaiter().GetResult();
                if (one.Count == 0)
                {
                    break;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return seq;
            }
        }

        return from;
    }

    /// <inheritdoc/>
    public IEnumerable<JournalEnvelope> EventsByTag(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        // A stream's events all carry its one tag (docs/journal.md): the streams of a tag are found from their first events.
        _streamTags ??= PersistenceIds().ToDictionary(pid => pid, pid => EventsByPersistenceId(pid, 1, 1, 1).FirstOrDefault()?.Tags ?? [], StringComparer.Ordinal);
        var pids = _streamTags.Where(s => s.Value.Contains(tag)).Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
        return Merge(pids).Where(e => e.Tags.Contains(tag));
    }

    /// <inheritdoc/>
    public IEnumerable<JournalEnvelope> AllEvents() => Merge(PersistenceIds());

    /// <inheritdoc/>
    public IReadOnlyList<string> PersistenceIds()
    {
        var ids = _queries.CurrentPersistenceIds()
            .RunWith(Sink.Seq<string>(), _materializer)
            .GetAwaiter().GetResult();
        return [.. ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <inheritdoc/>
    public long HighestSequenceNr(string persistenceId)
    {
        long last = 0;
        foreach (var e in EventsByPersistenceId(persistenceId))
        {
            last = e.SequenceNr;
        }

        return last;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsSystem)
        {
            _system.Terminate().Wait(TimeSpan.FromSeconds(10));
            if (_target is not null)
            {
                RunJournals.Close(_target);
            }
        }
    }

    /// <summary>
    /// The streams <paramref name="pids"/> merged in canonical order: (virtual time, phase of the event within an
    /// interval, rank of the stream within the phase, sequence number).
    /// </summary>
    private IEnumerable<JournalEnvelope> Merge(IReadOnlyList<string> pids)
    {
        var heads = new List<IEnumerator<JournalEnvelope>>();
        try
        {
            var queue = new PriorityQueue<int, (long Time, int Phase, int Rank, long Seq)>();
            foreach (var pid in pids)
            {
                var it = EventsByPersistenceId(pid).GetEnumerator();
                heads.Add(it);
                if (it.MoveNext())
                {
                    queue.Enqueue(heads.Count - 1, Key(it.Current));
                }
            }

            while (queue.TryDequeue(out var i, out _))
            {
                var it = heads[i];
                yield return it.Current;
                if (it.MoveNext())
                {
                    queue.Enqueue(i, Key(it.Current));
                }
            }
        }
        finally
        {
            foreach (var it in heads)
            {
                it.Dispose();
            }
        }
    }

    private (long Time, int Phase, int Rank, long Seq) Key(JournalEnvelope e) => (e.Timestamp, Phase(e.Event), Rank(e.PersistenceId), e.SequenceNr);

    /// <summary>Where an event comes within one interval of a run (RunCoordinator's order).</summary>
    private static int Phase(ScoreEvent e) => e switch
    {
        RunStarted => 0,
        EventIssued => 1,
        PredictionBatch => 2,
        EventResolved => 3,
        MarketSettled => 4,
        RunCompleted => 6,
        _ => 5,
    };

    /// <summary>Shards by number, validators in the scenario's order (from RunStarted), anything else by name.</summary>
    private int Rank(string pid)
    {
        if (pid.StartsWith("shard-", StringComparison.Ordinal) && int.TryParse(pid.AsSpan(6), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var shard))
        {
            return shard;
        }

        _validatorRanks ??= ValidatorRanks();
        return _validatorRanks.TryGetValue(pid, out var rank) ? rank : int.MaxValue;
    }

    private Dictionary<string, int> ValidatorRanks()
    {
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        var started = EventsByPersistenceId(JournalIds.Run, 1, 1, 1).Select(e => e.Event).OfType<RunStarted>().FirstOrDefault();
        if (started is null)
        {
            return ranks;
        }

        try
        {
            var scenario = ScenarioLoader.LoadString(started.ScenarioHocon, "the journal's RunStarted");
            for (var v = 0; v < scenario.Validators.Count; v++)
            {
                ranks[JournalIds.Validator(scenario.Validators[v].Name)] = v;
            }
        }
        catch (ScenarioException)
        {
            // an unreadable scenario: validators merge by name
        }

        return ranks;
    }

    private static long Ordering(EventEnvelope e) => e.Offset is Sequence s ? s.Value : 0;

    /// <summary>
    /// The cause of a journal failure on one line: the innermost message past Akka's and aggregate wrappers (the plugin's
    /// own exceptions wrap the database's or the serializer's).
    /// </summary>
    public static string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var inner = e;
        while (inner.InnerException is { } i && (inner is AggregateException || inner.Message.Length == 0 || inner.GetType().Namespace?.StartsWith("Akka", StringComparison.Ordinal) == true))
        {
            inner = i;
        }

        return inner.Message.ReplaceLineEndings(" ");
    }
}
