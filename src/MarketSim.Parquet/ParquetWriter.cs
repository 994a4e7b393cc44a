using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace MarketSim.Parquet;

/// <summary>
/// Streaming Parquet writer for flat schemas. Rows are buffered per column and written as a row group
/// when <see cref="ParquetWriterOptions.RowGroupSize"/> rows are buffered, so memory is bounded by one row group.
/// Column arrays: bool[], int[], long[], float[], double[], DateTime[] (timestamps), string[] and their nullable forms.
/// </summary>
public sealed class ParquetWriter : IDisposable
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly ParquetWriterOptions _options;
    private readonly ColumnBuffer[] _buffers;
    private readonly List<RowGroupMeta> _rowGroups = [];
    private long _position;
    private int _buffered;
    private bool _closed;

    private ParquetWriter(Stream stream, ParquetSchema schema, ParquetWriterOptions? options, bool leaveOpen)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _options = options ?? new ParquetWriterOptions();
        if (_options.RowGroupSize <= 0 || _options.DataPageSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "RowGroupSize and DataPageSize must be positive");
        }

        Schema = schema;
        _buffers = [.. schema.Columns.Select(c => new ColumnBuffer(c, _options.DictionaryStrings && c.Type == ParquetType.ByteArray))];
        Write(Magic);
    }

    public ParquetSchema Schema { get; }

    /// <summary>Row groups written so far.</summary>
    public int RowGroupCount => _rowGroups.Count;

    public static ParquetWriter Create(Stream stream, ParquetSchema schema, ParquetWriterOptions? options = null, bool leaveOpen = false) =>
        new(stream, schema, options, leaveOpen);

    public static ParquetWriter Create(string path, ParquetSchema schema, ParquetWriterOptions? options = null) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16), schema, options, false);

    /// <summary>Appends one batch of rows (one array per column, in schema order); flushes full row groups.</summary>
    public void WriteBatch(params Array[] columns)
    {
        int rows = CheckBatch(columns);
        int offset = 0;
        while (offset < rows)
        {
            int take = Math.Min(rows - offset, _options.RowGroupSize - _buffered);
            for (int i = 0; i < columns.Length; i++)
            {
                _buffers[i].Append(columns[i], offset, take);
            }

            _buffered += take;
            offset += take;
            if (_buffered >= _options.RowGroupSize)
            {
                Flush();
            }
        }
    }

    /// <summary>Flushes buffered rows, then writes the given columns as exactly one row group.</summary>
    public void WriteRowGroup(params Array[] columns)
    {
        int rows = CheckBatch(columns);
        Flush();
        for (int i = 0; i < columns.Length; i++)
        {
            _buffers[i].Append(columns[i], 0, rows);
        }

        _buffered = rows;
        Flush();
    }

    /// <summary>Writes buffered rows as a row group (no-op when nothing is buffered).</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (_buffered == 0)
        {
            return;
        }

        var rg = new RowGroupMeta { NumRows = _buffered };
        foreach (var b in _buffers)
        {
            rg.Columns.Add(WriteChunk(b));
            b.Reset();
        }

        _rowGroups.Add(rg);
        _buffered = 0;
    }

    public void Dispose()
    {
        if (_closed)
        {
            return;
        }

        Flush();
        var footer = EncodeFooter();
        Write(footer);
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(len, footer.Length);
        Write(len);
        Write(Magic);
        _stream.Flush();
        _closed = true;
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private int CheckBatch(Array[] columns)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (columns.Length != _buffers.Length)
        {
            throw new ArgumentException($"expected {_buffers.Length} columns, got {columns.Length}");
        }

        int rows = columns.Length == 0 ? 0 : columns[0].Length;
        for (int i = 0; i < columns.Length; i++)
        {
            if (columns[i].Length != rows)
            {
                throw new ArgumentException($"column {Schema.Columns[i].Name} has {columns[i].Length} values, expected {rows}");
            }
        }

        return rows;
    }

    private void Write(ReadOnlySpan<byte> data)
    {
        _stream.Write(data);
        _position += data.Length;
    }

    private ChunkMeta WriteChunk(ColumnBuffer b)
    {
        var col = b.Column;
        var meta = new ChunkMeta { Column = col, NumValues = b.Rows, NullCount = b.Nulls, Min = b.MinBytes(), Max = b.MaxBytes() };
        long start = _position;
        long uncompressedTotal = 0;
        var encodings = new List<int> { 3 };
        var page = new ByteBuffer(col.Required ? 16 : (b.Rows / 8) + 16);
        if (!col.Required)
        {
            var levels = new ByteBuffer((b.Rows / 8) + 16);
            Rle.WriteBitPacked(levels, b.DefLevels.AsSpan(0, b.Rows), 1);
            Codec.WriteInt32(page, levels.Length);
            page.Add(levels.Span);
        }

        int valueEncoding = 0;
        if (b.Dictionary is { } dict)
        {
            var dictPage = new ByteBuffer();
            foreach (var s in dict.Values)
            {
                Codec.WriteInt32(dictPage, s.Length);
                dictPage.Add(s);
            }

            meta.DictionaryOffset = _position;
            uncompressedTotal += WritePage(2, dictPage.Span, dict.Values.Count, 0);
            int indexWidth = Math.Max(1, 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)Math.Max(dict.Values.Count - 1, 0)));
            page.Add((byte)indexWidth);
            Rle.WriteBitPacked(page, dict.Indices.AsSpan(0, b.Rows - b.Nulls), indexWidth);
            valueEncoding = 8;
            encodings.Add(8);
            encodings.Add(0);
        }
        else
        {
            encodings.Add(0);
        }

        meta.DataOffset = _position;
        int width = col.Type switch { ParquetType.Int32 or ParquetType.Float => 4, ParquetType.Int64 or ParquetType.Double => 8, _ => 0 };
        if (width > 0)
        {
            // Fixed-width values: split the chunk into pages of about DataPageSize bytes.
            int rowsPerPage = Math.Max(1, _options.DataPageSize / width);
            int valueOffset = 0;
            for (int r0 = 0; r0 < b.Rows; r0 += rowsPerPage)
            {
                int n = Math.Min(rowsPerPage, b.Rows - r0);
                int nonNull = n;
                page.Clear();
                if (!col.Required)
                {
                    var levelSlice = b.DefLevels.AsSpan(r0, n);
                    nonNull = 0;
                    foreach (var l in levelSlice)
                    {
                        nonNull += l;
                    }

                    var levels = new ByteBuffer((n / 8) + 16);
                    Rle.WriteBitPacked(levels, levelSlice, 1);
                    Codec.WriteInt32(page, levels.Length);
                    page.Add(levels.Span);
                }

                var valueBytes = b.Values.Span.Slice(valueOffset, nonNull * width);
                valueOffset += nonNull * width;
                if (col.Required)
                {
                    uncompressedTotal += WritePage(0, valueBytes, n, 0);
                }
                else
                {
                    page.Add(valueBytes);
                    uncompressedTotal += WritePage(0, page.Span, n, 0);
                }
            }
        }
        else if (col.Required && b.Dictionary is null)
        {
            uncompressedTotal += WritePage(0, b.Values.Span, b.Rows, valueEncoding);
        }
        else
        {
            if (b.Dictionary is null)
            {
                page.Add(b.Values.Span);
            }

            uncompressedTotal += WritePage(0, page.Span, b.Rows, valueEncoding);
        }

        meta.Encodings = encodings;
        meta.TotalCompressed = _position - start;
        meta.TotalUncompressed = uncompressedTotal;
        meta.Codec = (int)_options.Compression;
        return meta;
    }

    private long WritePage(int pageType, ReadOnlySpan<byte> body, int numValues, int encoding)
    {
        ReadOnlySpan<byte> compressed = _options.Compression == ParquetCompression.Uncompressed ? body : Codec.Compress(_options.Compression, body);
        var t = new ThriftWriter();
        t.I32(1, pageType);
        t.I32(2, body.Length);
        t.I32(3, compressed.Length);
        if (pageType == 2)
        {
            t.BeginStruct(7);
            t.I32(1, numValues);
            t.I32(2, 0);
            t.EndStruct();
        }
        else
        {
            t.BeginStruct(5);
            t.I32(1, numValues);
            t.I32(2, encoding);
            t.I32(3, 3);
            t.I32(4, 3);
            t.EndStruct();
        }

        t.EndStruct();
        var header = t.ToArray();
        Write(header);
        Write(compressed);
        return header.Length + body.Length;
    }

    private byte[] EncodeFooter()
    {
        var t = new ThriftWriter();
        t.I32(1, 1);
        t.ListHeader(2, 12, Schema.Columns.Count + 1);
        t.BeginNested();
        t.String(4, "schema");
        t.I32(5, Schema.Columns.Count);
        t.EndStruct();
        foreach (var c in Schema.Columns)
        {
            t.BeginNested();
            t.I32(1, (int)c.Type);
            t.I32(3, c.Required ? 0 : 1);
            t.String(4, c.Name);
            if (c.LogicalType == ParquetLogicalType.String)
            {
                t.I32(6, 0);
                t.BeginStruct(10);
                t.BeginStruct(1);
                t.EndStruct();
                t.EndStruct();
            }
            else if (c.LogicalType == ParquetLogicalType.TimestampMicros)
            {
                t.I32(6, 10);
                t.BeginStruct(10);
                t.BeginStruct(8);
                t.Bool(1, true);
                t.BeginStruct(2);
                t.BeginStruct(2);
                t.EndStruct();
                t.EndStruct();
                t.EndStruct();
                t.EndStruct();
            }

            t.EndStruct();
        }

        t.I64(3, _rowGroups.Sum(r => (long)r.NumRows));
        t.ListHeader(4, 12, _rowGroups.Count);
        foreach (var rg in _rowGroups)
        {
            t.BeginNested();
            t.ListHeader(1, 12, rg.Columns.Count);
            foreach (var ch in rg.Columns)
            {
                t.BeginNested();
                t.I64(2, ch.DictionaryOffset ?? ch.DataOffset);
                t.BeginStruct(3);
                t.I32(1, (int)ch.Column.Type);
                t.ListI32(2, ch.Encodings);
                t.ListString(3, [ch.Column.Name]);
                t.I32(4, ch.Codec);
                t.I64(5, ch.NumValues);
                t.I64(6, ch.TotalUncompressed);
                t.I64(7, ch.TotalCompressed);
                t.I64(9, ch.DataOffset);
                if (ch.DictionaryOffset is { } d)
                {
                    t.I64(11, d);
                }

                t.BeginStruct(12);
                t.I64(3, ch.NullCount);
                if (ch.Max is { } max && ch.Min is { } min)
                {
                    t.Binary(5, max);
                    t.Binary(6, min);
                }

                t.EndStruct();
                t.EndStruct();
                t.EndStruct();
            }

            t.I64(2, rg.Columns.Sum(c => c.TotalUncompressed));
            t.I64(3, rg.NumRows);
            t.EndStruct();
        }

        t.String(6, "MarketSim.Parquet version 0.1.0");
        t.EndStruct();
        return t.ToArray();
    }

    private sealed class RowGroupMeta
    {
        public int NumRows { get; init; }

        public List<ChunkMeta> Columns { get; } = [];
    }

    private sealed class ChunkMeta
    {
        public required ParquetColumn Column { get; init; }

        public long NumValues { get; init; }

        public long NullCount { get; init; }

        public byte[]? Min { get; init; }

        public byte[]? Max { get; init; }

        public long DataOffset { get; set; }

        public long? DictionaryOffset { get; set; }

        public long TotalCompressed { get; set; }

        public long TotalUncompressed { get; set; }

        public int Codec { get; set; }

        public List<int> Encodings { get; set; } = [];
    }

    private sealed class StringDictionary
    {
        public Dictionary<string, int> Map { get; } = new(StringComparer.Ordinal);

        public List<byte[]> Values { get; } = [];

        public int[] Indices { get; set; } = new int[16];
    }

    /// <summary>Buffered values of one column for the current row group.</summary>
    private sealed class ColumnBuffer(ParquetColumn column, bool dictionary)
    {
        private long _minL = long.MaxValue;
        private long _maxL = long.MinValue;
        private double _minD = double.PositiveInfinity;
        private double _maxD = double.NegativeInfinity;
        private bool _anyD;
        private byte[]? _minB;
        private byte[]? _maxB;
        private bool _minBool = true;
        private bool _maxBool;
        private int _bitCount;

        public ParquetColumn Column { get; } = column;

        public ByteBuffer Values { get; } = new();

        public int[] DefLevels { get; private set; } = new int[16];

        public int Rows { get; private set; }

        public int Nulls { get; private set; }

        public StringDictionary? Dictionary { get; private set; } = dictionary ? new StringDictionary() : null;

        public void Reset()
        {
            Values.Clear();
            Rows = 0;
            Nulls = 0;
            _minL = long.MaxValue;
            _maxL = long.MinValue;
            _minD = double.PositiveInfinity;
            _maxD = double.NegativeInfinity;
            _anyD = false;
            _minB = _maxB = null;
            _minBool = true;
            _maxBool = false;
            _bitCount = 0;
            Dictionary = dictionary ? new StringDictionary() : null;
        }

        public byte[]? MinBytes() => Encode(true);

        public byte[]? MaxBytes() => Encode(false);

        public void Append(Array array, int offset, int count)
        {
            if (!Column.Required)
            {
                EnsureLevels(Rows + count);
            }

            switch (array)
            {
                case double[] a when Column.Type == ParquetType.Double:
                    AppendFixed(a.AsSpan(offset, count));
                    for (int i = offset; i < offset + count; i++)
                    {
                        StatD(a[i]);
                    }

                    break;
                case double?[] a when Column.Type == ParquetType.Double:
                    AppendNullable(a.AsSpan(offset, count), v => StatD(v));
                    break;
                case float[] a when Column.Type == ParquetType.Float:
                    AppendFixed(a.AsSpan(offset, count));
                    for (int i = offset; i < offset + count; i++)
                    {
                        StatD(a[i]);
                    }

                    break;
                case float?[] a when Column.Type == ParquetType.Float:
                    AppendNullable(a.AsSpan(offset, count), v => StatD(v));
                    break;
                case int[] a when Column.Type == ParquetType.Int32:
                    AppendFixed(a.AsSpan(offset, count));
                    for (int i = offset; i < offset + count; i++)
                    {
                        StatL(a[i]);
                    }

                    break;
                case int?[] a when Column.Type == ParquetType.Int32:
                    AppendNullable(a.AsSpan(offset, count), v => StatL(v));
                    break;
                case long[] a when Column.Type == ParquetType.Int64:
                    AppendFixed(a.AsSpan(offset, count));
                    for (int i = offset; i < offset + count; i++)
                    {
                        StatL(a[i]);
                    }

                    break;
                case long?[] a when Column.Type == ParquetType.Int64:
                    AppendNullable(a.AsSpan(offset, count), v => StatL(v));
                    break;
                case DateTime[] a when Column.LogicalType == ParquetLogicalType.TimestampMicros:
                    {
                        var micros = new long[count];
                        for (int i = 0; i < count; i++)
                        {
                            micros[i] = ToMicros(a[offset + i]);
                            StatL(micros[i]);
                        }

                        AppendFixed<long>(micros);
                        break;
                    }

                case DateTime?[] a when Column.LogicalType == ParquetLogicalType.TimestampMicros:
                    {
                        var micros = new long?[count];
                        for (int i = 0; i < count; i++)
                        {
                            micros[i] = a[offset + i] is { } d ? ToMicros(d) : null;
                        }

                        AppendNullable<long>(micros, v => StatL(v));
                        break;
                    }

                case bool[] a when Column.Type == ParquetType.Boolean:
                    for (int i = offset; i < offset + count; i++)
                    {
                        AppendBool(a[i]);
                    }

                    if (!Column.Required)
                    {
                        DefLevels.AsSpan(Rows, count).Fill(1);
                    }

                    Rows += count;
                    break;
                case bool?[] a when Column.Type == ParquetType.Boolean:
                    RequireOptional(a, offset, count);
                    for (int i = offset; i < offset + count; i++)
                    {
                        if (a[i] is { } v)
                        {
                            AppendBool(v);
                            Level(1);
                        }
                        else
                        {
                            Level(0);
                        }
                    }

                    break;
                case string?[] a when Column.Type == ParquetType.ByteArray:
                    if (Column.Required)
                    {
                        for (int i = offset; i < offset + count; i++)
                        {
                            if (a[i] is null)
                            {
                                throw new ArgumentException($"column {Column.Name} is required but value {i} is null");
                            }
                        }
                    }

                    for (int i = offset; i < offset + count; i++)
                    {
                        if (a[i] is { } s)
                        {
                            AppendString(s);
                            if (!Column.Required)
                            {
                                Level(1);
                            }
                            else
                            {
                                Rows++;
                            }
                        }
                        else
                        {
                            Level(0);
                        }
                    }

                    break;
                default:
                    throw new ArgumentException($"column {Column.Name} ({Column}) cannot be written from {array.GetType().Name}");
            }
        }

        private static long ToMicros(DateTime d) =>
            (d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d).Subtract(DateTime.UnixEpoch).Ticks / 10;

        private void RequireOptional(Array a, int offset, int count)
        {
            if (Column.Required)
            {
                for (int i = offset; i < offset + count; i++)
                {
                    if (a.GetValue(i) is null)
                    {
                        throw new ArgumentException($"column {Column.Name} is required but value {i} is null");
                    }
                }
            }
        }

        private void Level(int l)
        {
            if (!Column.Required)
            {
                DefLevels[Rows] = l;
            }

            if (l == 0)
            {
                Nulls++;
            }

            Rows++;
        }

        private void EnsureLevels(int n)
        {
            if (DefLevels.Length < n)
            {
                var d = new int[Math.Max(n, DefLevels.Length * 2)];
                DefLevels.AsSpan(0, Rows).CopyTo(d);
                DefLevels = d;
            }
        }

        private void AppendFixed<T>(ReadOnlySpan<T> values)
            where T : unmanaged
        {
            Values.Add(MemoryMarshal.AsBytes(values));
            if (!Column.Required)
            {
                DefLevels.AsSpan(Rows, values.Length).Fill(1);
            }

            Rows += values.Length;
        }

        private void AppendNullable<T>(ReadOnlySpan<T?> values, Action<T> stat)
            where T : unmanaged
        {
            foreach (var v in values)
            {
                if (v is { } x)
                {
                    Values.Add(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in x)));
                    stat(x);
                    Level(1);
                }
                else if (Column.Required)
                {
                    throw new ArgumentException($"column {Column.Name} is required but a value is null");
                }
                else
                {
                    Level(0);
                }
            }
        }

        private void AppendBool(bool v)
        {
            if ((_bitCount & 7) == 0)
            {
                Values.Add(0);
            }

            if (v)
            {
                Values.Data[Values.Length - 1] |= (byte)(1 << (_bitCount & 7));
            }

            _bitCount++;
            _minBool &= v;
            _maxBool |= v;
        }

        private void AppendString(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            if (_minB is null || bytes.AsSpan().SequenceCompareTo(_minB) < 0)
            {
                _minB = bytes;
            }

            if (_maxB is null || bytes.AsSpan().SequenceCompareTo(_maxB) > 0)
            {
                _maxB = bytes;
            }

            if (Dictionary is { } d)
            {
                if (!d.Map.TryGetValue(s, out int idx))
                {
                    idx = d.Values.Count;
                    d.Map[s] = idx;
                    d.Values.Add(bytes);
                }

                int n = Rows - Nulls;
                if (d.Indices.Length <= n)
                {
                    var grown = new int[d.Indices.Length * 2];
                    d.Indices.CopyTo(grown, 0);
                    d.Indices = grown;
                }

                d.Indices[n] = idx;
            }
            else
            {
                Codec.WriteInt32(Values, bytes.Length);
                Values.Add(bytes);
            }
        }

        private void StatL(long v)
        {
            if (v < _minL)
            {
                _minL = v;
            }

            if (v > _maxL)
            {
                _maxL = v;
            }
        }

        private void StatD(double v)
        {
            if (double.IsNaN(v))
            {
                return;
            }

            _anyD = true;
            if (v < _minD || (v == 0 && _minD == 0 && double.IsNegative(v)))
            {
                _minD = v;
            }

            if (v > _maxD || (v == 0 && _maxD == 0 && !double.IsNegative(v)))
            {
                _maxD = v;
            }
        }

        private byte[]? Encode(bool min)
        {
            if (Rows - Nulls == 0)
            {
                return null;
            }

            switch (Column.Type)
            {
                case ParquetType.Boolean:
                    return [(byte)((min ? _minBool : _maxBool) ? 1 : 0)];
                case ParquetType.Int32:
                    {
                        var b = new byte[4];
                        BinaryPrimitives.WriteInt32LittleEndian(b, (int)(min ? _minL : _maxL));
                        return b;
                    }

                case ParquetType.Int64:
                    {
                        var b = new byte[8];
                        BinaryPrimitives.WriteInt64LittleEndian(b, min ? _minL : _maxL);
                        return b;
                    }

                case ParquetType.Float:
                    {
                        if (!_anyD)
                        {
                            return null;
                        }

                        var b = new byte[4];
                        BinaryPrimitives.WriteSingleLittleEndian(b, (float)(min ? _minD : _maxD));
                        return b;
                    }

                case ParquetType.Double:
                    {
                        if (!_anyD)
                        {
                            return null;
                        }

                        var b = new byte[8];
                        BinaryPrimitives.WriteDoubleLittleEndian(b, min ? _minD : _maxD);
                        return b;
                    }

                default:
                    return min ? _minB : _maxB;
            }
        }
    }
}
