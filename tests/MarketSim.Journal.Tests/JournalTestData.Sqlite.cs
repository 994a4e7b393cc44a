using Akka.Actor;
using Akka.Persistence;
using MarketSim.Journal;
using MarketSim.Journal.Akka;
using MarketSim.Simulation.Journal;

namespace MarketSim.Simulation.Tests.Journal;

internal sealed class TempJournalDir : IDisposable
{
    public TempJournalDir()
    {
        Directory = Path.Combine(Path.GetTempPath(), "marketsim-journal-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string File(string name) => Path.Combine(Directory, name);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The SQLite part of the journal test data (the rest is linked from MarketSim.Simulation.Tests).</summary>
internal static partial class JournalTestData
{
    /// <summary>
    /// Persists <paramref name="events"/> into the SQLite journal <paramref name="path"/> the way a run does: through
    /// Akka.Persistence.Sql and MarketSim's journal plugin, one persistent actor per persistence id, stamped with the
    /// given virtual times. The events are persisted in the order given.
    /// </summary>
    public static void Write(string path, IEnumerable<(string Pid, ScoreEvent Event, long Timestamp)> events)
    {
        var target = JournalConfig.Sqlite(path);
        RunJournals.Prepare(target);
        var config = Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = OFF\nakka.stdout-loglevel = OFF").WithFallback(JournalConfig.Akka(target));
        using var system = ActorSystem.Create("journal-test-writer", BootstrapSetup.Create().WithConfig(config).And(JournalConfig.Setup(target)));
        var writers = new Dictionary<string, IActorRef>(StringComparer.Ordinal);
        foreach (var (pid, evt, ts) in events)
        {
            if (!writers.TryGetValue(pid, out var writer))
            {
                writers[pid] = writer = system.ActorOf(Props.Create(() => new Writer(pid)));
            }

            // One at a time, so the database takes the rows in the order given.
            writer.Ask<Akka.Done>(Stamped.Of(evt, ts), TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        }

        system.Terminate().Wait(TimeSpan.FromSeconds(10));
    }

    private sealed class Writer : ReceivePersistentActor
    {
        public Writer(string persistenceId)
        {
            PersistenceId = persistenceId;
            Command<Stamped>(s => Persist(s, _ => Sender.Tell(Akka.Done.Instance)));
        }

        public override string PersistenceId { get; }
    }
}
