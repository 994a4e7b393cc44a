using Parquet.Schema;

namespace MarketSim.Journal.Export;

/// <summary>The value kinds an exported column can hold (docs/outputs.md).</summary>
internal enum ColumnKind
{
    /// <summary>Parquet INT32.</summary>
    Int32,

    /// <summary>Parquet INT64.</summary>
    Int64,

    /// <summary>Parquet DOUBLE.</summary>
    Double,

    /// <summary>Parquet BYTE_ARRAY with the STRING logical type (UTF-8).</summary>
    String,

    /// <summary>Parquet INT64 with the logical type TIMESTAMP(MICROS, UTC); buffered as microseconds since the Unix epoch.</summary>
    Timestamp,
}

/// <summary>One flat column of an exported table: its name, kind and whether it may hold nulls.</summary>
internal sealed record TableColumn(string Name, ColumnKind Kind, bool Nullable = false)
{
    public static TableColumn Int32(string name, bool nullable = false) => new(name, ColumnKind.Int32, nullable);

    public static TableColumn Int64(string name, bool nullable = false) => new(name, ColumnKind.Int64, nullable);

    public static TableColumn Double(string name, bool nullable = false) => new(name, ColumnKind.Double, nullable);

    public static TableColumn String(string name, bool nullable = false) => new(name, ColumnKind.String, nullable);

    public static TableColumn Timestamp(string name, bool nullable = false) => new(name, ColumnKind.Timestamp, nullable);

    /// <summary>The element type of this column's row buffer (timestamps are buffered as microseconds, <c>long</c>).</summary>
    public Type BufferType => (Kind, Nullable) switch
    {
        (ColumnKind.Int32, false) => typeof(int),
        (ColumnKind.Int32, true) => typeof(int?),
        (ColumnKind.Int64 or ColumnKind.Timestamp, false) => typeof(long),
        (ColumnKind.Int64 or ColumnKind.Timestamp, true) => typeof(long?),
        (ColumnKind.Double, false) => typeof(double),
        (ColumnKind.Double, true) => typeof(double?),
        (ColumnKind.String, _) => typeof(string),
        _ => throw new InvalidOperationException($"column {Name}: unknown kind {Kind}"),
    };

    /// <summary>The Parquet.Net field of this column: required or optional, timestamps as TIMESTAMP(MICROS, UTC).</summary>
    public DataField ToField() => Kind switch
    {
        ColumnKind.Int32 => new DataField(Name, typeof(int), Nullable),
        ColumnKind.Int64 => new DataField(Name, typeof(long), Nullable),
        ColumnKind.Double => new DataField(Name, typeof(double), Nullable),
        ColumnKind.String => new DataField(Name, typeof(string), Nullable),
        ColumnKind.Timestamp => new DateTimeDataField(Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: Nullable),
        _ => throw new InvalidOperationException($"column {Name}: unknown kind {Kind}"),
    };
}

/// <summary>An exported table's ordered, uniquely named columns.</summary>
internal sealed class TableSchema
{
    public TableSchema(params TableColumn[] columns)
    {
        Columns = columns;
        var duplicate = columns.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"duplicate column name {duplicate.Key}", nameof(columns));
        }
    }

    public IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>A new Parquet.Net schema of these columns (its fields belong to it: build one per file).</summary>
    public ParquetSchema ToParquet() => new(Columns.Select(c => (Field)c.ToField()));
}
