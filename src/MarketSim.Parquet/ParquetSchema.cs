namespace MarketSim.Parquet;

/// <summary>Parquet physical types supported by this library.</summary>
public enum ParquetType
{
    Boolean = 0,
    Int32 = 1,
    Int64 = 2,
    Float = 4,
    Double = 5,
    ByteArray = 6,
}

/// <summary>Logical annotations supported by this library.</summary>
public enum ParquetLogicalType
{
    None,

    /// <summary>BYTE_ARRAY holding UTF-8 text.</summary>
    String,

    /// <summary>INT64 microseconds since the Unix epoch, UTC.</summary>
    TimestampMicros,
}

/// <summary>Compression codecs.</summary>
public enum ParquetCompression
{
    Uncompressed = 0,
    Snappy = 1,
    Gzip = 2,
}

/// <summary>One flat column: name, physical type, logical type and whether it may hold nulls.</summary>
public sealed record ParquetColumn(string Name, ParquetType Type, ParquetLogicalType LogicalType = ParquetLogicalType.None, bool Required = true)
{
    public static ParquetColumn Boolean(string name, bool required = true) => new(name, ParquetType.Boolean, ParquetLogicalType.None, required);

    public static ParquetColumn Int32(string name, bool required = true) => new(name, ParquetType.Int32, ParquetLogicalType.None, required);

    public static ParquetColumn Int64(string name, bool required = true) => new(name, ParquetType.Int64, ParquetLogicalType.None, required);

    public static ParquetColumn Float(string name, bool required = true) => new(name, ParquetType.Float, ParquetLogicalType.None, required);

    public static ParquetColumn Double(string name, bool required = true) => new(name, ParquetType.Double, ParquetLogicalType.None, required);

    public static ParquetColumn String(string name, bool required = true) => new(name, ParquetType.ByteArray, ParquetLogicalType.String, required);

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

    public ParquetSchema(params ParquetColumn[] columns)
        : this((IEnumerable<ParquetColumn>)columns)
    {
    }

    public IReadOnlyList<ParquetColumn> Columns { get; }

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

    public override string ToString() => "message schema {\n" + string.Concat(Columns.Select(c => "  " + c + ";\n")) + "}";
}

/// <summary>Writer options.</summary>
public sealed record ParquetWriterOptions
{
    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;

    /// <summary>Rows buffered before a row group is flushed by <see cref="ParquetWriter.WriteBatch"/>.</summary>
    public int RowGroupSize { get; init; } = 1 << 20;

    /// <summary>Target size of a data page of fixed-width values (INT32, INT64, FLOAT, DOUBLE), in bytes.</summary>
    public int DataPageSize { get; init; } = 1 << 20;

    /// <summary>Dictionary-encode string columns.</summary>
    public bool DictionaryStrings { get; init; }
}
