using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MarketSim.Polymarket.Import;

/// <summary>What one source contributed: rows read, rows kept (before merging) and rows dropped per reason, with ids.</summary>
public sealed class SourceReport(string name)
{
    /// <summary>The source's name.</summary>
    public string Name { get; } = name;

    /// <summary>Rows read from the source.</summary>
    public int Read { get; set; }

    /// <summary>Rows kept (before merging).</summary>
    public int Kept { get; set; }

    /// <summary>Kept rows that carry a market price from this source.</summary>
    public int KeptWithPrice { get; set; }

    /// <summary>reason → ids (condition id, or slug/token when the source has none).</summary>
    public SortedDictionary<string, List<string>> Dropped { get; } = new(StringComparer.Ordinal);

    /// <summary>Rows dropped, all reasons together.</summary>
    [JsonIgnore]
    public int DroppedCount => Dropped.Values.Sum(v => v.Count);

    internal void Drop(string reason, string id)
    {
        if (!Dropped.TryGetValue(reason, out var ids))
        {
            Dropped[reason] = ids = [];
        }

        ids.Add(id);
    }
}

/// <summary>The import's account of every row: per source, duplicates merged, and rows dropped after merging.</summary>
public sealed class ImportReport
{
    /// <summary>One report per source, in import order.</summary>
    public List<SourceReport> Sources { get; } = [];

    /// <summary>Condition ids of rows built from more than one source, with the sources.</summary>
    public SortedDictionary<string, string> Merged { get; } = new(StringComparer.Ordinal);

    /// <summary>Rows dropped after merging (e.g. sources disagree on y, below --min-volume): reason → condition ids.</summary>
    public SortedDictionary<string, List<string>> DroppedAfterMerge { get; } = new(StringComparer.Ordinal);

    /// <summary>Rows in the written dataset.</summary>
    public int RowsWritten { get; set; }

    /// <summary>Written rows that carry a market price.</summary>
    public int RowsWithPrice { get; set; }

    internal SourceReport Source(string name) => Sources.First(s => s.Name == name);

    internal void DropAfterMerge(string reason, string id)
    {
        if (!DroppedAfterMerge.TryGetValue(reason, out var ids))
        {
            DroppedAfterMerge[reason] = ids = [];
        }

        ids.Add(id);
    }

    /// <summary>The report as indented JSON (snake_case keys), as <c>pm import --report</c> writes it.</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new
        {
            rows_written = RowsWritten,
            rows_with_price = RowsWithPrice,
            sources = Sources.Select(s => new
            {
                name = s.Name,
                read = s.Read,
                kept = s.Kept,
                kept_with_price = s.KeptWithPrice,
                dropped_total = s.DroppedCount,
                dropped = s.Dropped.ToDictionary(kv => kv.Key, kv => new { count = kv.Value.Count, ids = kv.Value }),
            }),
            duplicates_merged = Merged.Count,
            merged = Merged,
            dropped_after_merge = DroppedAfterMerge.ToDictionary(kv => kv.Key, kv => new { count = kv.Value.Count, ids = kv.Value }),
        },
        new JsonSerializerOptions { WriteIndented = true });

    /// <summary>A short plain-text table: one line per source and reason.</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine("source                                      read   kept  priced  dropped");
        foreach (var s in Sources)
        {
            sb.AppendLine($"{s.Name,-40} {s.Read,7} {s.Kept,6} {s.KeptWithPrice,7} {s.DroppedCount,8}");
            foreach (var (reason, ids) in s.Dropped)
            {
                sb.AppendLine($"  dropped: {reason,-50} {ids.Count,8}");
            }
        }

        sb.AppendLine($"duplicates merged (rows from more than one source): {Merged.Count}");
        foreach (var (reason, ids) in DroppedAfterMerge)
        {
            sb.AppendLine($"dropped after merge: {reason}: {ids.Count}");
        }

        sb.AppendLine($"rows written: {RowsWritten} ({RowsWithPrice} with a market price)");
        return sb.ToString();
    }
}
