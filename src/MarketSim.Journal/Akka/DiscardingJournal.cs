using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace MarketSim.Journal.Akka;

/// <summary>
/// A write journal that keeps nothing and acknowledges every write at once: the baseline of <c>marketsim bench
/// --journal-overhead</c>, which plays the same run on the same persistent actors with this plugin and with the SQL
/// journal. Recovery finds nothing.
/// </summary>
public sealed class DiscardingJournal : AsyncWriteJournal
{
    /// <inheritdoc/>
    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<IPersistentRepresentation> recoveryCallback) =>
        Task.CompletedTask;

    /// <inheritdoc/>
    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken) =>
        Task.FromResult(0L);

    /// <inheritdoc/>
    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken) =>
        Task.FromResult<IImmutableList<Exception>>(null!);

    /// <inheritdoc/>
    protected override Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
