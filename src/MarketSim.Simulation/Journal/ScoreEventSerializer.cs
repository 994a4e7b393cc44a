using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace MarketSim.Simulation.Journal;

/// <summary>A payload that failed to decode: bad length, version, checksum or manifest.</summary>
public sealed class JournalFormatException(string message) : FormatException(message);

/// <summary>An event already turned into bytes (workers may serialize in parallel; the single writer only stores).</summary>
/// <param name="Manifest">Event type name.</param>
/// <param name="Payload">Serialized bytes.</param>
public readonly record struct SerializedEvent(string Manifest, byte[] Payload)
{
    /// <summary>Serializes <paramref name="e"/> with its manifest.</summary>
    public static SerializedEvent From(ScoreEvent e) => new(ScoreEventSerializer.ManifestOf(e), ScoreEventSerializer.Serialize(e));
}

/// <summary>
/// Compact binary payloads for <see cref="ScoreEvent"/>s (docs/journal.md): one format-version byte, the fields
/// little-endian (strings: int32 byte length + UTF-8; arrays: int32 count + raw elements), then a CRC-32C of all
/// preceding bytes. The manifest column names the type; <see cref="SerializerId"/> goes in <c>serializer_id</c>.
/// </summary>
public static class ScoreEventSerializer
{
    /// <summary>The <c>serializer_id</c> of these payloads.</summary>
    public const int SerializerId = 7301;

    /// <summary>Payload format version (first byte).</summary>
    public const byte FormatVersion = 3;

    /// <summary>Version 2, still read: the double columns of PredictionBatch, EventScored, MovingAverageUpdated and WeightsUpdated stored raw.</summary>
    public const byte RawColumnsFormatVersion = 2;

    /// <summary>The previous payload version, still read: PredictionBatch without a presence bitmap, NaN = no answer.</summary>
    public const byte LegacyFormatVersion = 1;

    /// <summary>Manifest of <see cref="RunStarted"/>.</summary>
    public const string RunStartedManifest = "RunStarted";

    /// <summary>Manifest of <see cref="RunCompleted"/>.</summary>
    public const string RunCompletedManifest = "RunCompleted";

    /// <summary>Manifest of <see cref="EventIssued"/>.</summary>
    public const string EventIssuedManifest = "EventIssued";

    /// <summary>Manifest of <see cref="EventResolved"/>.</summary>
    public const string EventResolvedManifest = "EventResolved";

    /// <summary>Manifest of <see cref="PredictionBatch"/>.</summary>
    public const string PredictionBatchManifest = "PredictionBatch";

    /// <summary>Manifest of <see cref="EventScored"/>.</summary>
    public const string EventScoredManifest = "EventScored";

    /// <summary>Manifest of <see cref="MovingAverageUpdated"/>.</summary>
    public const string MovingAverageUpdatedManifest = "MovingAverageUpdated";

    /// <summary>Manifest of <see cref="WeightsUpdated"/>.</summary>
    public const string WeightsUpdatedManifest = "WeightsUpdated";

    /// <summary>Manifest of <see cref="IntervalScored"/>.</summary>
    public const string IntervalScoredManifest = "IntervalScored";

    /// <summary>Manifest of <see cref="MarketSettled"/>.</summary>
    public const string MarketSettledManifest = "MarketSettled";

    /// <summary>The manifest (type name) stored with <paramref name="e"/>; throws <see cref="ArgumentException"/> for an unknown event type.</summary>
    public static string ManifestOf(ScoreEvent e) => e switch
    {
        RunStarted => RunStartedManifest,
        RunCompleted => RunCompletedManifest,
        EventIssued => EventIssuedManifest,
        EventResolved => EventResolvedManifest,
        PredictionBatch => PredictionBatchManifest,
        EventScored => EventScoredManifest,
        MovingAverageUpdated => MovingAverageUpdatedManifest,
        WeightsUpdated => WeightsUpdatedManifest,
        IntervalScored => IntervalScoredManifest,
        MarketSettled => MarketSettledManifest,
        null => throw new ArgumentNullException(nameof(e)),
        _ => throw new ArgumentException($"no manifest for {e.GetType().Name}", nameof(e)),
    };

