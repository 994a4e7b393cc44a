namespace MarketSim.Markets.Journal;

/// <summary>Flush thresholds of a run journal writer: a transaction is written once either is reached.</summary>
/// <param name="FlushEvents">Pending events.</param>
/// <param name="FlushBytes">Pending payload bytes.</param>
public sealed record JournalWriterOptions(int FlushEvents = 512, long FlushBytes = 16L << 20)
{
    /// <summary>SQLite only: cap on the database size in pages (0 = none); a write past it fails with "database or disk is full".</summary>
    public long MaxPageCount { get; init; }
}

/// <summary>Raised when a resumed run's replay does not reproduce the stored journal (or the stored journal has a gap).</summary>
public sealed class JournalDivergedException(string location, string persistenceId, long sequenceNr, long ordering, string detail)
    : Exception($"{location}: the journal does not match the replay at ordering {ordering} (persistence id '{persistenceId}', sequence number {sequenceNr}): {detail}")
{
    public string PersistenceId { get; } = persistenceId;

    public long SequenceNr { get; } = sequenceNr;

    public long Ordering { get; } = ordering;
}

/// <summary>
/// The single writer of a run's journal, whatever the backend. Appends are buffered and written in one transaction per
/// flush (by count, by bytes, or on <see cref="Flush"/>). Sequence numbers are gap-free per persistence id and
/// <c>ordering</c> is assigned here, in append order, so a journal is always a prefix of the run's canonical event
/// sequence — whatever moment a crash hits. Nothing time-dependent is stored: timestamps are the virtual times passed in.
/// <para>
/// Resume (<see cref="BeginReplay"/>): the run is played again from its start; while stored rows remain, each append is
/// compared with the next stored row (ordering, persistence id, sequence number, manifest, timestamp, tags and payload
/// bytes) instead of being written; the first append past the stored rows switches to writing. A mismatch, a gap or an
/// unreadable row raises <see cref="JournalDivergedException"/> naming the row; nothing is written after it.
/// </para>
/// Thread-safe (calls are serialized), but the caller must append in a canonical order for a deterministic journal.
/// </summary>
public abstract class RunJournalWriter : IDisposable
{
    private readonly Dictionary<string, long> _highest = new(StringComparer.Ordinal);
    private readonly List<PendingRow> _pending = [];
    private readonly Lock _lock = new();
    private long _ordering;
    private long _pendingBytes;
    private IEnumerator<StoredRow>? _replay;
    private IDisposable? _replaySource;
    private bool _disposed;

    protected RunJournalWriter(string location, JournalWriterOptions options)
    {
        Location = location;
        Options = options;
    }

    /// <summary>Where the journal lives (file path, or <c>postgres:schema</c>).</summary>
    public string Location { get; }

    public JournalWriterOptions Options { get; }

    /// <summary>Events appended but not yet written.</summary>
    public int PendingEvents
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Total events appended (or verified) so far: the highest <c>ordering</c>.</summary>
    public long LastOrdering
    {
        get
        {
            lock (_lock)
            {
                return _ordering;
            }
        }
    }

    /// <summary>True while appends are compared with stored rows instead of written.</summary>
    public bool IsReplaying
    {
        get
        {
            lock (_lock)
            {
                return _replay is not null;
            }
        }
    }

    /// <summary>Rows verified by the replay so far.</summary>
    public long Verified { get; private set; }

    /// <summary>Rows written by this writer so far.</summary>
    public long Written { get; private set; }

    /// <summary>Appends an event; returns its sequence number. Tags default to <see cref="JournalIds.TagOf"/>.</summary>
    public long Append(string persistenceId, ScoreEvent evt, long timestamp, IReadOnlyList<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(evt);
        if (Discards)
        {
            lock (_lock)
            {
                _highest.TryGetValue(persistenceId, out var seq);
                _highest[persistenceId] = ++seq;
                _ordering++;
                return seq;
            }
        }

        return Append(persistenceId, SerializedEvent.From(evt), timestamp, tags ?? [JournalIds.TagOf(evt)]);
    }

