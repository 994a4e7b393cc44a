using MarketSim.Hocon;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Scenarios;
using Parquet;

namespace MarketSim.Journal.Export;

/// <summary>Options of <see cref="RunExporter.Export(string, string, ExportOptions)"/>.</summary>
/// <param name="Format">Parquet or CSV.</param>
/// <param name="Compression">Parquet compression codec (ignored for CSV); always written at <c>CompressionLevel.Optimal</c>.</param>
/// <param name="RowGroupSize">Rows per Parquet row group / CSV flush; bounds memory.</param>
public sealed record ExportOptions(ExportFormat Format, CompressionMethod Compression = CompressionMethod.Snappy, int RowGroupSize = 1 << 20)
{
    /// <summary>
    /// Deployment overrides applied to the run folder's scenario.conf to find its journal (<c>path=value</c>), e.g. the
    /// PostgreSQL connection string with its password, which scenario.conf never stores.
    /// </summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];
}

/// <summary>What an export wrote.</summary>
/// <param name="Files">Table name → file written.</param>
/// <param name="Rows">Table name → rows written.</param>
/// <param name="Warning">One line when the run is not complete; null otherwise.</param>
public sealed record ExportResult(IReadOnlyDictionary<string, string> Files, IReadOnlyDictionary<string, long> Rows, string? Warning);

/// <summary>
/// Thrown when the run folder cannot be exported: a missing folder or journal (<see cref="JournalUnreadable"/> false), a
/// journal that cannot be read to the end — corrupt event, unreadable file, not a journal — or a table that cannot be
/// written — full disk, read-only folder (<see cref="JournalUnreadable"/> true). The message is one line naming the folder
/// or file (and, for a corrupt event, its persistence id and sequence number).
/// </summary>
public sealed class ExportException(string message, bool journalUnreadable = false, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True when the command failed (the journal could not be read or a table could not be written), false for a usage error.</summary>
    public bool JournalUnreadable { get; } = journalUnreadable;
}

/// <summary>
/// Exports a run folder's journal (journal.db or its PostgreSQL schema, <see cref="RunJournals.OpenReader(string, IReadOnlyList{string})"/>) into
/// the tables events, predictions, interval_scores, event_scores and weights (docs/outputs.md), in one streaming pass.
/// </summary>
public static class RunExporter
{
    internal static readonly TableSchema EventsSchema = new(
        TableColumn.Int64("event_id"),
        TableColumn.Timestamp("issued_at"),
        TableColumn.Timestamp("cutoff_at"),
        TableColumn.Timestamp("resolves_at"),
        TableColumn.Timestamp("resolved_at", nullable: true),
        TableColumn.Double("truth_f", nullable: true),
        TableColumn.Int32("outcome", nullable: true),
        TableColumn.String("reference"));

    internal static readonly TableSchema PredictionsSchema = new(
        TableColumn.Int64("interval"),
        TableColumn.Timestamp("interval_time"),
        TableColumn.Int64("event_id"),
        TableColumn.Int32("miner_id"),
        TableColumn.String("forecaster", nullable: true),
        TableColumn.Double("probability"));

    internal static readonly TableSchema IntervalScoresSchema = new(
        TableColumn.String("validator"),
        TableColumn.Timestamp("scored_at"),
        TableColumn.Int64("event_id"),
        TableColumn.Int64("interval"),
        TableColumn.Int32("k"),
        TableColumn.Double("interval_weight"),
        TableColumn.Int32("miner_id"),
        TableColumn.Double("score"),
        TableColumn.Double("prediction", nullable: true));

    internal static readonly TableSchema EventScoresSchema = new(
        TableColumn.String("validator"),
        TableColumn.Timestamp("scored_at"),
        TableColumn.Int64("event_id"),
        TableColumn.Int32("outcome"),
        TableColumn.Int32("intervals"),
        TableColumn.Int32("miner_id"),
        TableColumn.Double("score"),
        TableColumn.Double("weighted_prediction"));

    internal static readonly TableSchema WeightsSchema = new(
        TableColumn.String("validator"),
        TableColumn.Int64("sequence_nr"),
        TableColumn.Timestamp("time"),
        TableColumn.Int64("event_id"),
        TableColumn.Int32("miner_id"),
        TableColumn.Double("moving_average", nullable: true),
        TableColumn.Double("weight"));