    /// <summary>The payload of <paramref name="e"/> in the current format version.</summary>
    public static byte[] Serialize(ScoreEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var w = new Writer(SizeOf(e));
        w.Byte(FormatVersion);
        switch (e)
        {
            case RunStarted r:
                w.String(r.Scenario);
                w.Long(r.Seed);
                w.Int(r.Miners);
                w.Int(r.Validators);
                w.Long(r.Events);
                w.String(r.ScenarioHocon);
                break;
            case RunCompleted r:
                w.Long(r.Events);
                w.Long(r.Predictions);
                w.Long(r.Intervals);
                break;
            case EventIssued r:
                w.Long(r.EventId);
                w.Long(r.IssuedAt);
                w.Long(r.CutoffAt);
                w.Long(r.ResolvesAt);
                w.Long((long)r.Inputs);
                w.String(r.Reference);
                break;
            case EventResolved r:
                w.Long(r.EventId);
                w.Long(r.ResolvedAt);
                w.Byte(r.Outcome);
                w.Double(r.Truth);
                break;
            case PredictionBatch r:
                if (r.Probabilities.Length != (long)r.EventIds.Length * r.MinerIds.Length)
                {
                    throw new ArgumentException($"PredictionBatch: {r.Probabilities.Length} probabilities for {r.MinerIds.Length} miners × {r.EventIds.Length} events", nameof(e));
                }

                w.Long(r.Interval);
                w.Int(r.Shard);
                w.Array<long>(r.EventIds);
                w.Array<int>(r.MinerIds);
                w.Doubles(r.Probabilities);
                if (r.Answered is { } answered && answered.Length != PredictionBatch.BitmapLength(r.Probabilities.Length))
                {
                    throw new ArgumentException($"PredictionBatch: presence bitmap of {answered.Length} bytes for {r.Probabilities.Length} cells", nameof(e));
                }

                w.Array<byte>(r.Answered ?? []);
                break;
            case EventScored r:
                SameLength(r.MinerIds.Length, r.Scores.Length, r.WeightedPredictions.Length);
                w.String(r.Validator);
                w.Long(r.EventId);
                w.Byte(r.Outcome);
                w.Int(r.Intervals);
                w.Array<int>(r.MinerIds);
                w.Doubles(r.Scores);
                w.Doubles(r.WeightedPredictions);
                break;
            case MovingAverageUpdated r:
                SameLength(r.MinerIds.Length, r.Values.Length, r.Values.Length);
                w.String(r.Validator);
                w.Long(r.EventId);
                w.Array<int>(r.MinerIds);
                w.Doubles(r.Values);
                break;
            case WeightsUpdated r:
                SameLength(r.MinerIds.Length, r.Weights.Length, r.Weights.Length);
                w.String(r.Validator);
                w.Long(r.EventId);
                w.Array<int>(r.MinerIds);
                w.Doubles(r.Weights);
                break;
            case IntervalScored r:
                CheckShape(r, message => new ArgumentException(message, nameof(e)));
                w.String(r.Validator);
                w.Long(r.EventId);
                w.Long(r.FirstInterval);
                w.Array<double>(r.Weights);
                w.Array<int>(r.MinerIds);
                w.Cells(r.Scores);
                w.Cells(r.Predictions);
                break;
            case MarketSettled r:
                SameLength(r.AgentIds.Length, r.AgentPnl.Length, r.AgentPnl.Length);
                w.Long(r.EventId);
                w.Byte(r.Outcome);
                w.Double(r.FinalPrice);
                w.Long(r.Trades);
                w.Double(r.MarketMakerPnl);
                w.Array<int>(r.AgentIds);
                w.Doubles(r.AgentPnl);
                break;
            default:
                throw new ArgumentException($"cannot serialize {e.GetType().Name}", nameof(e));
        }

        return w.Finish();
    }

