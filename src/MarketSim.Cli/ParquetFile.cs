using System.Reflection;
using Parquet;
using Parquet.Meta;
using Parquet.Schema;

namespace MarketSim.Cli;

/// <summary>A Parquet file cannot be read: the message is one line, <c>FILE: cause</c>.</summary>
internal sealed class ParquetFileException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A flat Parquet file opened for <c>marketsim parquet</c> with Parquet.Net: the schema, the row groups' metadata and any
/// column as a typed array, read one column chunk at a time (only the columns asked for are read). Every failure — not
/// Parquet, truncated, corrupt, nested, a timestamp .NET cannot hold — is a <see cref="ParquetFileException"/> naming
/// the file and the cause in one line. Parquet.Net is async-only; its tasks are awaited here on the CLI's own thread
/// (there is no synchronization context to deadlock on).
/// </summary>
internal sealed class ParquetFile : IDisposable
{
    private static readonly MethodInfo ReadRequiredMethod = typeof(ParquetFile).GetMethod(nameof(ReadRequired), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo ReadOptionalMethod = typeof(ParquetFile).GetMethod(nameof(ReadOptional), BindingFlags.NonPublic | BindingFlags.Static)!;
    private readonly ParquetReader _reader;

    private ParquetFile(string path, ParquetReader reader, FileMetaData meta, IReadOnlyList<DataField> columns, IReadOnlyList<SchemaElement> elements)
    {
        Path = path;
        _reader = reader;
        Metadata = meta;
        Columns = columns;
        Elements = elements;
    }

    /// <summary>The file as named by the caller.</summary>
    public string Path { get; }

    /// <summary>The file's footer (row groups, column chunks, codecs, statistics).</summary>
    public FileMetaData Metadata { get; }

    /// <summary>The columns, in file order.</summary>
    public IReadOnlyList<DataField> Columns { get; }

    /// <summary>The schema elements of <see cref="Columns"/>, in the same order.</summary>
    public IReadOnlyList<SchemaElement> Elements { get; }

    /// <summary>Rows in all row groups.</summary>
    public long NumRows => Metadata.RowGroups.Sum(g => g.NumRows);

    /// <summary>Opens <paramref name="path"/> and reads its footer; throws <see cref="ParquetFileException"/> if it is not a readable flat Parquet file.</summary>
    public static ParquetFile Open(string path)
    {
        FileStream stream;
        try
        {
            stream = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ParquetFileException($"{path}: {OneLine(e.Message)}", e);
        }

        try
        {
            var reader = ParquetReader.CreateAsync(stream, leaveStreamOpen: false).GetAwaiter().GetResult();
            var meta = reader.Metadata ?? throw new ParquetFileException($"{path}: no file metadata");
            var schema = reader.Schema;
            if (schema.Fields.Any(f => f is not DataField d || d.IsArray))
            {
                var nested = schema.Fields.First(f => f is not DataField d || d.IsArray);
                throw new ParquetFileException($"{path}: column {nested.Name} is nested or repeated; only flat files are supported");
            }

            var columns = schema.GetDataFields();
            var elements = meta.Schema.Skip(1).ToList();
            if (elements.Count != columns.Length)
            {
                throw new ParquetFileException($"{path}: the schema has {elements.Count} elements for {columns.Length} columns");
            }

            return new ParquetFile(path, reader, meta, columns, elements);
        }
        catch (ParquetFileException)
        {
            stream.Dispose();
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            stream.Dispose();
            throw new ParquetFileException($"{path}: not a readable Parquet file: {Cause(e)}", e);
        }
    }

    /// <summary>Index of the column named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The values of column <paramref name="column"/> in row group <paramref name="rowGroup"/>: <c>T[]</c> for a required
    /// column, <c>T?[]</c> for an optional one (<c>string[]</c>/<c>byte[][]</c> with nulls), timestamps as UTC or
    /// unspecified-zone <see cref="DateTime"/> as the file says.
    /// </summary>
    public Array ReadColumn(int column, int rowGroup)
    {
        var field = Columns[column];
        var where = $"{Path}: column {field.Name}, row group {rowGroup}";
        try
        {
            var group = _reader.OpenRowGroupReader(rowGroup);
            var rows = checked((int)group.RowCount);
            if (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>))
            {
                var strings = new string?[rows];
                group.ReadAsync(field, strings.AsMemory()).AsTask().GetAwaiter().GetResult();
                return strings;
            }

            if (field.ClrType == typeof(byte[]) || field.ClrType == typeof(ReadOnlyMemory<byte>))
            {
                var bytes = new byte[]?[rows];
                group.ReadAsync(field, bytes.AsMemory()).AsTask().GetAwaiter().GetResult();
                return bytes;
            }

            var method = (field.IsNullable ? ReadOptionalMethod : ReadRequiredMethod).MakeGenericMethod(field.ClrType);
            return (Array)method.Invoke(null, [group, field, rows])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw Failure(where, field, e.InnerException);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Failure(where, field, e);
        }
    }

