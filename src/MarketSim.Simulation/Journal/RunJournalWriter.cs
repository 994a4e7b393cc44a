namespace MarketSim.Simulation.Journal;

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
    /// <summary>Persistence id of the first row that differs.</summary>
    public string PersistenceId { get; } = persistenceId;

    /// <summary>Sequence number of the first row that differs.</summary>
    public long SequenceNr { get; } = sequenceNr;

    /// <summary>Journal-wide position of the first row that differs.</summary>
    public long Ordering { get; } = ordering;
}

/// <summary>
/// The single writer of a run's journal, whatever the backend. Sequence numbers (gap-free per persistence id) and
/// <c>ordering</c> are assigned at <see cref="Append(string, ScoreEvent, long, IReadOnlyList{string}?)"/>, in append
/// order, on the caller's thread; serializing and writing happen on the writer's own thread, so the run computes the
/// next interval while the last one is written. Rows are written in one transaction per flush (by count, by bytes, or on
/// <see cref="Flush"/>), so a journal is always a prefix of the run's canonical event sequence — whatever moment a crash
/// hits. Nothing time-dependent is stored: timestamps are the virtual times passed in. Memory is bounded: an append
/// waits while more than twice <see cref="JournalWriterOptions.FlushBytes"/> are queued.
/// <para>
/// Resume (<see cref="BeginReplay"/>): the run is played again from its start; while stored rows remain, each append is
/// compared with the next stored row (ordering, persistence id, sequence number, manifest, timestamp, tags and payload
/// bytes) instead of being written; the first append past the stored rows switches to writing. A mismatch, a gap or an
/// unreadable row raises <see cref="JournalDivergedException"/> naming the row; nothing is written after it.
/// </para>
/// A failure on the writer's thread is rethrown by the next append, <see cref="Flush"/> or <see cref="Dispose"/>.
/// Thread-safe, but the caller must append in a canonical order for a deterministic journal.
/// </summary>
public abstract class RunJournalWriter : IDisposable
{
    private readonly Dictionary<string, long> _highest = new(StringComparer.Ordinal);
    private readonly Queue<Item> _queue = new();
    private readonly object _lock = new();
    private readonly List<PendingRow> _pending = [];
    private Thread? _thread;
    private long _ordering;
    private long _queuedBytes;
    private long _pendingBytes;
    private long _storedRows;
    private IEnumerator<StoredRow>? _replay;
    private IDisposable? _replaySource;
    private System.Runtime.ExceptionServices.ExceptionDispatchInfo? _failure;
    private bool _closing;
    private bool _disposed;

    /// <summary>A writer for the journal at <paramref name="location"/> with the given flush thresholds.</summary>
    protected RunJournalWriter(string location, JournalWriterOptions options)
    {
        Location = location;
        Options = options;
    }

    /// <summary>Where the journal lives (file path, or <c>postgres:schema</c>).</summary>
    public string Location { get; }

    /// <summary>The flush thresholds.</summary>
    public JournalWriterOptions Options { get; }

    /// <summary>Total events appended (or to be verified) so far: the highest <c>ordering</c>.</summary>
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

    /// <summary>True while the appends are matched against stored rows (a resumed run that has not yet caught up).</summary>
    public bool IsReplaying
    {
        get
        {
            lock (_lock)
            {
                return _ordering < _storedRows;
            }
        }
    }

    /// <summary>Rows verified by the replay so far.</summary>
    public long Verified { get; private set; }

    /// <summary>Rows written by this writer so far.</summary>
    public long Written { get; private set; }

    /// <summary>True for the benchmark baseline that persists nothing (events are not even serialized).</summary>
    protected virtual bool Discards => false;

    /// <summary>
    /// A writer that keeps nothing and does not even serialize: the baseline against which <c>marketsim bench
    /// --journal-overhead</c> measures what persisting the score streams costs.
    /// </summary>
    public static RunJournalWriter Discarding() => new DiscardingJournalWriter();

    /// <summary>Appends an event; returns its sequence number. Tags default to <see cref="JournalIds.TagOf"/>.</summary>
    public long Append(string persistenceId, ScoreEvent evt, long timestamp, IReadOnlyList<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(evt);
        CheckTags(tags);
        return Enqueue(persistenceId, evt, default, timestamp, tags, EstimateBytes(evt));
    }