    /// <summary>Decodes a payload; throws <see cref="JournalFormatException"/> when it is not a valid payload of <paramref name="manifest"/>.</summary>
    public static ScoreEvent Deserialize(string manifest, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (payload.Length < 5)
        {
            throw new JournalFormatException($"payload of {payload.Length} bytes is too short");
        }

        var body = payload[..^4];
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(payload[^4..]);
        var actual = Crc32C.Compute(body);
        if (stored != actual)
        {
            throw new JournalFormatException($"checksum mismatch (stored {stored:x8}, computed {actual:x8})");
        }

        var r = new Reader(body);
        var version = r.Byte();
        if (version is not (FormatVersion or RawColumnsFormatVersion or LegacyFormatVersion))
        {
            throw new JournalFormatException($"unknown payload version {version} (this build reads {LegacyFormatVersion} to {FormatVersion})");
        }

        ScoreEvent result = manifest switch
        {
            RunStartedManifest => new RunStarted(r.String(), r.Long(), r.Int(), r.Int(), r.Long(), r.String()),
            RunCompletedManifest => new RunCompleted(r.Long(), r.Long(), r.Long()),
            EventIssuedManifest => new EventIssued(r.Long(), r.Long(), r.Long(), r.Long(), (ulong)r.Long(), r.String()),
            EventResolvedManifest => new EventResolved(r.Long(), r.Long(), r.Byte(), r.Double()),
            PredictionBatchManifest => ReadBatch(ref r, version),
            EventScoredManifest => ReadScored(ref r, version),
            MovingAverageUpdatedManifest => ReadMovingAverage(ref r, version),
            WeightsUpdatedManifest => ReadWeights(ref r, version),
            IntervalScoredManifest => ReadIntervalScored(ref r),
            MarketSettledManifest => ReadMarketSettled(ref r, version),
            _ => throw new JournalFormatException($"unknown manifest '{manifest}'"),
        };
        if (!r.AtEnd)
        {
            throw new JournalFormatException($"{r.Remaining} unexpected trailing bytes");
        }

        return result;
    }

    private static PredictionBatch ReadBatch(ref Reader r, byte version)
    {
        var interval = r.Long();
        var shard = r.Int();
        var events = r.Array<long>();
        var miners = r.Array<int>();
        var probabilities = r.Doubles(version);
        if (probabilities.Length != (long)events.Length * miners.Length)
        {
            throw new JournalFormatException($"PredictionBatch has {probabilities.Length} probabilities for {miners.Length} miners × {events.Length} events");
        }

        if (version == LegacyFormatVersion)
        {
            return PredictionBatch.FromNaNAsMissing(interval, shard, events, miners, probabilities);
        }

        var answered = r.Array<byte>();
        if (answered.Length == 0)
        {
            return new PredictionBatch(interval, shard, events, miners, probabilities);
        }

        if (answered.Length != PredictionBatch.BitmapLength(probabilities.Length))
        {
            throw new JournalFormatException($"PredictionBatch has a presence bitmap of {answered.Length} bytes for {probabilities.Length} cells");
        }

        if ((probabilities.Length & 7) != 0 && (answered[^1] >> (probabilities.Length & 7)) != 0)
        {
            throw new JournalFormatException("PredictionBatch presence bitmap has bits set beyond its cells");
        }

        return new PredictionBatch(interval, shard, events, miners, probabilities, answered);
    }

    private static EventScored ReadScored(ref Reader r, byte version)
    {
        var e = new EventScored(r.String(), r.Long(), r.Byte(), r.Int(), r.Array<int>(), r.Doubles(version), r.Doubles(version));
        CheckColumns(e.MinerIds.Length, e.Scores.Length, e.WeightedPredictions.Length);
        return e;
    }

