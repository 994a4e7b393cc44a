using System.Globalization;
using System.Text;
using MarketSim.Parquet;

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
/// Parquet row group or one block of CSV lines whenever the buffer is full, so memory is bounded by one row group.
/// </summary>
internal sealed class TableSink : IDisposable
{
    private readonly ParquetWriter? _parquet;
    private readonly StreamWriter? _csv;

    public TableSink(string path, ParquetSchema schema, ExportFormat format, ParquetCompression compression, int capacity)
    {
        Schema = schema;
        Capacity = capacity;
        Buffers = schema.Columns.Select(c => Array.CreateInstance(c.ClrType, capacity)).ToArray();
        if (format == ExportFormat.Parquet)
        {
            _parquet = ParquetWriter.Create(path, schema, new ParquetWriterOptions { Compression = compression, RowGroupSize = capacity });
        }
        else
        {
            _csv = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16);
            _csv.Write(string.Join(',', schema.Columns.Select(c => Quote(c.Name))));
            _csv.Write("\r\n");
        }
    }

    public ParquetSchema Schema { get; }

    public int Capacity { get; }

    /// <summary>One buffer per column, in schema order, of the column's CLR type.</summary>
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

    public void Flush()
    {
        if (Count == 0)
        {
            return;
        }

        if (_parquet is not null)
        {
            var cols = new Array[Buffers.Length];
            for (var i = 0; i < cols.Length; i++)
            {
                if (Count == Capacity)
                {
                    cols[i] = Buffers[i];
                }
                else
                {
                    cols[i] = Array.CreateInstance(Buffers[i].GetType().GetElementType()!, Count);
                    Array.Copy(Buffers[i], cols[i], Count);
                }
            }

            _parquet.WriteRowGroup(cols);
        }
        else if (_csv is not null)
        {
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
                        _csv.Write(',');
                    }

                    _csv.Write(fields[c](r));
                }

                _csv.Write("\r\n");
            }
        }

        Count = 0;
    }

    public void Dispose()
    {
        Flush();
        _parquet?.Dispose();
        _csv?.Dispose();
    }

    /// <summary>A typed CSV field formatter over one column buffer (no boxing for the common column types).</summary>
    private static Func<int, string> Formatter(ParquetColumn column, Array buffer) => buffer switch
    {
        long[] micros when column.LogicalType == ParquetLogicalType.TimestampMicros => r => Format(column, micros[r]),
        long[] a => r => a[r].ToString(CultureInfo.InvariantCulture),
        int[] a => r => a[r].ToString(CultureInfo.InvariantCulture),
        double[] a => r => a[r].ToString("R", CultureInfo.InvariantCulture),
        string?[] a => r => a[r] is { } v ? Quote(v) : string.Empty,
        _ => r => Format(column, buffer.GetValue(r)),
    };

    /// <summary>A CSV field: empty for null, ISO 8601 UTC for timestamps, round-trip invariant numbers, RFC 4180 quoting.</summary>
    internal static string Format(ParquetColumn column, object? value) => value switch
    {
        null => string.Empty,
        long micros when column.LogicalType == ParquetLogicalType.TimestampMicros =>
            DateTime.UnixEpoch.AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => Quote(s),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Quote(value.ToString() ?? string.Empty),
    };

    internal static string Quote(string s) =>
        s.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