    internal const string JournalFileName = "journal.db";

    /// <summary>Exports the run folder <paramref name="runDir"/> into <paramref name="outDir"/>; throws <see cref="ExportException"/> when the folder or its journal cannot be read. An incomplete run is exported with a warning.</summary>
    public static ExportResult Export(string runDir, string outDir, ExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(runDir))
        {
            throw new ExportException($"run folder {runDir} does not exist");
        }

        string? warning = null;
        var status = RunFolder.ReadStatus(runDir);
        if (status?.State != RunState.Complete)
        {
            warning = $"run {runDir} is not complete (status: {status?.State.ToString().ToLowerInvariant() ?? "unknown"}); exporting what its journal holds";
        }

        IRunJournalReader reader;
        try
        {
            reader = RunJournals.OpenReader(runDir, options.Overrides);
        }
        catch (FileNotFoundException)
        {
            throw new ExportException($"{runDir} has no {JournalFileName} (not a run folder?)");
        }
        catch (ScenarioException e)
        {
            throw new ExportException($"{runDir}: its scenario.conf with --set {string.Join(' ', options.Overrides)}: {OneLine(e.Message)}");
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            throw Unreadable(Path.Combine(runDir, JournalFileName), e);
        }

        using (reader)
        {
            try
            {
                Directory.CreateDirectory(outDir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ExportException($"cannot create {outDir}: {OneLine(e.Message)}", true, e);
            }

            return Export(reader, outDir, options, warning);
        }
    }

    private static ExportResult Export(IRunJournalReader reader, string outDir, ExportOptions options, string? warning)
    {
        var ext = options.Format == ExportFormat.Parquet ? ".parquet" : ".csv";
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        string FileOf(string table) => files[table] = Path.Combine(outDir, table + ext);
        string[]? names = null;
        var events = new SortedDictionary<long, (EventIssued? Issued, EventResolved? Resolved)>();
        var movingAverages = new Dictionary<string, Dictionary<int, double>>(StringComparer.Ordinal);
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);

        var sinks = new List<TableSink>();
        TableSink Open(string table, TableSchema schema)
        {
            var sink = new TableSink(FileOf(table), schema, options.Format, options.Compression, options.RowGroupSize);
            sinks.Add(sink);
            return sink;
        }

