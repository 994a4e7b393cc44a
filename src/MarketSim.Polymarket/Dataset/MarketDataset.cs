using Parquet;
using Parquet.Schema;

namespace MarketSim.Polymarket.Dataset;

/// <summary>Reads and writes the yes/no dataset as Parquet with Parquet.Net (columns of docs/polymarket.md plus provenance).</summary>
public static class MarketDataset
{
    /// <summary>The dataset's columns, in file order: a new schema per call (Parquet.Net fields belong to one schema).</summary>
    internal static DataField[] Fields() =>
    [
        new DataField("id", typeof(string), false),
        new DataField("conditionId", typeof(string), false),
        new DataField("question", typeof(string), false),
        new DataField("description", typeof(string), true),
        new DataField("slug", typeof(string), true),
        new DataField("category", typeof(string), true),
        new DataField("y", typeof(int), false),
        new DataField("yes_token_id", typeof(string), true),
        new DataField("no_token_id", typeof(string), true),
        Timestamp("createdAt"),
        Timestamp("endDate"),
        Timestamp("closedTime"),
        Timestamp("resolvedAt"),
        new DataField("volumeNum", typeof(double), true),
        new DataField("lastTradePrice", typeof(double), true),
        new DataField("criterion", typeof(string), true),
        new DataField("history_start_ts", typeof(long), true),
        new DataField("history_end_ts", typeof(long), true),
        new DataField("market_prob_target_ts", typeof(long), true),
        new DataField("market_prob_ts", typeof(long), true),
        new DataField("market_event_ts", typeof(long), true),
        new DataField("market_prob", typeof(double), true),
        new DataField("source", typeof(string), false),
    ];

    /// <summary>Writes <paramref name="rows"/> to <paramref name="path"/> (replacing it through a temporary file, so a failed write leaves no truncated file).</summary>
    public static void Write(string path, IReadOnlyList<MarketRow> rows, CompressionMethod compression = CompressionMethod.Snappy)
    {
        ArgumentNullException.ThrowIfNull(rows);
        static DateTime? Utc(DateTimeOffset? t) => t?.UtcDateTime;
        var f = Fields();
        Array[] values =
        [
            rows.Select(r => r.Id).ToArray(),
            rows.Select(r => r.ConditionId).ToArray(),
            rows.Select(r => r.Question).ToArray(),
            rows.Select(r => r.Description).ToArray(),
            rows.Select(r => r.Slug).ToArray(),
            rows.Select(r => r.Category).ToArray(),
            rows.Select(r => r.Y).ToArray(),
            rows.Select(r => r.YesTokenId).ToArray(),
            rows.Select(r => r.NoTokenId).ToArray(),
            rows.Select(r => Utc(r.CreatedAt)).ToArray(),
            rows.Select(r => Utc(r.EndDate)).ToArray(),
            rows.Select(r => Utc(r.ClosedTime)).ToArray(),
            rows.Select(r => Utc(r.ResolvedAt)).ToArray(),
            rows.Select(r => r.VolumeNum).ToArray(),
            rows.Select(r => r.LastTradePrice).ToArray(),
            rows.Select(r => r.Price?.Criterion).ToArray(),
            rows.Select(r => r.Price?.HistoryStartTs).ToArray(),
            rows.Select(r => r.Price?.HistoryEndTs).ToArray(),
            rows.Select(r => r.Price?.TargetTs).ToArray(),
            rows.Select(r => r.Price?.ProbTs).ToArray(),
            rows.Select(r => r.Price?.EventTs).ToArray(),
            rows.Select(r => r.Price?.Prob).ToArray(),
            rows.Select(r => r.Source).ToArray(),
        ];
        ParquetColumns.Write(path, [.. f.Zip(values)], compression);
    }

    /// <summary>
    /// Reads a dataset written by <see cref="Write"/> (or by another tool with the same column names: optional columns may
    /// be missing, INT32/INT64 and FLOAT/DOUBLE are interchangeable). Anything wrong throws <see cref="InvalidDataException"/>
    /// with one line naming the file.
    /// </summary>
    public static IReadOnlyList<MarketRow> Read(string path)
    {
        var r = ParquetColumns.Open(path);
        string?[] Str(string c) => r.Strings(c);
        string?[] OptStr(string c) => r.Has(c) ? r.Strings(c) : new string?[r.Rows];
        long?[] OptLong(string c) => r.Has(c) ? r.Int64s(c) : new long?[r.Rows];
        double?[] OptDouble(string c) => r.Has(c) ? r.Doubles(c) : new double?[r.Rows];
        DateTimeOffset?[] OptTime(string c) => r.Has(c) ? r.Times(c) : new DateTimeOffset?[r.Rows];
        var id = Str("id");
        var cond = Str("conditionId");
        var question = Str("question");
        var description = OptStr("description");
        var slug = OptStr("slug");
        var category = OptStr("category");
        var y = r.Int32s("y");
        var yes = OptStr("yes_token_id");
        var no = OptStr("no_token_id");
        var created = OptTime("createdAt");
        var end = OptTime("endDate");
        var closed = OptTime("closedTime");
        var resolved = OptTime("resolvedAt");
        var volume = OptDouble("volumeNum");
        var last = OptDouble("lastTradePrice");
        var criterion = OptStr("criterion");
        var hs = OptLong("history_start_ts");
        var he = OptLong("history_end_ts");
        var target = OptLong("market_prob_target_ts");
        var probTs = OptLong("market_prob_ts");
        var eventTs = OptLong("market_event_ts");
        var prob = OptDouble("market_prob");
        var source = OptStr("source");
        var rows = new MarketRow[id.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            MarketPrice? price = criterion[i] is { } c && prob[i] is { } p
                ? new MarketPrice(c, hs[i] ?? 0, he[i] ?? 0, target[i] ?? 0, probTs[i] ?? 0, eventTs[i] ?? 0, p)
                : null;
            rows[i] = new MarketRow(Required(id[i], "id", i), Required(cond[i], "conditionId", i), Required(question[i], "question", i), description[i], slug[i], category[i],
                y[i] ?? throw new InvalidDataException($"{path}: row {i}: y is null"),
                yes[i], no[i], created[i], end[i], closed[i], resolved[i], volume[i], last[i], price, source[i] ?? string.Empty);
        }

        return rows;

        string Required(string? value, string column, int row) => value ?? throw new InvalidDataException($"{path}: row {row}: {column} is null");
    }

    private static DateTimeDataField Timestamp(string name) =>
        new(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true);
}