    /// <summary>Appends an event at virtual time <paramref name="virtualTime"/>.</summary>
    public long Append(string persistenceId, ScoreEvent evt, DateTimeOffset virtualTime, IReadOnlyList<string>? tags = null) =>
        Append(persistenceId, evt, virtualTime.UtcTicks, tags);

    /// <summary>Appends an already serialized event (see <see cref="SerializedEvent.From"/>); returns its sequence number.</summary>
    public long Append(string persistenceId, SerializedEvent evt, long timestamp, IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(evt.Payload);
        ArgumentNullException.ThrowIfNull(tags);
        CheckTags(tags);
        return Enqueue(persistenceId, null, evt, timestamp, tags, evt.Payload.Length);
    }

    /// <summary>The highest sequence number of <paramref name="persistenceId"/> (0 when it has none), queued events included.</summary>
    public long HighestSequenceNr(string persistenceId)
    {
        lock (_lock)
        {
            return _highest.TryGetValue(persistenceId, out var s) ? s : 0;
        }
    }

    /// <summary>Waits until every appended event is written (or verified); rethrows a failure of the writer's thread.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            DrainLocked(flush: true);
        }
    }

    /// <summary>
    /// Starts a resume: counters restart from zero and the following appends are verified against
    /// <paramref name="stored"/> (every stored row, in ordering; <paramref name="storedRows"/> of them) until it is
    /// exhausted. <paramref name="source"/> is disposed when the replay ends.
    /// </summary>
    public void BeginReplay(IEnumerable<StoredRow> stored, long storedRows, IDisposable? source = null)
    {
        ArgumentNullException.ThrowIfNull(stored);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_thread is not null || Written > 0 || _replay is not null)
            {
                throw new InvalidOperationException("BeginReplay must come before any append");
            }

            _highest.Clear();
            _ordering = 0;
            _storedRows = storedRows;
            _replay = stored.GetEnumerator();
            _replaySource = source;
        }
    }

    /// <summary>
    /// Ends a replay once the run made its last append: throws <see cref="JournalDivergedException"/> when stored rows
    /// remain that the replay did not reproduce (the journal holds more than this scenario makes).
    /// </summary>
    public void CompleteReplay()
    {
        lock (_lock)
        {
            DrainLocked(flush: false);
            if (_replay is null)
            {
                return;
            }

            var extra = NextStored();
            EndReplay();
            if (extra is not null)
            {
                throw new JournalDivergedException(Location, extra.PersistenceId, extra.SequenceNr, extra.Ordering, "the stored journal goes on past the end of the replayed run (a different scenario or build?)");
            }
        }
    }

    /// <summary>Writes what is queued, closes the journal, and rethrows a failure of the writer's thread.</summary>
    public void Dispose()
    {
        Exception? failure = null;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                DrainLocked(flush: true);
            }
            catch (Exception e)
            {
                failure = e;
            }

            _closing = true;
            Monitor.PulseAll(_lock);
        }

        _thread?.Join();
        lock (_lock)
        {
            EndReplay();
            try
            {
                if (failure is null)
                {
                    Finish();
                }
            }
            catch (Exception e)
            {
                failure = new IOException($"{Location}: could not close the journal: {e.Message}", e);
            }
            finally
            {
                Close();
            }
        }

        GC.SuppressFinalize(this);
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Writes <paramref name="rows"/> in one transaction, all or nothing (called on the writer's thread).</summary>
    protected abstract void WriteTransaction(IReadOnlyList<PendingRow> rows);

    /// <summary>Called once, after the last write, while the journal is still open (checkpoints).</summary>
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

    private static void CheckTags(IReadOnlyList<string>? tags)
    {
        if (tags is null)
        {
            return;
        }

        foreach (var t in tags)
        {
            if (string.IsNullOrEmpty(t) || t.Contains(';', StringComparison.Ordinal))
            {
                throw new ArgumentException($"invalid tag '{t}': tags are non-empty and contain no ';'", nameof(tags));
            }
        }
    }

    private static long EstimateBytes(ScoreEvent e) => e switch
    {
        PredictionBatch b => 64 + (b.Probabilities.Length * 8L),
        EventScored s => 64 + (s.MinerIds.Length * 20L),
        MovingAverageUpdated m => 64 + (m.MinerIds.Length * 12L),
        WeightsUpdated w => 64 + (w.MinerIds.Length * 12L),
        RunStarted r => 64 + (r.ScenarioHocon.Length * 2L),
        IntervalScored i => 64 + ((i.Scores.Length + i.Predictions.Length + i.Weights.Length) * 8L),
        _ => 64,
    };

    private long Enqueue(string persistenceId, ScoreEvent? evt, SerializedEvent serialized, long timestamp, IReadOnlyList<string>? tags, long bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _failure?.Throw();
            _highest.TryGetValue(persistenceId, out var seq);
            seq++;
            _highest[persistenceId] = seq;
            _ordering++;
            if (Discards)
            {
                return seq;
            }

            while (_queuedBytes > 2 * Options.FlushBytes && _failure is null)
            {
                Monitor.Wait(_lock);
            }

            _failure?.Throw();
            _queue.Enqueue(new Item(_ordering, persistenceId, seq, timestamp, evt, serialized, tags, bytes, false));
            _queuedBytes += bytes;
            if (_thread is null)
            {
                _thread = new Thread(WriterLoop) { IsBackground = true, Name = "marketsim-journal-writer" };
                _thread.Start();
            }

            Monitor.PulseAll(_lock);
            return seq;
        }
    }

    /// <summary>Waits (holding the lock's monitor) until the queue is empty and, when asked, the pending rows are written.</summary>
    private void DrainLocked(bool flush)
    {
        if (_thread is null)
        {
            _failure?.Throw();
            return;
        }

        if (flush)
        {
            _queue.Enqueue(new Item(0, string.Empty, 0, 0, null, default, null, 0, true));
            Monitor.PulseAll(_lock);
        }

        while ((_queue.Count > 0 || _busy) && _failure is null)
        {
            Monitor.Wait(_lock);
        }

        _failure?.Throw();
    }

    private bool _busy;

    private void WriterLoop()
    {
        var batch = new List<Item>();
        while (true)
        {
            lock (_lock)
            {
                _busy = false;
                Monitor.PulseAll(_lock);
                while (_queue.Count == 0 && !_closing)
                {
                    Monitor.Wait(_lock);
                }

                if (_queue.Count == 0 && _closing)
                {
                    return;
                }

                batch.Clear();
                while (_queue.Count > 0)
                {
                    batch.Add(_queue.Dequeue());
                }

                _busy = true;
            }

            try
            {
                long freed = 0;
                foreach (var item in batch)
                {
                    freed += item.Bytes;
                    Process(item);
                }

                lock (_lock)
                {
                    _queuedBytes -= freed;
                    Monitor.PulseAll(_lock);
                }
            }
            catch (Exception e)
            {
                lock (_lock)
                {
                    _failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
                    _queue.Clear();
                    _queuedBytes = 0;
                    _busy = false;
                    Monitor.PulseAll(_lock);
                }

                return;
            }
        }
    }

    // Writer thread only (or under the lock once the thread is idle).
    private void Process(Item item)
    {
        if (item.FlushMarker)
        {
            FlushPending();
            return;
        }

        var evt = item.Event is { } e ? SerializedEvent.From(e) : item.Serialized;
        var tags = item.Tags ?? (item.Event is { } te ? [JournalIds.TagOf(te)] : []);
        if (_replay is not null)
        {
            if (NextStored() is { } stored)
            {
                Verify(stored, item.Ordering, item.PersistenceId, item.SequenceNr, evt, item.Timestamp, tags);
                Verified++;
                return;
            }

            EndReplay();
        }

        _pending.Add(new PendingRow(item.Ordering, item.PersistenceId, item.SequenceNr, evt.Manifest, item.Timestamp, evt.Payload, tags));
        _pendingBytes += evt.Payload.Length;
        if (_pending.Count >= Options.FlushEvents || _pendingBytes >= Options.FlushBytes)
        {
            FlushPending();
        }
    }

    private void FlushPending()
    {
        if (_pending.Count == 0)
        {
            return;
        }

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

    private sealed record Item(long Ordering, string PersistenceId, long SequenceNr, long Timestamp, ScoreEvent? Event, SerializedEvent Serialized, IReadOnlyList<string>? Tags, long Bytes, bool FlushMarker);

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
