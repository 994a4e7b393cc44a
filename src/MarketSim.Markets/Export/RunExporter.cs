using System.Text.Json;
using MarketSim.Markets.Journal;
using MarketSim.Markets.Scenarios;
using MarketSim.Parquet;

namespace MarketSim.Markets.Export;

/// <summary>Options of <see cref="RunExporter.Export"/>.</summary>
/// <param name="Format">Parquet or CSV.</param>
/// <param name="Compression">Parquet compression (ignored for CSV).</param>
/// <param name="RowGroupSize">Rows per Parquet row group / CSV flush; bounds memory.</param>
public sealed record ExportOptions(ExportFormat Format, ParquetCompression Compression = ParquetCompression.Snappy, int RowGroupSize = 1 << 20);

/// <summary>What an export wrote.</summary>
/// <param name="Files">Table name → file written.</param>
/// <param name="Rows">Table name → rows written.</param>
/// <param name="Warning">One line when the run is not complete; null otherwise.</param>
public sealed record ExportResult(IReadOnlyDictionary<string, string> Files, IReadOnlyDictionary<string, long> Rows, string? Warning);

/// <summary>Thrown when the run folder cannot be exported (missing folder or journal).</summary>
public sealed class ExportException(string message) : Exception(message);

/// <summary>
/// Exports a run folder's journal.db into the tables events, predictions, event_scores and weights (docs/outputs.md),
/// in one streaming pass over the journal.
/// </summary>
public static class RunExporter
{
    public static readonly ParquetSchema EventsSchema = new(
        ParquetColumn.Int64("event_id"),
        ParquetColumn.Timestamp("issued_at"),
        ParquetColumn.Timestamp("cutoff_at"),
        ParquetColumn.Timestamp("resolves_at"),
        ParquetColumn.Timestamp("resolved_at", required: false),
        ParquetColumn.Double("truth_f", required: false),
        ParquetColumn.Int32("outcome", required: false),
        ParquetColumn.String("reference"));

    public static readonly ParquetSchema PredictionsSchema = new(
        ParquetColumn.Int64("interval"),
        ParquetColumn.Timestamp("interval_time"),
        ParquetColumn.Int64("event_id"),
        ParquetColumn.Int32("miner_id"),
        ParquetColumn.String("forecaster", required: false),
        ParquetColumn.Double("probability"));

    public static readonly ParquetSchema EventScoresSchema = new(
        ParquetColumn.String("validator"),
        ParquetColumn.Timestamp("scored_at"),
        ParquetColumn.Int64("event_id"),
        ParquetColumn.Int32("outcome"),
        ParquetColumn.Int32("intervals"),
        ParquetColumn.Int32("miner_id"),
        ParquetColumn.Double("score"),
        ParquetColumn.Double("weighted_prediction"));

    public static readonly ParquetSchema WeightsSchema = new(
        ParquetColumn.String("validator"),
        ParquetColumn.Int64("sequence_nr"),
        ParquetColumn.Timestamp("time"),
        ParquetColumn.Int64("event_id"),
        ParquetColumn.Int32("miner_id"),
        ParquetColumn.Double("moving_average", required: false),
        ParquetColumn.Double("weight"));

    public const string JournalFileName = "journal.db";

    public static ExportResult Export(string runDir, string outDir, ExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(runDir))
        {
            throw new ExportException($"run folder {runDir} does not exist");
        }

        var journalPath = Path.Combine(runDir, JournalFileName);
        if (!File.Exists(journalPath))
        {
            throw new ExportException($"{runDir} has no {JournalFileName} (not a run folder?)");
        }

        string? warning = null;
        var status = RunFolder.ReadStatus(runDir);
        if (status?.State != RunState.Complete)
        {
            warning = $"run {runDir} is not complete (status: {status?.State.ToString().ToLowerInvariant() ?? "unknown"}); exporting what its journal holds";
        }