    /// <summary>Appends an event at virtual time <paramref name="virtualTime"/>.</summary>
    public long Append(string persistenceId, ScoreEvent evt, DateTimeOffset virtualTime, IReadOnlyList<string>? tags = null) =>
        Append(persistenceId, evt, virtualTime.UtcTicks, tags);

    /// <summary>Appends an already serialized event (see <see cref="SerializedEvent.From"/>); returns its sequence number.</summary>
    public long Append(string persistenceId, SerializedEvent evt, long timestamp, IReadOnlyList<string> tags)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(evt.Payload);
        ArgumentNullException.ThrowIfNull(tags);
        foreach (var t in tags)
        {
            if (string.IsNullOrEmpty(t) || t.Contains(';', StringComparison.Ordinal))
            {
                throw new ArgumentException($"invalid tag '{t}': tags are non-empty and contain no ';'", nameof(tags));
            }
        }

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _highest.TryGetValue(persistenceId, out var seq);
            seq++;
            var ordering = _ordering + 1;
            if (_replay is not null)
            {
                if (NextStored() is { } stored)
                {
                    Verify(stored, ordering, persistenceId, seq, evt, timestamp, tags);
                    _highest[persistenceId] = seq;
                    _ordering = ordering;
                    Verified++;
                    return seq;
                }

                EndReplay();
            }

            _highest[persistenceId] = seq;
            _ordering = ordering;
            _pending.Add(new PendingRow(ordering, persistenceId, seq, evt.Manifest, timestamp, evt.Payload, tags));
            _pendingBytes += evt.Payload.Length;
            if (_pending.Count >= Options.FlushEvents || _pendingBytes >= Options.FlushBytes)
            {
                FlushLocked();
            }

