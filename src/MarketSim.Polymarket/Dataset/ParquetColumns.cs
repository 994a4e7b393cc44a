using System.IO.Compression;
using Parquet;
using Parquet.Schema;

namespace MarketSim.Polymarket.Dataset;

/// <summary>
/// A small flat Parquet file (a dataset, a predictions file) read whole with Parquet.Net: the file's bytes are read into
/// memory first, so every Parquet.Net task completes on the caller's thread (no thread-pool hop, nothing to deadlock on,
/// also inside an actor). Columns come back over all row groups, nulls included. Anything wrong — not Parquet,
/// truncated, corrupt, a column of an unexpected type, a timestamp outside the years 0001–9999 — throws
/// <see cref="InvalidDataException"/> with one line naming the file and the cause.
/// </summary>
internal sealed class ParquetColumns
{
    private readonly Dictionary<string, DataField> _fields;
    private readonly ParquetReader _reader;

    private ParquetColumns(string path, ParquetReader reader)
    {
        Path = path;
        _reader = reader;
        _fields = reader.Schema.GetDataFields().ToDictionary(f => f.Name, StringComparer.Ordinal);
        Rows = reader.RowGroups.Sum(g => g.RowCount);
    }

    /// <summary>The file as named by the caller.</summary>
    public string Path { get; }

    /// <summary>Rows in all row groups.</summary>
    public long Rows { get; }

    /// <summary>Reads <paramref name="path"/> into memory and opens it.</summary>
    public static ParquetColumns Open(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length >= 4 && bytes.AsSpan(0, 4).SequenceEqual("PAR1"u8) && (bytes.Length < 12 || !bytes.AsSpan(bytes.Length - 4).SequenceEqual("PAR1"u8)))
        {
            throw new InvalidDataException($"{path}: not a readable Parquet file: truncated (it starts as Parquet but its footer, ending in PAR1, is missing: {bytes.Length} bytes; an interrupted copy or download?)");
        }