    private static MovingAverageUpdated ReadMovingAverage(ref Reader r, byte version)
    {
        var e = new MovingAverageUpdated(r.String(), r.Long(), r.Array<int>(), r.Doubles(version));
        CheckColumns(e.MinerIds.Length, e.Values.Length, e.Values.Length);
        return e;
    }

    private static WeightsUpdated ReadWeights(ref Reader r, byte version)
    {
        var e = new WeightsUpdated(r.String(), r.Long(), r.Array<int>(), r.Doubles(version));
        CheckColumns(e.MinerIds.Length, e.Weights.Length, e.Weights.Length);
        return e;
    }

    private static MarketSettled ReadMarketSettled(ref Reader r, byte version)
    {
        var e = new MarketSettled(r.Long(), r.Byte(), r.Double(), r.Long(), r.Double(), r.Array<int>(), r.Doubles(version));
        CheckColumns(e.AgentIds.Length, e.AgentPnl.Length, e.AgentPnl.Length);
        return e;
    }

    private static IntervalScored ReadIntervalScored(ref Reader r)
    {
        var e = new IntervalScored(r.String(), r.Long(), r.Long(), r.Array<double>(), r.Array<int>(), r.Cells(), r.Cells());
        CheckShape(e, message => new JournalFormatException(message));
        return e;
    }

    // scores: n × miners cells; predictions: none or as many as scores.
    private static void CheckShape(IntervalScored e, Func<string, Exception> error)
    {
        if (e.Scores.Length != (long)e.Weights.Length * e.MinerIds.Length)
        {
            throw error($"IntervalScored has {e.Scores.Length} scores for {e.Weights.Length} intervals × {e.MinerIds.Length} miners");
        }

        if (e.Predictions.Length != 0 && e.Predictions.Length != e.Scores.Length)
        {
            throw error($"IntervalScored has {e.Predictions.Length} predictions for {e.Scores.Length} scores");
        }
    }

    private static void CheckColumns(int a, int b, int c)
    {
        if (a != b || a != c)
        {
            throw new JournalFormatException($"per-miner columns differ in length ({a}, {b}, {c})");
        }
    }

    private static void SameLength(int a, int b, int c)
    {
        if (a != b || a != c)
        {
            throw new ArgumentException($"per-miner columns differ in length ({a}, {b}, {c})");
        }
    }

    private static int StringSize(string s) => 4 + Encoding.UTF8.GetByteCount(s);

    private static int SizeOf(ScoreEvent e) => 1 + 4 + e switch
    {
        RunStarted r => StringSize(r.Scenario) + 8 + 4 + 4 + 8 + StringSize(r.ScenarioHocon),
        RunCompleted => 24,
        EventIssued r => 40 + StringSize(r.Reference),
        EventResolved => 8 + 8 + 1 + 8,
        PredictionBatch r => 8 + 4 + 12 + 1 + (r.EventIds.Length * 8) + (r.MinerIds.Length * 4) + (r.Probabilities.Length * 8) + 4 + (r.Answered?.Length ?? 0),
        EventScored r => StringSize(r.Validator) + 8 + 1 + 4 + 12 + 2 + (r.MinerIds.Length * 4) + (r.Scores.Length * 8) + (r.WeightedPredictions.Length * 8),
        MovingAverageUpdated r => StringSize(r.Validator) + 8 + 8 + 1 + (r.MinerIds.Length * 4) + (r.Values.Length * 8),
        WeightsUpdated r => StringSize(r.Validator) + 8 + 8 + 1 + (r.MinerIds.Length * 4) + (r.Weights.Length * 8),
        IntervalScored r => StringSize(r.Validator) + 8 + 8 + 8 + (r.Weights.Length * 8) + (r.MinerIds.Length * 4) + MaxCellsSize(r.Scores) + MaxCellsSize(r.Predictions),
        MarketSettled r => 8 + 1 + 8 + 8 + 8 + 4 + (r.AgentIds.Length * 4) + 5 + (r.AgentPnl.Length * 8),
        _ => 0,
    };