            return seq;
        }
    }

    /// <summary>The highest sequence number of <paramref name="persistenceId"/> (0 when it has none), pending events included.</summary>
    public long HighestSequenceNr(string persistenceId)
    {
        lock (_lock)
        {
            return _highest.TryGetValue(persistenceId, out var s) ? s : 0;
        }
    }

    /// <summary>Writes every pending event in one transaction.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            FlushLocked();
        }
    }

    /// <summary>
    /// Starts a resume: counters restart from zero and the following appends are verified against
    /// <paramref name="stored"/> (every stored row, in ordering) until it is exhausted. <paramref name="source"/> is
    /// disposed when the replay ends.
    /// </summary>
    public void BeginReplay(IEnumerable<StoredRow> stored, IDisposable? source = null)
    {
        ArgumentNullException.ThrowIfNull(stored);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_pending.Count > 0 || Written > 0 || Verified > 0 || _replay is not null)
            {
                throw new InvalidOperationException("BeginReplay must come before any append");
            }

            _highest.Clear();
            _ordering = 0;
            _replay = stored.GetEnumerator();
            _replaySource = source;
        }
    }

    /// <summary>
    /// Ends a replay that produced no further appends: throws <see cref="JournalDivergedException"/> when stored rows remain
    /// that the replay did not reproduce (the journal holds more than this scenario makes).
    /// </summary>
    public void CompleteReplay()
    {
        lock (_lock)
        {
            if (_replay is null)
            {
                return;
            }

            if (NextStored() is { } extra)
            {
                EndReplay();
                throw new JournalDivergedException(Location, extra.PersistenceId, extra.SequenceNr, extra.Ordering, "the stored journal goes on past the end of the replayed run (a different scenario or build?)");
            }

            EndReplay();
        }
    }

    /// <summary>Flushes what is pending (best effort when the backend already failed) and closes the journal.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            EndReplay();
            Exception? failure = null;
            try
            {
                FlushLocked();
                Finish();
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                Close();
            }

            if (failure is not null)
            {
                throw new IOException($"{Location}: could not write the journal's last events: {failure.Message}", failure);
            }
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>True for the benchmark baseline that persists nothing (events are not even serialized).</summary>
    protected virtual bool Discards => false;

    /// <summary>
    /// A writer that keeps nothing and does not even serialize: the baseline against which <c>marketsim bench
    /// --journal-overhead</c> measures what persisting the score streams costs.
    /// </summary>
    public static RunJournalWriter Discarding() => new DiscardingJournalWriter();

    /// <summary>Writes <paramref name="rows"/> in one transaction, all or nothing.</summary>
    protected abstract void WriteTransaction(IReadOnlyList<PendingRow> rows);

    /// <summary>Called once, after the last flush, while the journal is still open (metadata, checkpoints).</summary>
    protected abstract void Finish();

    /// <summary>Releases the connection; must not throw.</summary>
    protected abstract void Close();

    /// <summary>Restores the counters of an existing journal (continuing it without a replay).</summary>
    protected void Restore(long ordering, IEnumerable<KeyValuePair<string, long>> highest)
    {
        _ordering = ordering;
        foreach (var (pid, seq) in highest)
        {
            _highest[pid] = seq;
        }
    }

    private void FlushLocked()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        // On failure the pending rows stay queued: the journal holds a prefix, and the caller sees the error.
        WriteTransaction(_pending);
        Written += _pending.Count;
        _pending.Clear();
        _pendingBytes = 0;
    }

    private StoredRow? NextStored()
    {
        try
        {
            return _replay!.MoveNext() ? _replay.Current : null;
        }
        catch (JournalCorruptException e)
        {
            EndReplay();
            throw new JournalDivergedException(Location, e.PersistenceId, e.SequenceNr, e.Ordering, "unreadable row: " + e.Message);
        }
    }

    private void Verify(StoredRow stored, long ordering, string pid, long seq, SerializedEvent evt, long timestamp, IReadOnlyList<string> tags)
    {
        string? why = null;
        if (stored.Ordering != ordering)
        {
            why = stored.Ordering > ordering
                ? $"gap: the next stored row has ordering {stored.Ordering}, expected {ordering}"
                : $"stored ordering {stored.Ordering} repeats, expected {ordering}";
        }
        else if (!string.Equals(stored.PersistenceId, pid, StringComparison.Ordinal) || stored.SequenceNr != seq)
        {
            why = $"stored row is '{stored.PersistenceId}' #{stored.SequenceNr}, the replay makes '{pid}' #{seq}";
        }
        else if (!string.Equals(stored.Manifest, evt.Manifest, StringComparison.Ordinal))
        {
            why = $"stored event type {stored.Manifest}, the replay makes {evt.Manifest}";
        }
        else if (stored.Timestamp != timestamp)
        {
            why = $"stored virtual time {new DateTime(stored.Timestamp, DateTimeKind.Utc):O}, the replay makes {new DateTime(timestamp, DateTimeKind.Utc):O}";
        }
        else if (!stored.Tags.SequenceEqual(tags, StringComparer.Ordinal))
        {
            why = $"stored tags [{string.Join(", ", stored.Tags)}], the replay makes [{string.Join(", ", tags)}]";
        }
        else if (!stored.Payload.AsSpan().SequenceEqual(evt.Payload))
        {
            why = $"the stored {evt.Manifest} payload differs from the replay's ({stored.Payload.Length} vs {evt.Payload.Length} bytes): a different scenario or build, or a damaged row";
        }

        if (why is not null)
        {
            EndReplay();
            throw new JournalDivergedException(Location, pid, seq, ordering, why);
        }
    }

    private void EndReplay()
    {
        _replay?.Dispose();
        _replay = null;
        _replaySource?.Dispose();
        _replaySource = null;
    }

    /// <summary>A row waiting to be written.</summary>
    protected sealed record PendingRow(long Ordering, string PersistenceId, long SequenceNr, string Manifest, long Timestamp, byte[] Payload, IReadOnlyList<string> Tags);
}

internal sealed class DiscardingJournalWriter() : RunJournalWriter("(discarded)", new JournalWriterOptions())
{
    protected override bool Discards => true;

    protected override void WriteTransaction(IReadOnlyList<PendingRow> rows)
    {
    }

    protected override void Finish()
    {
    }

    protected override void Close()
    {
    }
}
