using System.Globalization;
using System.IO.Compression;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace MarketSim.Journal.Export;

/// <summary>Output format of <see cref="RunExporter"/>.</summary>
public enum ExportFormat
{
    /// <summary>Apache Parquet files.</summary>
    Parquet,

    /// <summary>CSV files with a header row.</summary>
    Csv,
}

/// <summary>
/// One exported table: rows are buffered per column (typed arrays of <see cref="Capacity"/> rows) and flushed as one
/// Parquet row group (Parquet.Net) or one block of CSV lines whenever the buffer is full, so memory is bounded by one
/// row group. The table is written to a temporary file beside <see cref="Path"/>;
/// <see cref="Complete"/> finishes it, <see cref="Publish"/> renames it into place and <see cref="Dispose"/> deletes
/// whatever was not published, so a failed export (full disk, read-only folder) leaves no truncated table behind.
/// </summary>
internal sealed class TableSink : IDisposable
{
    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;
    private readonly FileStream _file;
    private readonly ParquetWriter? _parquet;
    private readonly DataField[]? _fields;
    private readonly Array?[] _scratch;
    private readonly StreamWriter? _csv;
    private bool _completed;
    private bool _published;

    public TableSink(string path, TableSchema schema, ExportFormat format, CompressionMethod compression, int capacity)
    {
        Path = path;
        Schema = schema;
        Capacity = capacity;
        Buffers = [.. schema.Columns.Select(c => Array.CreateInstance(c.BufferType, capacity))];
        _scratch = new Array?[schema.Columns.Count];
        TempPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            _file = new FileStream(TempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TableWriteException(path, e);
        }

        try
        {
            if (format == ExportFormat.Parquet)
            {
                var parquetSchema = schema.ToParquet();
                _fields = parquetSchema.GetDataFields();
                var options = new ParquetOptions { CompressionMethod = compression, CompressionLevel = CompressionLevel.Optimal };
                foreach (var c in schema.Columns.Where(c => c.Kind == ColumnKind.String))
                {
                    // few distinct values (forecaster, validator): a dictionary page is smaller and faster to write;
                    // Parquet.Net samples the column first and stays PLAIN when most values are distinct
                    options.ColumnEncodingHints[c.Name] = EncodingHint.Dictionary;
                }

                _parquet = ParquetWriter.CreateAsync(parquetSchema, new SynchronousStream(_file), options).GetAwaiter().GetResult();
            }
            else
            {
                _csv = new StreamWriter(_file, new UTF8Encoding(false), 1 << 16);
                _csv.Write(string.Join(',', schema.Columns.Select(c => Quote(c.Name))));
                _csv.Write("\r\n");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Dispose();
            throw new TableWriteException(path, e);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The file the table is published as.</summary>
    public string Path { get; }

    /// <summary>The temporary file the table is written to until <see cref="Publish"/>.</summary>
    public string TempPath { get; }

    public TableSchema Schema { get; }

    public int Capacity { get; }

    /// <summary>One buffer per column, in schema order, of the column's <see cref="TableColumn.BufferType"/>; the same arrays for the sink's whole life.</summary>
    public Array[] Buffers { get; }

    /// <summary>Rows filled in the buffers.</summary>
    public int Count { get; private set; }

    /// <summary>Rows written in all.</summary>
    public long Rows { get; private set; }

    /// <summary>Accepts the row just filled at index <see cref="Count"/>; flushes when the buffers are full.</summary>
    public void Commit()
    {
        Count++;
        Rows++;
        if (Count == Capacity)
        {
            Flush();
        }
    }

    /// <summary>Writes the buffered rows as one Parquet row group or one block of CSV lines; the buffers are free again when this returns.</summary>
    public void Flush()
    {
        if (Count == 0)
        {
            return;
        }

        try
        {
            if (_parquet is not null)
            {
                WriteRowGroup(Buffers, Count);
            }
            else
            {
                WriteCsv();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TableWriteException(Path, e);
        }

        Count = 0;
    }
    /// <summary>Writes the last rows and the Parquet footer and closes the temporary file (durably: it is fsynced).</summary>
    public void Complete()
    {
        Flush();
        try
        {
            if (_parquet is not null)
            {
                _parquet.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            _csv?.Flush();
            _file.Flush(flushToDisk: true);
            _file.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TableWriteException(Path, e);
        }

        _completed = true;
    }

    /// <summary>Renames the completed temporary file to <see cref="Path"/>, replacing an older table there.</summary>
    public void Publish()
    {
        if (!_completed)
        {
            throw new InvalidOperationException($"{Path}: not completed");
        }

        try
        {
            File.Move(TempPath, Path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TableWriteException(Path, e);
        }

        _published = true;
    }

    /// <summary>Closes the file; deletes the temporary file unless it was published.</summary>
    public void Dispose()
    {
        if (_published)
        {
            return;
        }

        try
        {
            _file?.Dispose(); // may fail flushing its buffer (the disk is full): the temporary file goes all the same
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        try
        {
            File.Delete(TempPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // nothing more can be done; the write error that got us here is the one to report
        }
    }

    private void WriteCsv()
    {
        var csv = _csv!;
        var fields = new Func<int, string>[Buffers.Length];
        for (var c = 0; c < Buffers.Length; c++)
        {
            fields[c] = Formatter(Schema.Columns[c], Buffers[c]);
        }

        for (var r = 0; r < Count; r++)
        {
            for (var c = 0; c < Buffers.Length; c++)
            {
                if (c > 0)
                {
                    csv.Write(',');
                }

                csv.Write(fields[c](r));
            }

            csv.Write("\r\n");
        }
    }

    // One row group, every column in schema order (Parquet.Net writes the column chunks one after the other).
    private void WriteRowGroup(Array[] columns, int rows)
    {
        using var rowGroup = _parquet!.CreateRowGroup();
        for (var c = 0; c < columns.Length; c++)
        {
            WriteColumn(rowGroup, c, columns[c], rows);
        }

        rowGroup.CompleteValidate();
    }

    private void WriteColumn(ParquetRowGroupWriter rowGroup, int c, Array buffer, int n)
    {
        var field = _fields![c];
        var task = buffer switch
        {
            long[] micros when Schema.Columns[c].Kind == ColumnKind.Timestamp => rowGroup.WriteAsync<DateTime>(field, Times(c, micros, n)),
            long?[] micros when Schema.Columns[c].Kind == ColumnKind.Timestamp => rowGroup.WriteAsync<DateTime>(field, Times(c, micros, n)),
            int[] a => rowGroup.WriteAsync<int>(field, a.AsMemory(0, n)),
            int?[] a => rowGroup.WriteAsync<int>(field, a.AsMemory(0, n)),
            long[] a => rowGroup.WriteAsync<long>(field, a.AsMemory(0, n)),
            long?[] a => rowGroup.WriteAsync<long>(field, a.AsMemory(0, n)),
            double[] a => rowGroup.WriteAsync<double>(field, a.AsMemory(0, n)),
            double?[] a => rowGroup.WriteAsync<double>(field, a.AsMemory(0, n)),
            string[] a when field.IsNullable => rowGroup.WriteAsync<ReadOnlyMemory<char>>(field, OptionalStrings(c, a, n)),
            string[] a => rowGroup.WriteAsync<ReadOnlyMemory<char>>(field, RequiredStrings(c, a, n)),
            var other => throw new InvalidOperationException($"column {field.Name}: unexpected buffer {other.GetType().Name}"),
        };
        task.GetAwaiter().GetResult(); // complete already: the stream underneath is synchronous
    }

    private T[] Scratch<T>(int c) => (T[])(_scratch[c] ??= new T[Capacity]);

    private ReadOnlyMemory<DateTime> Times(int c, long[] micros, int n)
    {
        var times = Scratch<DateTime>(c);
        for (var i = 0; i < n; i++)
        {
            times[i] = new DateTime(UnixEpochTicks + (micros[i] * 10), DateTimeKind.Utc);
        }

        return times.AsMemory(0, n);
    }

    private ReadOnlyMemory<DateTime?> Times(int c, long?[] micros, int n)
    {
        var times = Scratch<DateTime?>(c);
        for (var i = 0; i < n; i++)
        {
            times[i] = micros[i] is { } m ? new DateTime(UnixEpochTicks + (m * 10), DateTimeKind.Utc) : null;
        }

        return times.AsMemory(0, n);
    }

    private ReadOnlyMemory<ReadOnlyMemory<char>> RequiredStrings(int c, string?[] values, int n)
    {
        var chars = Scratch<ReadOnlyMemory<char>>(c);
        for (var i = 0; i < n; i++)
        {
            chars[i] = (values[i] ?? throw new InvalidOperationException($"column {Schema.Columns[c].Name} is required but row {i} is null")).AsMemory();
        }

        return chars.AsMemory(0, n);
    }

    private ReadOnlyMemory<ReadOnlyMemory<char>?> OptionalStrings(int c, string?[] values, int n)
    {
        var chars = Scratch<ReadOnlyMemory<char>?>(c);
        for (var i = 0; i < n; i++)
        {
            chars[i] = values[i]?.AsMemory();
        }

        return chars.AsMemory(0, n);
    }

    /// <summary>A typed CSV field formatter over one column buffer (no boxing for the common column types).</summary>
    private static Func<int, string> Formatter(TableColumn column, Array buffer) => buffer switch
    {
        long[] micros when column.Kind == ColumnKind.Timestamp => r => Format(column, micros[r]),
        long[] a => r => a[r].ToString(CultureInfo.InvariantCulture),
        int[] a => r => a[r].ToString(CultureInfo.InvariantCulture),
        double[] a => r => a[r].ToString("R", CultureInfo.InvariantCulture),
        string[] a => r => a[r] is { } v ? Quote(v) : string.Empty,
        _ => r => Format(column, buffer.GetValue(r)),
    };

    /// <summary>A CSV field: empty for null, ISO 8601 UTC for timestamps, round-trip invariant numbers, RFC 4180 quoting.</summary>
    internal static string Format(TableColumn column, object? value) => value switch
    {
        null => string.Empty,
        long micros when column.Kind == ColumnKind.Timestamp =>
            DateTime.UnixEpoch.AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => Quote(s),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Quote(value.ToString() ?? string.Empty),
    };

    internal static string Quote(string s) =>
        s.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}

/// <summary>A table file could not be created or written (full disk, read-only folder); <see cref="Table"/> names it.</summary>
internal sealed class TableWriteException(string table, Exception inner) : Exception($"cannot write {table}: {inner.Message}", inner)
{
    public string Table { get; } = table;
}
