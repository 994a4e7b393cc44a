using System.Runtime.CompilerServices;

namespace MarketSim.Persistence;

/// <summary>Persistence queries over a journal. Offsets are exclusive <see cref="Sequence"/> values (= <c>ordering</c>).
/// Current queries complete at the present end; live ones poll every refresh interval and never complete.</summary>
public sealed class ReadJournal(IJournal journal, TimeSpan refreshInterval, int maxBufferSize = 500)
{
    /// <summary>Poll interval of live queries.</summary>
    public TimeSpan RefreshInterval { get; } = refreshInterval;

    private readonly int _page = Math.Max(1, maxBufferSize);

    private static long After(Offset? offset) => offset switch
    {
        null or NoOffset => 0,
        Sequence s => s.Value,
        _ => throw new ArgumentException($"Unsupported offset {offset}", nameof(offset)),
    };

    /// <summary>Events with the tag after <paramref name="offset"/>, up to the present end.</summary>
    public async IAsyncEnumerable<EventEnvelope> CurrentEventsByTag(string tag, Offset? offset = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var after = After(offset);
        while (true)
        {
            var page = await journal.EventsByTagAsync(tag, after, _page, ct).ConfigureAwait(false);
            foreach (var e in page)
            {
                after = ((Sequence)e.Offset).Value;
                yield return e;
            }
            if (page.Count < _page)
            {
                yield break;
            }
        }
    }

    /// <summary>Events with the tag after <paramref name="offset"/>, then new ones as they are written (until cancelled).</summary>
    public async IAsyncEnumerable<EventEnvelope> EventsByTag(string tag, Offset? offset = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var after = After(offset);
        while (!ct.IsCancellationRequested)
        {
            var page = await journal.EventsByTagAsync(tag, after, _page, ct).ConfigureAwait(false);
            foreach (var e in page)
            {
                after = ((Sequence)e.Offset).Value;
                yield return e;
            }
            if (page.Count < _page)
            {
                try
                {
                    await Task.Delay(RefreshInterval, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
            }
        }
    }

    /// <summary>Events of one id with from ≤ seq ≤ to, up to the present end.</summary>
    public async IAsyncEnumerable<EventEnvelope> CurrentEventsByPersistenceId(string persistenceId, long fromSequenceNr = 0, long toSequenceNr = long.MaxValue, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var from = fromSequenceNr;
        while (from <= toSequenceNr)
        {
            var page = await journal.EventsByPersistenceIdAsync(persistenceId, from, toSequenceNr, _page, ct).ConfigureAwait(false);
            foreach (var e in page)
            {
                from = e.SequenceNr + 1;
                yield return e;
            }
            if (page.Count < _page)
            {
                yield break;
            }
        }
    }
}

/// <summary>Live twin of <see cref="ReadJournal.CurrentEventsByPersistenceId"/>.</summary>
public static class ReadJournalLiveExtensions
{
    /// <summary>Events of one id with from ≤ seq ≤ to, then new ones as they are written (until cancelled or <paramref name="toSequenceNr"/> was delivered).</summary>
    public static async IAsyncEnumerable<EventEnvelope> EventsByPersistenceId(this ReadJournal readJournal, string persistenceId, long fromSequenceNr = 0,
        long toSequenceNr = long.MaxValue, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var from = fromSequenceNr;
        while (!ct.IsCancellationRequested && from <= toSequenceNr)
        {
            var any = false;
            await foreach (var e in readJournal.CurrentEventsByPersistenceId(persistenceId, from, toSequenceNr, ct).ConfigureAwait(false))
            {
                any = true;
                from = e.SequenceNr + 1;
                yield return e;
            }
            if (!any && from <= toSequenceNr)
            {
                try
                {
                    await Task.Delay(readJournal.RefreshInterval, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
            }
        }
    }
}

/// <summary>Where a projection keeps its last processed offset.</summary>
public interface IOffsetStore
{
    /// <summary>The stored offset, or <see cref="NoOffset"/>.</summary>
    Task<Offset> LoadAsync(string projection, CancellationToken ct = default);

    /// <summary>Store the offset of the last processed envelope.</summary>
    Task SaveAsync(string projection, Offset offset, CancellationToken ct = default);
}

/// <summary>An in-memory offset store (tests, single process).</summary>
public sealed class InMemoryOffsetStore : IOffsetStore
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Offset> _offsets = new();

    /// <inheritdoc />
    public Task<Offset> LoadAsync(string projection, CancellationToken ct = default) =>
        Task.FromResult(_offsets.TryGetValue(projection, out var o) ? o : NoOffset.Instance);

    /// <inheritdoc />
    public Task SaveAsync(string projection, Offset offset, CancellationToken ct = default)
    {
        _offsets[projection] = offset;
        return Task.CompletedTask;
    }
}

/// <summary>Runs a handler over a tag's events, resuming after the stored offset and storing it after each event.</summary>
public static class Projection
{
    /// <summary>Process the current events (live = false) or keep following (live = true) until cancelled; returns the number handled.</summary>
    public static async Task<long> RunAsync(ReadJournal readJournal, string projection, string tag, IOffsetStore offsets,
        Func<EventEnvelope, Task> handler, bool live = false, CancellationToken ct = default)
    {
        var start = await offsets.LoadAsync(projection, ct).ConfigureAwait(false);
        var source = live ? readJournal.EventsByTag(tag, start, ct) : readJournal.CurrentEventsByTag(tag, start, ct);
        long n = 0;
        await foreach (var e in source.ConfigureAwait(false))
        {
            await handler(e).ConfigureAwait(false);
            await offsets.SaveAsync(projection, e.Offset, ct).ConfigureAwait(false);
            n++;
        }
        return n;
    }
}
