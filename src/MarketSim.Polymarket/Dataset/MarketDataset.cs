using MarketSim.Parquet;

namespace MarketSim.Polymarket.Dataset;

/// <summary>Reads and writes the yes/no dataset as Parquet (columns of docs/polymarket.md plus provenance).</summary>
public static class MarketDataset
{
    internal static readonly ParquetSchema Schema = new(
        ParquetColumn.String("id"),
        ParquetColumn.String("conditionId"),
        ParquetColumn.String("question"),
        ParquetColumn.String("description", required: false),
        ParquetColumn.String("slug", required: false),
        ParquetColumn.String("category", required: false),
        ParquetColumn.Int32("y"),
        ParquetColumn.String("yes_token_id", required: false),
        ParquetColumn.String("no_token_id", required: false),
        ParquetColumn.Timestamp("createdAt", required: false),
        ParquetColumn.Timestamp("endDate", required: false),
        ParquetColumn.Timestamp("closedTime", required: false),
        ParquetColumn.Timestamp("resolvedAt", required: false),
        ParquetColumn.Double("volumeNum", required: false),
        ParquetColumn.Double("lastTradePrice", required: false),
        ParquetColumn.String("criterion", required: false),
        ParquetColumn.Int64("history_start_ts", required: false),
        ParquetColumn.Int64("history_end_ts", required: false),
        ParquetColumn.Int64("market_prob_target_ts", required: false),
        ParquetColumn.Int64("market_prob_ts", required: false),
        ParquetColumn.Int64("market_event_ts", required: false),
        ParquetColumn.Double("market_prob", required: false),
        ParquetColumn.String("source"));

    /// <summary>Writes <paramref name="rows"/> to <paramref name="path"/> (replacing it).</summary>
    public static void Write(string path, IReadOnlyList<MarketRow> rows, ParquetCompression compression = ParquetCompression.Snappy)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        var n = rows.Count;
        static long? Micros(DateTimeOffset? t) => t is { } v ? (v.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10 : null;
        var tmp = path + ".tmp";
        using (var w = ParquetWriter.Create(tmp, Schema, new ParquetWriterOptions { Compression = compression }))
        {
            w.WriteRowGroup(
                rows.Select(r => r.Id).ToArray(),
                rows.Select(r => r.ConditionId).ToArray(),
                rows.Select(r => r.Question).ToArray(),
                rows.Select(r => r.Description).ToArray(),
                rows.Select(r => r.Slug).ToArray(),
                rows.Select(r => r.Category).ToArray(),
                rows.Select(r => r.Y).ToArray(),
                rows.Select(r => r.YesTokenId).ToArray(),
                rows.Select(r => r.NoTokenId).ToArray(),
                rows.Select(r => Micros(r.CreatedAt)).ToArray(),
                rows.Select(r => Micros(r.EndDate)).ToArray(),
                rows.Select(r => Micros(r.ClosedTime)).ToArray(),
                rows.Select(r => Micros(r.ResolvedAt)).ToArray(),
                rows.Select(r => r.VolumeNum).ToArray(),
                rows.Select(r => r.LastTradePrice).ToArray(),
                rows.Select(r => r.Price?.Criterion).ToArray(),
                rows.Select(r => r.Price?.HistoryStartTs).ToArray(),
                rows.Select(r => r.Price?.HistoryEndTs).ToArray(),
                rows.Select(r => r.Price?.TargetTs).ToArray(),
                rows.Select(r => r.Price?.ProbTs).ToArray(),
                rows.Select(r => r.Price?.EventTs).ToArray(),
                rows.Select(r => r.Price?.Prob).ToArray(),
                rows.Select(r => r.Source).ToArray());
        }

        _ = n;
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads a dataset written by <see cref="Write"/> (or by another tool with the same column names).</summary>
    public static IReadOnlyList<MarketRow> Read(string path)
    {
        using var r = ParquetReader.Open(path);
        string[] Str(string c) => (string[])r.ReadColumn(c);
        string?[] OptStr(string c) => Has(r, c) ? (string?[])r.ReadColumn(c) : new string?[r.NumRows];
        long?[] OptLong(string c) => Has(r, c) ? ToNullable<long>(r.ReadColumn(c)) : new long?[r.NumRows];
        double?[] OptDouble(string c) => Has(r, c) ? ToNullable<double>(r.ReadColumn(c)) : new double?[r.NumRows];
        var id = Str("id");
        var cond = Str("conditionId");
        var question = Str("question");
        var description = OptStr("description");
        var slug = OptStr("slug");
        var category = OptStr("category");
        var y = ToNullable<int>(r.ReadColumn("y"));
        var yes = OptStr("yes_token_id");
        var no = OptStr("no_token_id");
        var created = OptLong("createdAt");
        var end = OptLong("endDate");
        var closed = OptLong("closedTime");
        var resolved = OptLong("resolvedAt");
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
            rows[i] = new MarketRow(id[i], cond[i], question[i], description[i], slug[i], category[i], y[i] ?? throw new InvalidDataException($"{path}: row {i}: y is null"),
                yes[i], no[i], Time(created[i]), Time(end[i]), Time(closed[i]), Time(resolved[i]), volume[i], last[i], price, source[i] ?? string.Empty);
        }

        return rows;
    }

    private static bool Has(ParquetReader r, string column) => r.Schema.Columns.Any(c => c.Name == column);

    private static T?[] ToNullable<T>(Array a)
        where T : struct => a switch
        {
            T?[] n => n,
            T[] v => [.. v.Select(x => (T?)x)],
            _ => throw new InvalidDataException($"unexpected column type {a.GetType().Name}"),
        };

    private static DateTimeOffset? Time(long? micros) => micros is { } m ? DateTimeOffset.UnixEpoch.AddTicks(m * 10) : null;
}
