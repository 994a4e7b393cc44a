namespace MarketSim.Parquet;

/// <summary>Parquet physical types supported by this library.</summary>
public enum ParquetType
{
    /// <summary>BOOLEAN.</summary>
    Boolean = 0,

    /// <summary>INT32.</summary>
    Int32 = 1,

    /// <summary>INT64.</summary>
    Int64 = 2,

    /// <summary>FLOAT (32-bit IEEE).</summary>
    Float = 4,

    /// <summary>DOUBLE (64-bit IEEE).</summary>
    Double = 5,

    /// <summary>BYTE_ARRAY (variable-length bytes).</summary>
    ByteArray = 6,
}

/// <summary>Logical annotations supported by this library.</summary>
public enum ParquetLogicalType
{
    /// <summary>No annotation: the physical type as is.</summary>
    None,

    /// <summary>BYTE_ARRAY holding UTF-8 text.</summary>
    String,

    /// <summary>INT64 microseconds since the Unix epoch, UTC.</summary>
    TimestampMicros,
}

/// <summary>Compression codecs.</summary>
public enum ParquetCompression
{
    /// <summary>No compression.</summary>
    Uncompressed = 0,

    /// <summary>Snappy (the default).</summary>
    Snappy = 1,

    /// <summary>Gzip.</summary>
    Gzip = 2,
}

/// <summary>One flat column: name, physical type, logical type and whether it may hold nulls.</summary>
public sealed record ParquetColumn(string Name, ParquetType Type, ParquetLogicalType LogicalType = ParquetLogicalType.None, bool Required = true)
{
    /// <summary>A BOOLEAN column.</summary>
    public static ParquetColumn Boolean(string name, bool required = true) => new(name, ParquetType.Boolean, ParquetLogicalType.None, required);

    /// <summary>An INT32 column.</summary>
    public static ParquetColumn Int32(string name, bool required = true) => new(name, ParquetType.Int32, ParquetLogicalType.None, required);

    /// <summary>An INT64 column.</summary>
    public static ParquetColumn Int64(string name, bool required = true) => new(name, ParquetType.Int64, ParquetLogicalType.None, required);

    /// <summary>A FLOAT column.</summary>
    public static ParquetColumn Float(string name, bool required = true) => new(name, ParquetType.Float, ParquetLogicalType.None, required);

    /// <summary>A DOUBLE column.</summary>
    public static ParquetColumn Double(string name, bool required = true) => new(name, ParquetType.Double, ParquetLogicalType.None, required);

    /// <summary>A UTF-8 string column (BYTE_ARRAY, STRING).</summary>
    public static ParquetColumn String(string name, bool required = true) => new(name, ParquetType.ByteArray, ParquetLogicalType.String, required);

    /// <summary>A timestamp column (INT64 microseconds since the Unix epoch, UTC).</summary>
    public static ParquetColumn Timestamp(string name, bool required = true) => new(name, ParquetType.Int64, ParquetLogicalType.TimestampMicros, required);

    /// <summary>The CLR element type <see cref="ParquetReader.ReadColumn(string)"/> returns for this column.</summary>
    public Type ClrType => (Type, Required) switch
    {
        (ParquetType.Boolean, true) => typeof(bool),
        (ParquetType.Boolean, false) => typeof(bool?),
        (ParquetType.Int32, true) => typeof(int),
        (ParquetType.Int32, false) => typeof(int?),
        (ParquetType.Int64, true) => typeof(long),
        (ParquetType.Int64, false) => typeof(long?),
        (ParquetType.Float, true) => typeof(float),
        (ParquetType.Float, false) => typeof(float?),
        (ParquetType.Double, true) => typeof(double),
        (ParquetType.Double, false) => typeof(double?),
        (ParquetType.ByteArray, _) => typeof(string),
        _ => typeof(object),
    };

    /// <summary>The column as in a Parquet schema dump, e.g. <c>required INT64 id</c>.</summary>
    public override string ToString()
    {
        var t = LogicalType switch
        {
            ParquetLogicalType.String => "BYTE_ARRAY (STRING)",
            ParquetLogicalType.TimestampMicros => "INT64 (TIMESTAMP(MICROS,true))",
            _ => Type.ToString().ToUpperInvariant() switch { "BYTEARRAY" => "BYTE_ARRAY", var x => x },
        };
        return $"{(Required ? "required" : "optional")} {t} {Name}";
    }
}

/// <summary>A flat schema: an ordered list of uniquely named columns.</summary>
public sealed class ParquetSchema
{
    /// <summary>A schema of the given columns; throws <see cref="ArgumentException"/> for a duplicate name or a logical type that does not fit its physical type.</summary>
    public ParquetSchema(IEnumerable<ParquetColumn> columns)
    {
        Columns = [.. columns];
        for (int i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].LogicalType == ParquetLogicalType.String && Columns[i].Type != ParquetType.ByteArray)
            {
                throw new ArgumentException($"column {Columns[i].Name}: STRING needs BYTE_ARRAY");
            }

            if (Columns[i].LogicalType == ParquetLogicalType.TimestampMicros && Columns[i].Type != ParquetType.Int64)
            {
                throw new ArgumentException($"column {Columns[i].Name}: TIMESTAMP needs INT64");
            }

            for (int j = 0; j < i; j++)
            {
                if (Columns[j].Name == Columns[i].Name)
                {
                    throw new ArgumentException($"duplicate column name {Columns[i].Name}");
                }
            }
        }
    }

    /// <summary>A schema of the given columns (see the <see cref="IEnumerable{T}"/> overload).</summary>
    public ParquetSchema(params ParquetColumn[] columns)
        : this((IEnumerable<ParquetColumn>)columns)
    {
    }

    /// <summary>The columns in order.</summary>
    public IReadOnlyList<ParquetColumn> Columns { get; }

    /// <summary>Index of the column named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The schema as a Parquet <c>message schema { ... }</c> dump.</summary>
    public override string ToString() => "message schema {\n" + string.Concat(Columns.Select(c => "  " + c + ";\n")) + "}";
}

/// <summary>Writer options.</summary>
public sealed record ParquetWriterOptions
{
    /// <summary>Codec of the data pages (default Snappy).</summary>
    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;

    /// <summary>Rows buffered before a row group is flushed by <see cref="ParquetWriter.WriteBatch"/>.</summary>
    public int RowGroupSize { get; init; } = 1 << 20;

    /// <summary>Target size of a data page of fixed-width values (INT32, INT64, FLOAT, DOUBLE), in bytes.</summary>
    public int DataPageSize { get; init; } = 1 << 20;

    /// <summary>Dictionary-encode string columns.</summary>
    public bool DictionaryStrings { get; init; }
}
