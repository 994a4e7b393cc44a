using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.Persistence.Sql.Journal;

namespace MarketSim.Journal.Akka;

/// <summary>
/// Akka.Persistence.Sql's write journal with virtual time: each <see cref="Stamped"/> payload is unwrapped into its
/// event (tagged with its tag) and the representation takes the stamp as its timestamp, which the plugin stores in the
/// <c>created</c> column. Everything else — tables, batching, recovery, queries — is the plugin's own. Configured as
/// its own plugin (<c>marketsim.journal</c>, <see cref="JournalConfig"/>).
/// </summary>
public sealed class VirtualTimeJournal(global::Akka.Configuration.Config config) : SqlWriteJournal(config)
{
    /// <inheritdoc/>
    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken) =>
        base.WriteMessagesAsync(messages.Select(Unwrap), cancellationToken);

    private static AtomicWrite Unwrap(AtomicWrite write)
    {
        var reprs = (IImmutableList<IPersistentRepresentation>)write.Payload;
        var builder = ImmutableList.CreateBuilder<IPersistentRepresentation>();
        foreach (var r in reprs)
        {
            builder.Add(r.Payload is Stamped s
                ? r.WithPayload(new Tagged(s.Event, [s.Tag])).WithTimestamp(s.Ticks)
                : r);
        }

        return new AtomicWrite(builder.ToImmutable());
    }
}