        Directory.CreateDirectory(outDir);
        var ext = options.Format == ExportFormat.Parquet ? ".parquet" : ".csv";
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        string FileOf(string table) => files[table] = Path.Combine(outDir, table + ext);
        var names = ForecasterNames(runDir);
        var events = new SortedDictionary<long, (EventIssued? Issued, EventResolved? Resolved)>();
        var movingAverages = new Dictionary<string, Dictionary<int, double>>(StringComparer.Ordinal);
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);

        using (var reader = SqliteJournalReader.Open(journalPath))
        using (var predictions = new TableSink(FileOf("predictions"), PredictionsSchema, options.Format, options.Compression, options.RowGroupSize))
        using (var scores = new TableSink(FileOf("event_scores"), EventScoresSchema, options.Format, options.Compression, options.RowGroupSize))
        using (var weights = new TableSink(FileOf("weights"), WeightsSchema, options.Format, options.Compression, options.RowGroupSize))
        {
            foreach (var env in reader.AllEvents())
            {
                switch (env.Event)
                {
                    case EventIssued issued:
                        events[issued.EventId] = (issued, events.TryGetValue(issued.EventId, out var a) ? a.Resolved : null);
                        break;
                    case EventResolved resolved:
                        events[resolved.EventId] = (events.TryGetValue(resolved.EventId, out var b) ? b.Issued : null, resolved);
                        break;
                    case PredictionBatch batch:
                        WritePredictions(predictions, batch, Micros(env.Timestamp), names);
                        break;
                    case EventScored scored:
                        WriteScores(scores, scored, Micros(env.Timestamp));
                        break;
                    case MovingAverageUpdated ma:
                        if (!movingAverages.TryGetValue(ma.Validator, out var map))
                        {
                            movingAverages[ma.Validator] = map = [];
                        }

                        for (var i = 0; i < ma.MinerIds.Length; i++)
                        {
                            map[ma.MinerIds[i]] = ma.Values[i];
                        }

                        break;
                    case WeightsUpdated w:
                        WriteWeights(weights, w, env, movingAverages.GetValueOrDefault(w.Validator));
                        break;
                    default:
                        break;
                }
            }

            rows["predictions"] = predictions.Rows;
            rows["event_scores"] = scores.Rows;
            rows["weights"] = weights.Rows;
        }

        using (var sink = new TableSink(FileOf("events"), EventsSchema, options.Format, options.Compression, options.RowGroupSize))
        {
            var b = sink.Buffers;
            foreach (var (id, (issued, resolved)) in events)
            {
                var i = sink.Count;
                ((long[])b[0])[i] = id;
                ((long[])b[1])[i] = issued is null ? 0 : Micros(issued.IssuedAt);
                ((long[])b[2])[i] = issued is null ? 0 : Micros(issued.CutoffAt);
                ((long[])b[3])[i] = issued is null ? 0 : Micros(issued.ResolvesAt);
                ((long?[])b[4])[i] = resolved is null ? null : Micros(resolved.ResolvedAt);
                ((double?[])b[5])[i] = resolved is null || double.IsNaN(resolved.Truth) ? null : resolved.Truth;
                ((int?[])b[6])[i] = resolved?.Outcome;
                ((string[])b[7])[i] = issued?.Reference ?? string.Empty;
                sink.Commit();
            }

            sink.Flush();
            rows["events"] = sink.Rows;
        }

        return new ExportResult(files, rows, warning);
    }

    /// <summary>Virtual UTC ticks → microseconds since the Unix epoch.</summary>
    public static long Micros(long ticks) => (ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static void WritePredictions(TableSink sink, PredictionBatch batch, long time, string[]? names)
    {
        var b = sink.Buffers;
        var e = batch.EventIds.Length;
        for (var m = 0; m < batch.MinerIds.Length; m++)
        {
            var miner = batch.MinerIds[m];
            var name = names is not null && miner >= 0 && miner < names.Length ? names[miner] : null;
            for (var j = 0; j < e; j++)
            {
                var cell = (m * e) + j;
                if (!batch.IsAnswered(cell))
                {
                    continue;
                }

                var i = sink.Count;
                ((long[])b[0])[i] = batch.Interval;
                ((long[])b[1])[i] = time;
                ((long[])b[2])[i] = batch.EventIds[j];
                ((int[])b[3])[i] = miner;
                ((string?[])b[4])[i] = name;
                ((double[])b[5])[i] = batch.Probabilities[cell];
                sink.Commit();
            }
        }
    }

    private static void WriteScores(TableSink sink, EventScored s, long time)
    {
        var b = sink.Buffers;
        for (var m = 0; m < s.MinerIds.Length; m++)
        {
            var i = sink.Count;
            ((string[])b[0])[i] = s.Validator;
            ((long[])b[1])[i] = time;
            ((long[])b[2])[i] = s.EventId;
            ((int[])b[3])[i] = s.Outcome;
            ((int[])b[4])[i] = s.Intervals;
            ((int[])b[5])[i] = s.MinerIds[m];
            ((double[])b[6])[i] = s.Scores[m];
            ((double[])b[7])[i] = s.WeightedPredictions[m];
            sink.Commit();
        }
    }

    private static void WriteWeights(TableSink sink, WeightsUpdated w, JournalEnvelope env, Dictionary<int, double>? movingAverage)
    {
        var b = sink.Buffers;
        for (var m = 0; m < w.MinerIds.Length; m++)
        {
            var i = sink.Count;
            ((string[])b[0])[i] = w.Validator;
            ((long[])b[1])[i] = env.SequenceNr;
            ((long[])b[2])[i] = Micros(env.Timestamp);
            ((long[])b[3])[i] = w.EventId;
            ((int[])b[4])[i] = w.MinerIds[m];
            ((double?[])b[5])[i] = movingAverage is not null && movingAverage.TryGetValue(w.MinerIds[m], out var v) ? v : null;
            ((double[])b[6])[i] = w.Weights[m];
            sink.Commit();
        }
    }

    /// <summary>
    /// Miner id → forecaster name from summary.json's <c>forecasters</c> list (miners are numbered in that order, each
    /// forecaster taking <c>miners</c> consecutive ids); null when there is no readable summary.
    /// </summary>
    private static string[]? ForecasterNames(string runDir)
    {
        var file = Path.Combine(runDir, "summary.json");
        if (!File.Exists(file))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            if (!doc.RootElement.TryGetProperty("forecasters", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var names = new List<string>();
            foreach (var f in list.EnumerateArray())
            {
                var name = f.GetProperty("name").GetString() ?? string.Empty;
                var miners = f.GetProperty("miners").GetInt32();
                for (var k = 0; k < miners; k++)
                {
                    names.Add(name);
                }
            }

            return [.. names];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return null;
        }
    }
}