        try
        {
            return new ParquetColumns(path, ParquetReader.CreateAsync(new MemoryStream(bytes, writable: false)).GetAwaiter().GetResult());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidDataException($"{path}: not a readable Parquet file: {Cause(e)}", e);
        }
    }

    /// <summary>Whether the file has a column named <paramref name="name"/>.</summary>
    public bool Has(string name) => _fields.ContainsKey(name);

    /// <summary>A text column (nulls as null).</summary>
    public string?[] Strings(string name)
    {
        var field = Field(name, typeof(string), "a string");
        var all = new string?[Rows];
        var at = 0;
        foreach (var group in _reader.RowGroups)
        {
            var n = (int)group.RowCount;
            Read(name, () => group.ReadAsync(field, all.AsMemory(at, n)).AsTask());
            at += n;
        }

        return all;
    }

    /// <summary>An INT32 column (an INT64 one whose values fit is accepted too).</summary>
    public int?[] Int32s(string name)
    {
        if (_fields.TryGetValue(name, out var f) && ClrType(f) == typeof(long))
        {
            return [.. Int64s(name).Select((v, i) => v is null ? (int?)null : v is >= int.MinValue and <= int.MaxValue ? (int)v.Value : throw new InvalidDataException($"{Path}: column {name}, row {i}: {v} does not fit in INT32"))];
        }

        return Values<int>(name, "an INT32");
    }

    /// <summary>An INT64 column (an INT32 one is widened).</summary>
    public long?[] Int64s(string name)
    {
        if (_fields.TryGetValue(name, out var f) && ClrType(f) == typeof(int))
        {
            return [.. Values<int>(name, "an INT64").Select(v => (long?)v)];
        }

        return Values<long>(name, "an INT64");
    }

    /// <summary>A DOUBLE column (a FLOAT one is widened).</summary>
    public double?[] Doubles(string name)
    {
        if (_fields.TryGetValue(name, out var f) && ClrType(f) == typeof(float))
        {
            return [.. Values<float>(name, "a DOUBLE").Select(v => (double?)v)];
        }

        return Values<double>(name, "a DOUBLE");
    }

    /// <summary>A timestamp column as UTC instants (a zone-less timestamp is taken as UTC).</summary>
    public DateTimeOffset?[] Times(string name) =>
        [.. Values<DateTime>(name, "a TIMESTAMP").Select(t => t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : (DateTimeOffset?)null)];

    /// <summary>
    /// Writes one row group of <paramref name="columns"/> (field and values: <c>T[]</c>/<c>T?[]</c> of a value type,
    /// <c>string?[]</c>, <c>DateTime?[]</c> for timestamps) to <paramref name="path"/>, through a temporary file beside it
    /// that is renamed into place, so a failed write leaves no truncated file. Compression level: Optimal.
    /// </summary>
    public static void Write(string path, IReadOnlyList<(DataField Field, Array Values)> columns, CompressionMethod compression)
    {
        var schema = new ParquetSchema(columns.Select(c => (Field)c.Field));
        var buffer = new MemoryStream();
        var options = new ParquetOptions { CompressionMethod = compression, CompressionLevel = CompressionLevel.Optimal };
        var writer = ParquetWriter.CreateAsync(schema, buffer, options).GetAwaiter().GetResult();
        using (var group = writer.CreateRowGroup())
        {
            foreach (var (field, values) in columns)
            {
                var task = values switch
                {
                    string?[] s => group.WriteAsync(field, s),
                    int[] a => group.WriteAsync<int>(field, a),
                    int?[] a => group.WriteAsync<int>(field, a),
                    long[] a => group.WriteAsync<long>(field, a),
                    long?[] a => group.WriteAsync<long>(field, a),
                    double[] a => group.WriteAsync<double>(field, a),
                    double?[] a => group.WriteAsync<double>(field, a),
                    DateTime[] a => group.WriteAsync<DateTime>(field, a),
                    DateTime?[] a => group.WriteAsync<DateTime>(field, a),
                    _ => throw new ArgumentException($"column {field.Name}: unsupported values {values.GetType().Name}", nameof(columns)),
                };
                task.GetAwaiter().GetResult();
            }

            group.CompleteValidate();
        }

        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();

        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                buffer.WriteTo(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    private T?[] Values<T>(string name, string expected)
        where T : struct
    {
        var field = Field(name, typeof(T), expected);
        var all = new T?[Rows];
        var at = 0;
        foreach (var group in _reader.RowGroups)
        {
            var n = (int)group.RowCount;
            if (field.IsNullable)
            {
                Read(name, () => group.ReadAsync(field, all.AsMemory(at, n)).AsTask());
            }
            else
            {
                var values = new T[n];
                Read(name, () => group.ReadAsync(field, values.AsMemory()).AsTask());
                for (var i = 0; i < n; i++)
                {
                    all[at + i] = values[i];
                }
            }

            at += n;
        }

        return all;
    }

    private DataField Field(string name, Type type, string expected)
    {
        if (!_fields.TryGetValue(name, out var field))
        {
            throw new InvalidDataException($"{Path}: no column {name}");
        }

        if (field.IsArray || ClrType(field) != type)
        {
            throw new InvalidDataException($"{Path}: column {name} is {(field.IsArray ? "repeated" : ClrType(field).Name)}, expected {expected}");
        }

        return field;
    }

    private void Read(string name, Func<Task> read)
    {
        try
        {
            read().GetAwaiter().GetResult();
        }
        catch (ArgumentOutOfRangeException e) when (_fields[name].ClrType == typeof(DateTime))
        {
            throw new InvalidDataException($"{Path}: column {name}: a timestamp is outside the years 0001-9999 that .NET's DateTime can hold", e);
        }
        catch (Exception e) when (e is not OperationCanceledException and not InvalidDataException)
        {
            throw new InvalidDataException($"{Path}: column {name}: cannot be read: {Cause(e)}", e);
        }
    }

    /// <summary>The field's value type, text as <see cref="string"/> (Parquet.Net 6 reports it as <c>ReadOnlyMemory&lt;char&gt;</c>) and binary as <c>byte[]</c>.</summary>
    private static Type ClrType(DataField field) =>
        field.ClrType == typeof(ReadOnlyMemory<char>) ? typeof(string) : field.ClrType == typeof(ReadOnlyMemory<byte>) ? typeof(byte[]) : field.ClrType;

    private static string Cause(Exception e) =>
        (e is IOException or ParquetException ? e.Message : $"{e.GetType().Name}: {e.Message}").ReplaceLineEndings(" ").Trim();
}