    // Cells of a score matrix: int32 cell count, a "repeat" bitmap (byte array: bit c set = cell c has the bits of cell
    // c − 1 and is not stored; empty = no repeats) and the stored cells (float64 array). Miners of one strategy answer
    // alike, so neighbouring cells often repeat.
    private static int Repeats(double[] cells)
    {
        var bits = MemoryMarshal.Cast<double, long>(cells.AsSpan());
        var n = 0;
        for (var c = 1; c < bits.Length; c++)
        {
            n += bits[c] == bits[c - 1] ? 1 : 0;
        }

        return n;
    }

    // Worst case (every cell stored, bitmap present): the writer encodes into a scratch buffer of this size.
    private static int MaxCellsSize(double[] cells) => 4 + 4 + PredictionBatch.BitmapLength(cells.Length) + 4 + (cells.Length * 8);

    [ThreadStatic]
    private static byte[]? t_scratch;

    // Encodes into a per-thread scratch buffer sized for the worst case; Finish copies out the exact bytes, so a
    // dictionary-packed column does not cost an allocation of its raw size.
    private static byte[] Scratch(int size)
    {
        var s = t_scratch;
        if (s is null || s.Length < size)
        {
            s = new byte[Math.Max(size, 64 * 1024)];
            if (size <= 16 << 20)
            {
                t_scratch = s;
            }
        }

        return s;
    }