    /// <summary>The values of column <paramref name="column"/> over all row groups.</summary>
    public Array ReadColumn(int column)
    {
        var parts = Enumerable.Range(0, Metadata.RowGroups.Count).Select(g => ReadColumn(column, g)).ToList();
        var all = Array.CreateInstance(parts.Count > 0 ? parts[0].GetType().GetElementType()! : typeof(object), parts.Sum(p => p.Length));
        var at = 0;
        foreach (var p in parts)
        {
            Array.Copy(p, 0, all, at, p.Length);
            at += p.Length;
        }

        return all;
    }

    /// <summary>A column the way parquet-tools prints it: <c>required INT64 (TIMESTAMP(MICROS,true)) time</c>.</summary>
    public string Describe(int column)
    {
        var e = Elements[column];
        var repetition = e.RepetitionType switch
        {
            FieldRepetitionType.OPTIONAL => "optional",
            FieldRepetitionType.REPEATED => "repeated",
            _ => "required",
        };
        var annotation = Annotation(e);
        return $"{repetition} {e.Type?.ToString() ?? "?"}{(annotation is null ? string.Empty : $" ({annotation})")} {e.Name}";
    }

    public void Dispose() => _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static string? Annotation(SchemaElement e)
    {
        var l = e.LogicalType;
        if (l?.TIMESTAMP is { } ts)
        {
            return $"TIMESTAMP({Unit(ts.Unit)},{(ts.IsAdjustedToUTC ? "true" : "false")})";
        }

        if (l?.TIME is { } time)
        {
            return $"TIME({Unit(time.Unit)},{(time.IsAdjustedToUTC ? "true" : "false")})";
        }

        if (l?.DECIMAL is { } dec)
        {
            return $"DECIMAL({dec.Precision},{dec.Scale})";
        }

        if (l?.INTEGER is { } i)
        {
            return $"INTEGER({i.BitWidth},{(i.IsSigned ? "true" : "false")})";
        }

        return l switch
        {
            { STRING: not null } => "STRING",
            { DATE: not null } => "DATE",
            { ENUM: not null } => "ENUM",
            { JSON: not null } => "JSON",
            { UUID: not null } => "UUID",
            _ => e.ConvertedType?.ToString(),
        };
    }

    private static string Unit(TimeUnit unit) => unit switch
    {
        { MILLIS: not null } => "MILLIS",
        { MICROS: not null } => "MICROS",
        { NANOS: not null } => "NANOS",
        _ => "?",
    };

    private static T[] ReadRequired<T>(ParquetRowGroupReader group, DataField field, int rows)
        where T : struct
    {
        var values = new T[rows];
        group.ReadAsync(field, values.AsMemory()).AsTask().GetAwaiter().GetResult();
        return values;
    }

    private static T?[] ReadOptional<T>(ParquetRowGroupReader group, DataField field, int rows)
        where T : struct
    {
        var values = new T?[rows];
        group.ReadAsync(field, values.AsMemory()).AsTask().GetAwaiter().GetResult();
        return values;
    }

    private static ParquetFileException Failure(string where, DataField field, Exception e) =>
        e is ArgumentOutOfRangeException && field.ClrType == typeof(DateTime)
            ? new ParquetFileException($"{where}: a timestamp is outside the years 0001-9999 that .NET's DateTime can hold", e)
            : new ParquetFileException($"{where}: cannot be read: {Cause(e)}", e);

    private static string Cause(Exception e) => OneLine(e is IOException or ParquetException ? e.Message : $"{e.GetType().Name}: {e.Message}");

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
