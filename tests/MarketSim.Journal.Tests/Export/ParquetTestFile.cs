using Parquet;
using Parquet.Meta;
using Parquet.Schema;

namespace MarketSim.Journal.Tests.Export;

/// <summary>Reads an exported table back with Parquet.Net itself (whole columns over all row groups) for the specs.</summary>
internal sealed class ParquetTestFile : IDisposable
{
    private readonly ParquetReader _reader;

    private ParquetTestFile(ParquetReader reader)
    {
        _reader = reader;
        Columns = reader.Schema.GetDataFields();
        Elements = [.. reader.Metadata!.Schema.Skip(1)];
    }

    public DataField[] Columns { get; }

    /// <summary>The file's schema elements (physical and logical types), in column order.</summary>
    public SchemaElement[] Elements { get; }

    public long NumRows => _reader.RowGroups.Sum(g => g.RowCount);

    public int RowGroupCount => _reader.RowGroupCount;

    public static ParquetTestFile Open(string path) => new(ParquetReader.CreateAsync(path).GetAwaiter().GetResult());

    /// <summary>Column <paramref name="name"/> as <typeparamref name="T"/>[] (<c>int?</c> etc. for optional columns, <c>string?</c> for text).</summary>
    public T[] Read<T>(string name) => (T[])ReadColumn(name);

    /// <summary>Column <paramref name="name"/>: <c>T[]</c> when required, <c>T?[]</c> when optional, <c>string?[]</c> for text.</summary>
    public Array ReadColumn(string name)
    {
        var field = Columns.Single(f => f.Name == name);
        var text = field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>);
        var type = text ? typeof(string) : field.IsNullable ? typeof(Nullable<>).MakeGenericType(field.ClrType) : field.ClrType;
        var all = Array.CreateInstance(type, NumRows);
        var at = 0;
        foreach (var g in _reader.RowGroups)
        {
            var part = (Array)typeof(ParquetTestFile).GetMethod(text ? nameof(ReadStrings) : field.IsNullable ? nameof(ReadOptional) : nameof(ReadRequired))!
                .MakeGenericMethod(text ? typeof(object) : field.ClrType).Invoke(null, [g, field])!;
            Array.Copy(part, 0, all, at, part.Length);
            at += part.Length;
        }

        return all;
    }

    public void Dispose() => _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();

    public static T[] ReadRequired<T>(ParquetRowGroupReader g, DataField field)
        where T : struct
    {
        var values = new T[g.RowCount];
        g.ReadAsync(field, values.AsMemory()).AsTask().GetAwaiter().GetResult();
        return values;
    }

    public static T?[] ReadOptional<T>(ParquetRowGroupReader g, DataField field)
        where T : struct
    {
        var values = new T?[g.RowCount];
        g.ReadAsync(field, values.AsMemory()).AsTask().GetAwaiter().GetResult();
        return values;
    }

    public static string?[] ReadStrings<T>(ParquetRowGroupReader g, DataField field)
    {
        var values = new string?[g.RowCount];
        g.ReadAsync(field, values.AsMemory()).AsTask().GetAwaiter().GetResult();
        return values;
    }
}