    private ref struct Writer(int size)
    {
        private readonly byte[] _buffer = Scratch(size);
        private int _pos;

        public void Byte(byte b) => _buffer[_pos++] = b;

        public void Int(int v)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_pos), v);
            _pos += 4;
        }

        public void Long(long v)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_pos), v);
            _pos += 8;
        }

        public void Double(double v)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(_pos), v);
            _pos += 8;
        }

        public void String(string s)
        {
            var n = Encoding.UTF8.GetBytes(s, _buffer.AsSpan(_pos + 4));
            Int(n);
            _pos += n;
        }

        public void Array<T>(T[] values)
            where T : unmanaged
        {
            Int(values.Length);
            var bytes = MemoryMarshal.AsBytes(values.AsSpan());
            bytes.CopyTo(_buffer.AsSpan(_pos));
            if (!BitConverter.IsLittleEndian)
            {
                ReverseEach<T>(_buffer.AsSpan(_pos, bytes.Length));
            }

            _pos += bytes.Length;
        }

        public void Cells(double[] cells)
        {
            Int(cells.Length);
            var repeats = Repeats(cells);
            var bits = MemoryMarshal.Cast<double, long>(cells.AsSpan());
            if (repeats == 0)
            {
                Int(0);
                Array(cells);
                return;
            }

            var mapLength = PredictionBatch.BitmapLength(cells.Length);
            Int(mapLength);
            var map = _buffer.AsSpan(_pos, mapLength);
            map.Clear();
            _pos += mapLength;
            Int(cells.Length - repeats);
            var dst = _buffer.AsSpan(_pos, (cells.Length - repeats) * 8);
            var o = 0;
            var previous = 0L;
            for (var c = 0; c < bits.Length; c++)
            {
                var v = bits[c];
                if (c > 0 && v == previous)
                {
                    map[c >> 3] |= (byte)(1 << (c & 7));
                }
                else
                {
                    BinaryPrimitives.WriteInt64LittleEndian(dst.Slice(o, 8), v);
                    o += 8;
                }

                previous = v;
            }

            _pos += o;
        }

        /// <summary>A double column (<see cref="DoubleColumnCodec"/>): dictionary-packed when that is smaller, raw otherwise.</summary>
        public void Doubles(double[] values)
        {
            _pos += DoubleColumnCodec.Encode(values, _buffer.AsSpan(_pos));
        }

        public byte[] Finish()
        {
            var crc = Crc32C.Compute(_buffer.AsSpan(0, _pos));
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_pos), crc);
            _pos += 4;
            return _buffer[.._pos];
        }
    }

    private static void ReverseEach<T>(Span<byte> bytes)
        where T : unmanaged
    {
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        for (var i = 0; i < bytes.Length; i += size)
        {
            bytes.Slice(i, size).Reverse();
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        public readonly bool AtEnd => _pos == _data.Length;

        public readonly int Remaining => _data.Length - _pos;

        private readonly void Need(int n)
        {
            if (n < 0 || _data.Length - _pos < n)
            {
                throw new JournalFormatException($"truncated payload: needs {n} more bytes at offset {_pos}, has {_data.Length - _pos}");
            }
        }

        public byte Byte()
        {
            Need(1);
            return _data[_pos++];
        }

        public int Int()
        {
            Need(4);
            var v = BinaryPrimitives.ReadInt32LittleEndian(_data[_pos..]);
            _pos += 4;
            return v;
        }

        public long Long()
        {
            Need(8);
            var v = BinaryPrimitives.ReadInt64LittleEndian(_data[_pos..]);
            _pos += 8;
            return v;
        }

        public double Double()
        {
            Need(8);
            var v = BinaryPrimitives.ReadDoubleLittleEndian(_data[_pos..]);
            _pos += 8;
            return v;
        }

        public string String()
        {
            var n = Int();
            Need(n);
            string s;
            try
            {
                s = new UTF8Encoding(false, true).GetString(_data.Slice(_pos, n));
            }
            catch (ArgumentException e)
            {
                throw new JournalFormatException($"invalid UTF-8 string at offset {_pos}: {e.Message}");
            }

            _pos += n;
            return s;
        }

        public double[] Cells()
        {
            var count = Int();
            var map = Array<byte>();
            var stored = Array<double>();
            if (count < 0)
            {
                throw new JournalFormatException($"negative cell count {count}");
            }

            if (map.Length == 0)
            {
                if (stored.Length != count)
                {
                    throw new JournalFormatException($"{stored.Length} stored cells for {count} cells without repeats");
                }

                return stored;
            }

            if (map.Length != PredictionBatch.BitmapLength(count) || (map[0] & 1) != 0 || ((count & 7) != 0 && (map[^1] >> (count & 7)) != 0))
            {
                throw new JournalFormatException($"repeat bitmap of {map.Length} bytes does not fit {count} cells");
            }

            var repeats = 0;
            foreach (var b in map)
            {
                repeats += System.Numerics.BitOperations.PopCount(b);
            }

            if (stored.Length != count - repeats)
            {
                throw new JournalFormatException($"{stored.Length} stored cells for {count} cells with {repeats} repeats");
            }

            var cells = new double[count];
            for (int c = 0, i = 0; c < count; c++)
            {
                cells[c] = (map[c >> 3] & (1 << (c & 7))) != 0 ? cells[c - 1] : stored[i++];
            }

            return cells;
        }

        /// <summary>A double column: raw before version 3, <see cref="DoubleColumnCodec"/> from version 3.</summary>
        public double[] Doubles(byte version)
        {
            if (version < FormatVersion)
            {
                return Array<double>();
            }

            return DoubleColumnCodec.Decode(_data, ref _pos);
        }

        public T[] Array<T>()
            where T : unmanaged
        {
            var count = Int();
            var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
            if (count < 0 || (long)count * size > _data.Length - _pos)
            {
                throw new JournalFormatException($"array of {count} elements does not fit in the {_data.Length - _pos} bytes left at offset {_pos}");
            }

            var result = new T[count];
            var bytes = _data.Slice(_pos, count * size);
            bytes.CopyTo(MemoryMarshal.AsBytes(result.AsSpan()));
            if (!BitConverter.IsLittleEndian)
            {
                ReverseEach<T>(MemoryMarshal.AsBytes(result.AsSpan()));
            }

            _pos += bytes.Length;
            return result;
        }
    }
}