        try
        {
            var predictions = Open("predictions", PredictionsSchema);
            var intervalScores = Open("interval_scores", IntervalScoresSchema);
            var scores = Open("event_scores", EventScoresSchema);
            var weights = Open("weights", WeightsSchema);
            JournalEnvelope? last = null;
            try
            {
                foreach (var env in reader.AllEvents())
                {
                    last = env;
                    switch (env.Event)
                    {
                        case RunStarted started:
                            names = ForecasterNames(started);
                            break;
                        case EventIssued issued:
                            events[issued.EventId] = (issued, events.TryGetValue(issued.EventId, out var a) ? a.Resolved : null);
                            break;
                        case EventResolved resolved:
                            events[resolved.EventId] = (events.TryGetValue(resolved.EventId, out var b) ? b.Issued : null, resolved);
                            break;
                        case PredictionBatch batch:
                            WritePredictions(predictions, batch, Micros(env.Timestamp), names);
                            break;
                        case IntervalScored detail:
                            WriteIntervalScores(intervalScores, detail, Micros(env.Timestamp));
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
            }
            catch (JournalCorruptException e)
            {
                throw new ExportException($"journal {reader.Location}: event {e.PersistenceId} #{e.SequenceNr} is corrupt: {Detail(e)}", true, e);
            }
            catch (Exception e) when (IsUnreadable(e))
            {
                var where = last is { } l ? $" after event {l.PersistenceId} #{l.SequenceNr}" : string.Empty;
                throw new ExportException($"journal {reader.Location}: cannot be read{where}: {OneLine(e.Message)}", true, e);
            }

            var sink = Open("events", EventsSchema);
            var eb = sink.Buffers;
            foreach (var (id, (issued, resolved)) in events)
            {
                var row = sink.Count;
                ((long[])eb[0])[row] = id;
                ((long[])eb[1])[row] = issued is null ? 0 : Micros(issued.IssuedAt);
                ((long[])eb[2])[row] = issued is null ? 0 : Micros(issued.CutoffAt);
                ((long[])eb[3])[row] = issued is null ? 0 : Micros(issued.ResolvesAt);
                ((long?[])eb[4])[row] = resolved is null ? null : Micros(resolved.ResolvedAt);
                ((double?[])eb[5])[row] = resolved is null || double.IsNaN(resolved.Truth) ? null : resolved.Truth;
                ((int?[])eb[6])[row] = resolved?.Outcome;
                ((string[])eb[7])[row] = issued?.Reference ?? string.Empty;
                sink.Commit();
            }

            // every table is complete on disk before any is renamed into place
            foreach (var t in sinks)
            {
                t.Complete();
            }

            foreach (var t in sinks)
            {
                t.Publish();
                rows[Path.GetFileNameWithoutExtension(t.Path)] = t.Rows;
            }
        }
        catch (TableWriteException e)
        {
            throw new ExportException($"cannot write {e.Table}: {OneLine(e.InnerException!.Message)}", true, e);
        }
        finally
        {
            foreach (var t in sinks)
            {
                t.Dispose();
            }
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

    // One row per (miner, scored interval): miners in the event's order, then k ascending.
    private static void WriteIntervalScores(TableSink sink, IntervalScored s, long time)
    {
        var b = sink.Buffers;
        var validator = (string[])b[0];
        var scoredAt = (long[])b[1];
        var eventId = (long[])b[2];
        var interval = (long[])b[3];
        var kk = (int[])b[4];
        var weight = (double[])b[5];
        var miner = (int[])b[6];
        var score = (double[])b[7];
        var prediction = (double?[])b[8];
        var miners = s.MinerIds.Length;
        var hasPredictions = s.Predictions.Length != 0;
        for (var j = 0; j < miners; j++)
        {
            for (var k = 0; k < s.Weights.Length; k++)
            {
                var i = sink.Count;
                var cell = (k * miners) + j;
                validator[i] = s.Validator;
                scoredAt[i] = time;
                eventId[i] = s.EventId;
                interval[i] = s.FirstInterval + k;
                kk[i] = k;
                weight[i] = s.Weights[k];
                miner[i] = s.MinerIds[j];
                score[i] = s.Scores[cell];
                prediction[i] = hasPredictions ? s.Predictions[cell] : null;
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
    /// Miner id → forecaster name, from the scenario the journal itself carries (<see cref="RunStarted.ScenarioHocon"/>): each
    /// miner group names <c>Count</c> consecutive ids from <c>FirstMinerId</c>. Null when that text is empty, does not load,
    /// or does not have the run's number of miners.
    /// </summary>
    private static string[]? ForecasterNames(RunStarted started)
    {
        if (string.IsNullOrWhiteSpace(started.ScenarioHocon))
        {
            return null;
        }

        Scenario scenario;
        try
        {
            scenario = ScenarioLoader.LoadString(started.ScenarioHocon, "journal:RunStarted");
        }
        catch (Exception e) when (e is ScenarioException or HoconParseException or ConfigException or ArgumentException)
        {
            return null;
        }

        if (scenario.MinerCount != started.Miners)
        {
            return null; // not the scenario this journal ran
        }

        var names = new string[scenario.MinerCount];
        foreach (var g in scenario.Miners)
        {
            names.AsSpan(g.FirstMinerId, g.Count).Fill(g.Name);
        }

        return names;
    }

    // Failures that mean "the journal is there but cannot be read" (as opposed to bugs).
    private static bool IsUnreadable(Exception e) =>
        e is JournalCorruptException or JournalFormatException or IOException or InvalidDataException or UnauthorizedAccessException or InvalidOperationException
        || e is Microsoft.Data.Sqlite.SqliteException || e is Npgsql.NpgsqlException;

    private static ExportException Unreadable(string location, Exception e) =>
        new(e.Message.StartsWith("journal ", StringComparison.Ordinal) ? OneLine(e.Message) : $"journal {location}: cannot be read: {OneLine(e.Message)}", true, e);

    private static string Detail(JournalCorruptException e)
    {
        var m = e.Message;
        var at = m.IndexOf(" is corrupt: ", StringComparison.Ordinal);
        return OneLine(at >= 0 ? m[(at + " is corrupt: ".Length)..] : m);
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
