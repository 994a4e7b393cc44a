using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace MarketSim.Parquet;

/// <summary>Statistics of one column chunk.</summary>
public sealed record ParquetStatistics(long? NullCount, byte[]? Min, byte[]? Max);

/// <summary>One column chunk of a row group.</summary>
public sealed record ParquetColumnChunk(string Column, string Codec, long NumValues, long CompressedSize, long UncompressedSize, IReadOnlyList<string> Encodings, ParquetStatistics? Statistics);

/// <summary>One row group: row count and its column chunks.</summary>
public sealed record ParquetRowGroup(long NumRows, IReadOnlyList<ParquetColumnChunk> Columns);

/// <summary>
/// Reads flat Parquet files. Only the chunks of requested columns are read from the stream.
/// Supports PLAIN and dictionary encodings, data pages v1 and v2, UNCOMPRESSED/SNAPPY/GZIP.
/// </summary>
public sealed class ParquetReader : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly string _name;
    private readonly List<RawChunk[]> _chunks = [];

    private ParquetReader(Stream stream, string name, bool leaveOpen)
    {
        _stream = stream;
        _name = name;
        _leaveOpen = leaveOpen;
        try
        {
            var (schema, rowGroups, createdBy) = ReadFooter();
            Schema = schema;
            RowGroups = rowGroups;
            CreatedBy = createdBy;
        }
        catch
        {
            if (!leaveOpen)
            {
                stream.Dispose();
            }

            throw;
        }
    }

    public ParquetSchema Schema { get; }

    public IReadOnlyList<ParquetRowGroup> RowGroups { get; }

    public string? CreatedBy { get; }

    public long NumRows => RowGroups.Sum(r => r.NumRows);

    public static ParquetReader Open(string path)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return new ParquetReader(fs, path, false);
    }

    public static ParquetReader Open(Stream stream, string name = "<stream>", bool leaveOpen = false) => new(stream, name, leaveOpen);

    /// <summary>
    /// Reads a whole column over all row groups. Element types: required columns give bool, int, long, float, double
    /// (timestamps: long microseconds, or DateTime via <see cref="ReadColumn{T}(string)"/>); optional ones the nullable forms; strings string?.
    /// </summary>
    public Array ReadColumn(string name)
    {
        int ci = ColumnIndex(name);
        var col = Schema.Columns[ci];
        if (RowGroups.Count != 1 && col.Required)
        {
            // Required columns: every row group decodes straight into its slice of one result array.
            long total = 0;
            foreach (var g in _chunks)
            {
                total += g[ci].NumValues;
            }

            if (total > Array.MaxLength)
            {
                throw Error($"column {name} holds {total} values, more than an array can");
            }

            var result = Accumulator.CreateArray(col, (int)total);
            int at = 0;
            for (int i = 0; i < RowGroups.Count; i++)
            {
                DecodeChunk(ci, i, result, at);
                at += (int)_chunks[i][ci].NumValues;
            }

            return result;
        }

        var parts = Enumerable.Range(0, RowGroups.Count).Select(i => ReadColumn(name, i)).ToList();
        if (parts.Count == 1)
        {
            return parts[0];
        }

        var all = Array.CreateInstance(col.ClrType, parts.Sum(p => p.Length));
        int offset = 0;
        foreach (var p in parts)
        {
            Array.Copy(p, 0, all, offset, p.Length);
            offset += p.Length;
        }

        return all;
    }

    /// <summary>Reads a column as <typeparamref name="T"/>[]; T may also be DateTime/DateTime? for timestamp columns.</summary>
    public T[] ReadColumn<T>(string name)
    {
        var a = ReadColumn(name);
        if (a is T[] t)
        {
            return t;
        }

        if (typeof(T) == typeof(DateTime) && a is long[] l)
        {
            return (T[])(object)l.Select(FromMicros).ToArray();
        }

        if (typeof(T) == typeof(DateTime?) && a is long?[] ln)
        {
            return (T[])(object)ln.Select(v => v is { } x ? FromMicros(x) : (DateTime?)null).ToArray();
        }

        throw new InvalidCastException($"column {name} holds {a.GetType().GetElementType()?.Name} values, not {typeof(T).Name}");
    }

    /// <summary>Reads one column chunk of one row group.</summary>
    public Array ReadColumn(string name, int rowGroup) => DecodeChunk(ColumnIndex(name), rowGroup, null, 0);

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private static DateTime FromMicros(long micros) => DateTime.UnixEpoch.AddTicks(micros * 10);

    private int ColumnIndex(string name)
    {
        int i = Schema.IndexOf(name);
        return i >= 0 ? i : throw new KeyNotFoundException($"{_name}: no column named {name} (columns: {string.Join(", ", Schema.Columns.Select(c => c.Name))})");
    }

    private ParquetFormatException Error(string what, Exception? inner = null) =>
        inner is null ? new ParquetFormatException($"{_name}: {what}") : new ParquetFormatException($"{_name}: {what}", inner);

    private (ParquetSchema, List<ParquetRowGroup>, string?) ReadFooter()
    {
        long length = _stream.Length;
        if (length < 12)
        {
            throw Error($"file is too short to be Parquet ({length} bytes; truncated?)");
        }

        Span<byte> head = stackalloc byte[4];
        _stream.Position = 0;
        _stream.ReadExactly(head);
        if (!head.SequenceEqual("PAR1"u8))
        {
            throw Error($"bad magic number at start of file (expected PAR1, found {Show(head)})");
        }

        Span<byte> tail = stackalloc byte[8];
        _stream.Position = length - 8;
        _stream.ReadExactly(tail);
        if (!tail[4..].SequenceEqual("PAR1"u8))
        {
            throw Error($"bad magic number at end of file (expected PAR1, found {Show(tail[4..])}; truncated?)");
        }

        int footerLen = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footerLen <= 0 || footerLen > length - 12)
        {
            throw Error($"footer length {footerLen} does not fit in a file of {length} bytes");
        }

        var footer = new byte[footerLen];
        _stream.Position = length - 8 - footerLen;
        _stream.ReadExactly(footer);
        ThriftStruct fmd;
        try
        {
            fmd = new ThriftReader(footer).ReadStruct();
            return ParseMetadata(fmd, length - 8 - footerLen);
        }
        catch (Exception e) when (e is not ParquetFormatException and not OutOfMemoryException)
        {
            throw Error($"malformed file metadata: {e.Message}", e);
        }
    }

    private (ParquetSchema, List<ParquetRowGroup>, string?) ParseMetadata(ThriftStruct fmd, long dataEnd)
    {
        var elements = fmd.List(2, "FileMetaData.schema").Cast<ThriftStruct>().ToList();
        if (elements.Count == 0)
        {
            throw new InvalidDataException("empty schema");
        }

        var columns = new List<ParquetColumn>();
        for (int i = 1; i < elements.Count; i++)
        {
            var e = elements[i];
            string name = e.OptString(4) ?? throw new InvalidDataException("schema element without a name");
            if ((e.OptLong(5) ?? 0) > 0 || !e.Has(1))
            {
                throw Error($"column {name}: nested schemas are not supported");
            }

            long type = e.Long(1, "SchemaElement.type");
            long rep = e.OptLong(3) ?? 0;
            if (rep == 2)
            {
                throw Error($"column {name}: repeated fields are not supported");
            }

            var pt = type switch
            {
                0 => ParquetType.Boolean,
                1 => ParquetType.Int32,
                2 => ParquetType.Int64,
                4 => ParquetType.Float,
                5 => ParquetType.Double,
                6 => ParquetType.ByteArray,
                3 => throw Error($"column {name}: unsupported physical type INT96"),
                7 => throw Error($"column {name}: unsupported physical type FIXED_LEN_BYTE_ARRAY"),
                _ => throw Error($"column {name}: unknown physical type {type}"),
            };
            var logical = ParquetLogicalType.None;
            long? converted = e.OptLong(6);
            var lt = e.OptStruct(10);
            if (pt == ParquetType.ByteArray && (converted == 0 || lt?.Has(1) == true || lt is null && converted is null))
            {
                logical = ParquetLogicalType.String;
            }
            else if (pt == ParquetType.Int64 && (converted == 10 || lt?.OptStruct(8)?.OptStruct(2)?.Has(2) == true))
            {
                logical = ParquetLogicalType.TimestampMicros;
            }

            columns.Add(new ParquetColumn(name, pt, logical, rep == 0));
        }

        var schema = new ParquetSchema(columns);
        var groups = new List<ParquetRowGroup>();
        foreach (ThriftStruct rg in fmd.Fields.TryGetValue(4, out var rgs) && rgs is List<object> l ? l : [])
        {
            var chunks = rg.List(1, "RowGroup.columns").Cast<ThriftStruct>().ToList();
            if (chunks.Count != columns.Count)
            {
                throw new InvalidDataException($"row group has {chunks.Count} column chunks but the schema has {columns.Count} columns");
            }

            var raws = new RawChunk[chunks.Count];
            var infos = new List<ParquetColumnChunk>();
            for (int i = 0; i < chunks.Count; i++)
            {
                var md = chunks[i].OptStruct(3) ?? throw new InvalidDataException("column chunk without metadata");
                long codec = md.Long(4, "ColumnMetaData.codec");
                long dataOffset = md.Long(9, "ColumnMetaData.data_page_offset");
                long? dictOffset = md.OptLong(11);
                long start = dictOffset is { } d && d > 0 && d < dataOffset ? d : dataOffset;
                long size = md.Long(7, "ColumnMetaData.total_compressed_size");
                if (start < 4 || size < 0 || start + size > dataEnd)
                {
                    throw new InvalidDataException($"column chunk {columns[i].Name} (offset {start}, {size} bytes) lies outside the data area of the file (truncated?)");
                }

                raws[i] = new RawChunk(start, size, codec, md.Long(5, "ColumnMetaData.num_values"));
                var st = md.OptStruct(12);
                infos.Add(new ParquetColumnChunk(
                    columns[i].Name,
                    Codec.CodecName(codec),
                    raws[i].NumValues,
                    size,
                    md.OptLong(6) ?? 0,
                    [.. md.List(2, "ColumnMetaData.encodings").Select(x => EncodingName((long)x))],
                    st is null ? null : new ParquetStatistics(st.OptLong(3), st.OptBinary(6) ?? st.OptBinary(2), st.OptBinary(5) ?? st.OptBinary(1))));
            }

            _chunks.Add(raws);
            groups.Add(new ParquetRowGroup(rg.Long(3, "RowGroup.num_rows"), infos));
        }

        return (schema, groups, fmd.OptString(6));
    }

    private static string EncodingName(long e) => e switch
    {
        0 => "PLAIN",
        2 => "PLAIN_DICTIONARY",
        3 => "RLE",
        4 => "BIT_PACKED",
        5 => "DELTA_BINARY_PACKED",
        6 => "DELTA_LENGTH_BYTE_ARRAY",
        7 => "DELTA_BYTE_ARRAY",
        8 => "RLE_DICTIONARY",
        9 => "BYTE_STREAM_SPLIT",
        _ => e.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string Show(ReadOnlySpan<byte> b) =>
        string.Concat(b.ToArray().Select(x => x is >= 32 and < 127 ? ((char)x).ToString() : $"\\x{x:X2}"));

    private Array DecodeChunk(int ci, int rowGroup, Array? target, int targetOffset)
    {
        var col = Schema.Columns[ci];
        var raw = _chunks[rowGroup][ci];
        byte[]? data = null;
        byte[]? scratch = null;
        try
        {
            if (raw.NumValues > Array.MaxLength || (target is not null && raw.NumValues > target.Length - targetOffset))
            {
                throw new InvalidDataException($"column chunk claims {raw.NumValues} values");
            }

            // Chunk bytes and decompressed pages live in pooled buffers, reused across pages, chunks and readers.
            data = ArrayPool<byte>.Shared.Rent((int)raw.Size);
            _stream.Position = raw.Start;
            _stream.ReadExactly(data, 0, (int)raw.Size);
            return DecodeChunk(col, raw, data.AsSpan(0, (int)raw.Size), ref scratch, target, targetOffset);
        }
        catch (Exception e) when (e is not ParquetFormatException and not OutOfMemoryException)
        {
            throw Error($"column {col.Name}, row group {rowGroup}: {e.Message}", e);
        }
        finally
        {
            if (data is not null)
            {
                ArrayPool<byte>.Shared.Return(data);
            }

            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }

    private static byte[] Scratch(ref byte[]? scratch, long size)
    {
        if (size < 0 || size > Array.MaxLength)
        {
            throw new InvalidDataException($"bad uncompressed page size {size}");
        }

        if (scratch is null || scratch.Length < size)
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
                scratch = null;
            }

            scratch = ArrayPool<byte>.Shared.Rent((int)size);
        }

        return scratch;
    }

    private static Array DecodeChunk(ParquetColumn col, RawChunk raw, ReadOnlySpan<byte> data, ref byte[]? scratch, Array? target, int targetOffset)
    {
        int total = (int)raw.NumValues;
        if (total > 0 && raw.Codec is not (0 or 1 or 2))
        {
            throw new InvalidDataException($"unsupported compression codec {Codec.CodecName(raw.Codec)}");
        }

        var acc = new Accumulator(col, total, target, targetOffset);
        int pos = 0;
        int page = 0;
        while (acc.Rows < total)
        {
            if (pos >= data.Length)
            {
                throw new InvalidDataException($"column chunk ends after {acc.Rows} of {total} values");
            }

            int pageStart = pos;
            var reader = new ThriftReader(data[pos..]);
            var header = reader.ReadStruct();
            pos += reader.Position;
            long pageType = header.Long(1, "PageHeader.type");
            long uncompressed = header.Long(2, "PageHeader.uncompressed_page_size");
            long compressed = header.Long(3, "PageHeader.compressed_page_size");
            if (compressed < 0 || uncompressed < 0 || compressed > data.Length - pos)
            {
                throw new InvalidDataException($"page at chunk offset {pos} ({compressed} bytes) overruns its column chunk ({data.Length} bytes)");
            }

            var body = data.Slice(pos, (int)compressed);
            pos += (int)compressed;
            bool inCodec = false; // decompression errors also name the page
            try
            {
                switch (pageType)
                {
                    case 2:
                        {
                            var dh = header.OptStruct(7) ?? throw new InvalidDataException("dictionary page without header");
                            var enc = dh.OptLong(2) ?? 0;
                            if (enc is not (0 or 2))
                            {
                                throw new InvalidDataException($"unsupported dictionary encoding {EncodingName(enc)}");
                            }

                            inCodec = true;
                            var bytes = Codec.Decompress(raw.Codec, body, (int)Math.Min(uncompressed, int.MaxValue));
                            inCodec = false;
                            acc.SetDictionary(bytes, (int)dh.Long(1, "DictionaryPageHeader.num_values"));
                            break;
                        }

                    case 0:
                        {
                            var dh = header.OptStruct(5) ?? throw new InvalidDataException("data page without header");
                            int n = (int)dh.Long(1, "DataPageHeader.num_values");
                            if (n < 0 || n > total - acc.Rows)
                            {
                                throw new InvalidDataException($"page holds {n} values, more than the {total - acc.Rows} left in the chunk");
                            }

                            long encoding = dh.Long(2, "DataPageHeader.encoding");
                            if (raw.Codec != 0 && col.Required && encoding == 0 && acc.PlainDestination(n) is { } direct && direct.Length == uncompressed)
                            {
                                // Required fixed-width PLAIN values: decompress straight into the result array.
                                inCodec = true;
                                Codec.DecompressInto(raw.Codec, body, direct);
                                acc.AddDirect(n);
                                break;
                            }

                            ReadOnlySpan<byte> span = body;
                            if (raw.Codec != 0)
                            {
                                inCodec = true;
                                Codec.CheckSize(raw.Codec, body, uncompressed);
                                var dest = Scratch(ref scratch, uncompressed).AsSpan(0, (int)uncompressed);
                                Codec.DecompressInto(raw.Codec, body, dest);
                                inCodec = false;
                                span = dest;
                            }

                            int[]? levels = null;
                            if (!col.Required)
                            {
                                if (span.Length < 4)
                                {
                                    throw new InvalidDataException("definition levels run past the end of the page");
                                }

                                int len = BinaryPrimitives.ReadInt32LittleEndian(span);
                                if (len < 0 || len > span.Length - 4)
                                {
                                    throw new InvalidDataException("definition levels run past the end of the page");
                                }

                                levels = new int[n];
                                Rle.Decode(span.Slice(4, len), 1, levels);
                                span = span[(4 + len)..];
                            }

                            acc.AddPage(n, levels, span, encoding);
                            break;
                        }

                    case 3:
                        {
                            var dh = header.OptStruct(8) ?? throw new InvalidDataException("data page v2 without header");
                            int n = (int)dh.Long(1, "DataPageHeaderV2.num_values");
                            if (n < 0 || n > total - acc.Rows)
                            {
                                throw new InvalidDataException($"page holds {n} values, more than the {total - acc.Rows} left in the chunk");
                            }

                            long defLen = dh.Long(5, "DataPageHeaderV2.definition_levels_byte_length");
                            long repLen = dh.Long(6, "DataPageHeaderV2.repetition_levels_byte_length");
                            if (defLen < 0 || repLen < 0 || defLen + repLen > body.Length || defLen + repLen > uncompressed)
                            {
                                throw new InvalidDataException("data page v2 levels run past the end of the page");
                            }

                            int[]? levels = null;
                            if (!col.Required)
                            {
                                levels = new int[n];
                                Rle.Decode(body.Slice((int)repLen, (int)defLen), 1, levels);
                            }

                            var values = body[(int)(repLen + defLen)..];
                            bool isCompressed = dh.OptBool(7) ?? true;
                            ReadOnlySpan<byte> vbytes = values;
                            if (isCompressed && raw.Codec != 0)
                            {
                                inCodec = true;
                                Codec.CheckSize(raw.Codec, values, uncompressed - defLen - repLen);
                                int size = (int)(uncompressed - defLen - repLen);
                                var dest = Scratch(ref scratch, size).AsSpan(0, size);
                                Codec.DecompressInto(raw.Codec, values, dest);
                                inCodec = false;
                                vbytes = dest;
                            }

                            acc.AddPage(n, levels, vbytes, dh.Long(4, "DataPageHeaderV2.encoding"));
                            break;
                        }

                    default:
                        break;
                }
            }
            catch (InvalidDataException e) when (inCodec)
            {
                throw new InvalidDataException($"page {page} (chunk offset {pageStart}): {e.Message}", e);
            }

            page++;
        }

        return acc.Result();
    }

    private sealed record RawChunk(long Start, long Size, long Codec, long NumValues);

    /// <summary>Collects decoded values of one column chunk: dense non-null values plus definition levels.</summary>
    private sealed class Accumulator
    {
        private readonly ParquetColumn _col;
        private readonly int _total;
        private readonly int[]? _levels;
        private readonly Array _dense;
        private readonly int _start;
        private Array? _dictionary;
        private int _count;

        /// <param name="target">For a required column: an array to decode into from <paramref name="offset"/> on; null for a new one.</param>
        public Accumulator(ParquetColumn col, int total, Array? target = null, int offset = 0)
        {
            _col = col;
            _total = total;
            _levels = col.Required ? null : new int[total];
            if (target is not null && col.Required)
            {
                _dense = target;
                _start = _count = offset;
            }
            else
            {
                _dense = CreateArray(col, total);
            }
        }

        public int Rows { get; private set; }

        /// <summary>A new array of a column's dense (non-null) element type; fixed-width ones are not zeroed.</summary>
        public static Array CreateArray(ParquetColumn col, int n) => col.Type switch
        {
            ParquetType.Boolean => new bool[n],
            ParquetType.Int32 => GC.AllocateUninitializedArray<int>(n),
            ParquetType.Int64 => GC.AllocateUninitializedArray<long>(n),
            ParquetType.Float => GC.AllocateUninitializedArray<float>(n),
            ParquetType.Double => GC.AllocateUninitializedArray<double>(n),
            _ => new string[n],
        };

        /// <summary>
        /// The bytes the next <paramref name="n"/> PLAIN values of a required fixed-width column occupy in the
        /// result, for decompressing into directly (then <see cref="AddDirect"/>); null for other columns.
        /// </summary>
        public Span<byte> PlainDestination(int n) => n < 0 || n > _total - Rows ? null : _dense switch
        {
            int[] a => MemoryMarshal.AsBytes(a.AsSpan(_count, n)),
            long[] a => MemoryMarshal.AsBytes(a.AsSpan(_count, n)),
            float[] a => MemoryMarshal.AsBytes(a.AsSpan(_count, n)),
            double[] a => MemoryMarshal.AsBytes(a.AsSpan(_count, n)),
            _ => null,
        };

        /// <summary>Counts <paramref name="n"/> values written through <see cref="PlainDestination"/>.</summary>
        public void AddDirect(int n)
        {
            _count += n;
            Rows += n;
        }

        public void SetDictionary(byte[] bytes, int n)
        {
            var d = CreateArray(_col, n);
            DecodePlain(bytes, d, 0, n);
            _dictionary = d;
        }

        public void AddPage(int n, int[]? levels, ReadOnlySpan<byte> values, long encoding)
        {
            if (n < 0 || n > _total - Rows)
            {
                throw new InvalidDataException($"page holds {n} values, more than the {_total - Rows} left in the chunk");
            }

            int nonNull = n;
            if (levels is not null)
            {
                nonNull = 0;
                foreach (var l in levels)
                {
                    nonNull += l;
                }

                levels.CopyTo(_levels!, Rows);
            }

            switch (encoding)
            {
                case 0:
                    DecodePlain(values, _dense, _count, nonNull);
                    break;
                case 2:
                case 8:
                    {
                        var dict = _dictionary ?? throw new InvalidDataException("dictionary-encoded page without a dictionary page");
                        if (nonNull > 0)
                        {
                            if (values.Length < 1)
                            {
                                throw new InvalidDataException("dictionary page data is empty");
                            }

                            var idx = new int[nonNull];
                            Rle.Decode(values[1..], values[0], idx);
                            foreach (var ix in idx)
                            {
                                if ((uint)ix >= (uint)dict.Length)
                                {
                                    throw new InvalidDataException($"dictionary index {ix} out of range ({dict.Length} entries)");
                                }
                            }

                            Gather(dict, idx, _count);
                        }

                        break;
                    }

                case 9 when _dense is int[] or long[] or float[] or double[]:
                    {
                        int width = _dense is int[] or float[]? 4 : 8;
                        if (values.Length < (long)nonNull * width)
                        {
                            throw new InvalidDataException("BYTE_STREAM_SPLIT page holds fewer values than it claims");
                        }

                        var tmp = new byte[nonNull * width];
                        for (int k = 0; k < width; k++)
                        {
                            var stream = values.Slice(k * nonNull, nonNull);
                            for (int i = 0; i < nonNull; i++)
                            {
                                tmp[(i * width) + k] = stream[i];
                            }
                        }

                        DecodePlain(tmp, _dense, _count, nonNull);
                        break;
                    }

                case 3 when _col.Type == ParquetType.Boolean:
                    {
                        int len = BinaryPrimitives.ReadInt32LittleEndian(values);
                        var bits = new int[nonNull];
                        Rle.Decode(values.Slice(4, len), 1, bits);
                        var b = (bool[])_dense;
                        for (int i = 0; i < nonNull; i++)
                        {
                            b[_count + i] = bits[i] != 0;
                        }

                        break;
                    }

                default:
                    throw new InvalidDataException($"unsupported encoding {EncodingName(encoding)}");
            }

            _count += nonNull;
            Rows += n;
        }

        public Array Result()
        {
            if (_levels is null)
            {
                if (_count - _start != _total)
                {
                    throw new InvalidDataException($"column chunk holds {_count - _start} values, {_total} expected");
                }

                return _dense;
            }

            switch (_dense)
            {
                case bool[] a: return Scatter(a);
                case int[] a: return Scatter(a);
                case long[] a: return Scatter(a);
                case float[] a: return Scatter(a);
                case double[] a: return Scatter(a);
                default:
                    {
                        var s = (string[])_dense;
                        var r = new string?[_total];
                        int k = 0;
                        for (int i = 0; i < _total; i++)
                        {
                            r[i] = _levels[i] != 0 ? s[k++] : null;
                        }

                        return r;
                    }
            }
        }

        private T?[] Scatter<T>(T[] dense)
            where T : struct
        {
            var r = new T?[_total];
            int k = 0;
            for (int i = 0; i < _total; i++)
            {
                if (_levels![i] != 0)
                {
                    r[i] = dense[k++];
                }
            }

            return r;
        }

        private void Gather(Array dict, int[] idx, int at)
        {
            switch (_dense)
            {
                case bool[] a: Gather((bool[])dict, a); break;
                case int[] a: Gather((int[])dict, a); break;
                case long[] a: Gather((long[])dict, a); break;
                case float[] a: Gather((float[])dict, a); break;
                case double[] a: Gather((double[])dict, a); break;
                case string[] a: Gather((string[])dict, a); break;
            }

            void Gather<T>(T[] d, T[] dest)
            {
                for (int i = 0; i < idx.Length; i++)
                {
                    dest[at + i] = d[idx[i]];
                }
            }
        }

        private static void DecodePlain(ReadOnlySpan<byte> src, Array dest, int at, int n)
        {
            switch (dest)
            {
                case int[] a: Fixed(src, a.AsSpan(at, n)); break;
                case long[] a: Fixed(src, a.AsSpan(at, n)); break;
                case float[] a: Fixed(src, a.AsSpan(at, n)); break;
                case double[] a: Fixed(src, a.AsSpan(at, n)); break;
                case bool[] a:
                    if (src.Length * 8L < n)
                    {
                        throw new InvalidDataException("page holds fewer boolean values than it claims");
                    }

                    for (int i = 0; i < n; i++)
                    {
                        a[at + i] = (src[i >> 3] & (1 << (i & 7))) != 0;
                    }

                    break;
                case string[] a:
                    {
                        int pos = 0;
                        for (int i = 0; i < n; i++)
                        {
                            if (pos + 4 > src.Length)
                            {
                                throw new InvalidDataException("page holds fewer strings than it claims");
                            }

                            int len = BinaryPrimitives.ReadInt32LittleEndian(src[pos..]);
                            pos += 4;
                            if (len < 0 || len > src.Length - pos)
                            {
                                throw new InvalidDataException($"string length {len} runs past the end of the page");
                            }

                            a[at + i] = Encoding.UTF8.GetString(src.Slice(pos, len));
                            pos += len;
                        }

                        break;
                    }
            }

            static void Fixed<T>(ReadOnlySpan<byte> src, Span<T> dest)
                where T : unmanaged
            {
                var bytes = MemoryMarshal.AsBytes(dest);
                if (src.Length < bytes.Length)
                {
                    throw new InvalidDataException($"page holds {src.Length} bytes of values, {bytes.Length} expected");
                }

                src[..bytes.Length].CopyTo(bytes);
            }
        }
    }
}
