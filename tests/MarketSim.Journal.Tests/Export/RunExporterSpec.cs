using System.Globalization;
using MarketSim.Journal;
using MarketSim.Journal.Export;
using MarketSim.Journal.Tests.Run;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Tests.Journal;
using Parquet;

namespace MarketSim.Journal.Tests.Export;

public sealed class RunExporterSpec : IDisposable
{
    private readonly RunTestSupport _support = new();

    public void Dispose() => _support.Dispose();

    private string SmallRun()
    {
        var outcome = _support.Run("parity-cliff-fog.conf", ["timeline.events=30"]);
        Assert.Equal(RunState.Complete, outcome.State);
        return outcome.Folder.Path;
    }

    private static List<JournalEnvelope> Journal(string runDir)
    {
        using var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(Path.Combine(runDir, "journal.db")));
        return [.. reader.AllEvents()];
    }

    [Fact]
    public void Parquet_export_has_the_journals_row_counts_values_and_column_types()
    {
        var run = SmallRun();
        var outDir = Path.Combine(_support.Directory, "parquet");
        var result = RunExporter.Export(run, outDir, new ExportOptions(ExportFormat.Parquet, RowGroupSize: 500));
        Assert.Null(result.Warning);

        var journal = Journal(run);
        var completed = journal.Select(e => e.Event).OfType<RunCompleted>().Single();
        var batches = journal.Where(e => e.Event is PredictionBatch).ToList();
        var scored = journal.Select(e => e.Event).OfType<EventScored>().ToList();
        var weights = journal.Select(e => e.Event).OfType<WeightsUpdated>().ToList();
        var issued = journal.Select(e => e.Event).OfType<EventIssued>().ToList();

        using (var r = ParquetTestFile.Open(result.Files["predictions"]))
        {
            Assert.Equal(completed.Predictions, r.NumRows);
            Assert.True(r.RowGroupCount > 1, "several row groups");
            Assert.Equal(["interval", "interval_time", "event_id", "miner_id", "forecaster", "probability"], r.Columns.Select(c => c.Name));
            AssertTimestampMicrosUtc(r.Elements[1]);
            Assert.Equal(Parquet.Meta.Type.INT64, r.Elements[0].Type);
            Assert.Equal(Parquet.Meta.Type.INT32, r.Elements[3].Type);
            Assert.Equal(Parquet.Meta.FieldRepetitionType.OPTIONAL, r.Elements[4].RepetitionType);
            Assert.NotNull(r.Elements[4].LogicalType?.STRING);
            Assert.Equal(Parquet.Meta.Type.DOUBLE, r.Elements[5].Type);
            Assert.Equal(Parquet.Meta.FieldRepetitionType.REQUIRED, r.Elements[5].RepetitionType);

            var first = (PredictionBatch)batches[0].Event;
            var intervals = r.Read<long>("interval");
            var times = r.Read<DateTime>("interval_time");
            var events = r.Read<long>("event_id");
            var miners = r.Read<int>("miner_id");
            var probabilities = r.Read<double>("probability");
            var forecasters = r.Read<string?>("forecaster");
            Assert.Equal(first.Interval, intervals[0]);
            Assert.Equal(new DateTime(batches[0].Timestamp, DateTimeKind.Utc), times[0]);
            Assert.Equal(first.EventIds[0], events[0]);
            Assert.Equal(first.MinerIds[0], miners[0]);
            Assert.Equal(first[0, 0], probabilities[0]);
            Assert.Equal("oracle", forecasters[0]);
            if (first.EventIds.Length > 1)
            {
                Assert.Equal(first[0, 1], probabilities[1]);
            }

            var last = (PredictionBatch)batches[^1].Event;
            Assert.Equal(last[last.MinerIds.Length - 1, last.EventIds.Length - 1], probabilities[^1]);
        }

        using (var r = ParquetTestFile.Open(result.Files["events"]))
        {
            Assert.Equal(issued.Count, r.NumRows);
            var resolved = journal.Select(e => e.Event).OfType<EventResolved>().ToDictionary(e => e.EventId);
            var ids = r.Read<long>("event_id");
            var truth = r.Read<double?>("truth_f");
            var outcome = r.Read<int?>("outcome");
            var cutoff = r.Read<DateTime>("cutoff_at");
            for (var i = 0; i < ids.Length; i++)
            {
                Assert.Equal(resolved[ids[i]].Truth, truth[i]);
                Assert.Equal(resolved[ids[i]].Outcome, outcome[i]);
                Assert.Equal(new DateTime(issued.Single(e => e.EventId == ids[i]).CutoffAt, DateTimeKind.Utc), cutoff[i]);
            }
        }

        using (var r = ParquetTestFile.Open(result.Files["event_scores"]))
        {
            Assert.Equal(scored.Sum(s => (long)s.MinerIds.Length), r.NumRows);
            Assert.Equal(scored[0].Validator, r.Read<string>("validator")[0]);
            Assert.Equal(scored[0].Scores[0], r.Read<double>("score")[0]);
            Assert.Equal(scored[0].WeightedPredictions[^1], r.Read<double>("weighted_prediction")[scored[0].MinerIds.Length - 1]);
        }

        using (var r = ParquetTestFile.Open(result.Files["weights"]))
        {
            Assert.Equal(weights.Sum(s => (long)s.MinerIds.Length), r.NumRows);
            Assert.Equal(weights[0].Weights[0], r.Read<double>("weight")[0]);
            Assert.All(r.Read<double?>("moving_average"), v => Assert.NotNull(v));
        }
    }

    [Fact]
    public void Csv_export_parses_and_matches_the_parquet_export()
    {
        var run = SmallRun();
        var parquet = RunExporter.Export(run, Path.Combine(_support.Directory, "p"), new ExportOptions(ExportFormat.Parquet, CompressionMethod.Gzip, 700));
        var csv = RunExporter.Export(run, Path.Combine(_support.Directory, "c"), new ExportOptions(ExportFormat.Csv, RowGroupSize: 700));
        foreach (var table in new[] { "events", "predictions", "interval_scores", "event_scores", "weights" })
        {
            Assert.Equal(parquet.Rows[table], csv.Rows[table]);
            using var r = ParquetTestFile.Open(parquet.Files[table]);
            var lines = File.ReadAllText(csv.Files[table]).Split("\r\n");
            Assert.Equal("", lines[^1]);
            Assert.Equal(string.Join(',', r.Columns.Select(c => c.Name)), lines[0]);
            Assert.Equal(r.NumRows, lines.Length - 2);
            var columns = r.Columns.Select(c => r.ReadColumn(c.Name)).ToArray();
            for (var row = 0; row < r.NumRows; row++)
            {
                var fields = ParseCsvLine(lines[row + 1]);
                Assert.Equal(columns.Length, fields.Count);
                for (var c = 0; c < columns.Length; c++)
                {
                    var value = columns[c].GetValue(row);
                    var expected = value switch
                    {
                        null => "",
                        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                        double d => d.ToString("R", CultureInfo.InvariantCulture),
                        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                        _ => value.ToString(),
                    };
                    Assert.Equal(expected, fields[c]);
                    if (value is double dv)
                    {
                        Assert.Equal(dv, double.Parse(fields[c], CultureInfo.InvariantCulture));
                    }
                }
            }
        }
    }

    [Fact]
    public void Only_answered_cells_are_exported_and_invalid_raw_values_are_kept()
    {
        var runDir = Path.Combine(_support.Directory, "handmade");
        Directory.CreateDirectory(runDir);
        var t0 = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        // cells: m0e0 answered 0.25, m0e1 unanswered, m1e0 answered NaN, m1e1 answered 1.5
        var batch = new PredictionBatch(7, 0, [0, 1], [0, 1], [0.25, double.NaN, double.NaN, 1.5], [0b1101]);
        JournalTestData.Write(
            Path.Combine(runDir, "journal.db"),
            [
                (JournalIds.Run, new RunStarted("handmade", 1, 2, 0, 2, ""), t0),
                (JournalIds.Issuer, new EventIssued(0, t0, t0 + 10, t0 + 20, 0, "a,\"b\""), t0),
                (JournalIds.Issuer, new EventIssued(1, t0, t0 + 10, t0 + 20, 0, ""), t0),
                (JournalIds.Shard(0), batch, t0 + 5),
            ]);

        var result = RunExporter.Export(runDir, Path.Combine(runDir, "out"), new ExportOptions(ExportFormat.Parquet));
        Assert.Contains("not complete", result.Warning, StringComparison.Ordinal);
        using (var r = ParquetTestFile.Open(result.Files["predictions"]))
        {
            Assert.Equal(3, r.NumRows);
            Assert.Equal([0L, 0L, 1L], r.Read<long>("event_id"));
            Assert.Equal([0, 1, 1], r.Read<int>("miner_id"));
            var p = r.Read<double>("probability");
            Assert.Equal(0.25, p[0]);
            Assert.True(double.IsNaN(p[1]));
            Assert.Equal(1.5, p[2]);
            Assert.All(r.Read<string?>("forecaster"), Assert.Null);
            Assert.All(r.Read<long>("interval"), k => Assert.Equal(7, k));
        }

        using (var r = ParquetTestFile.Open(result.Files["events"]))
        {
            Assert.Equal(2, r.NumRows);
            Assert.All(r.Read<double?>("truth_f"), Assert.Null);
            Assert.All(r.Read<DateTime?>("resolved_at"), v => Assert.Null(v));
        }

        var csv = RunExporter.Export(runDir, Path.Combine(runDir, "csv"), new ExportOptions(ExportFormat.Csv));
        var lines = File.ReadAllLines(csv.Files["events"]);
        Assert.EndsWith(",,,\"a,\"\"b\"\"\"", lines[1], StringComparison.Ordinal);
        Assert.Equal(
            ["interval,interval_time,event_id,miner_id,forecaster,probability", "7,2024-01-01T00:00:00.000000Z,0,0,,0.25", "7,2024-01-01T00:00:00.000000Z,0,1,,NaN", "7,2024-01-01T00:00:00.000000Z,1,1,,1.5"],
            File.ReadAllLines(csv.Files["predictions"]));
    }

    [Fact]
    public void Interval_scores_combine_into_the_exported_event_scores_and_join_the_predictions()
    {
        var run = SmallRun();
        File.Delete(Path.Combine(run, "summary.json")); // forecaster names come from the journal's RunStarted
        var result = RunExporter.Export(run, Path.Combine(_support.Directory, "i"), new ExportOptions(ExportFormat.Parquet, RowGroupSize: 1000));
        var journal = Journal(run);
        var details = journal.Select(e => e.Event).OfType<IntervalScored>().ToList();
        var scored = journal.Select(e => e.Event).OfType<EventScored>().ToList();
        Assert.Equal(scored.Count, details.Count);
        Assert.Equal(details.Sum(d => (long)d.Scores.Length), result.Rows["interval_scores"]);

        using (var r = ParquetTestFile.Open(result.Files["predictions"]))
        {
            Assert.Equal("oracle", r.Read<string?>("forecaster")[0]);
        }

        // the (interval, event) pairs that have predictions
        var predicted = journal.Select(e => e.Event).OfType<PredictionBatch>().SelectMany(b => b.EventIds.Select(id => (b.Interval, id))).ToHashSet();
        using var s = ParquetTestFile.Open(result.Files["interval_scores"]);
        Assert.Equal(["validator", "scored_at", "event_id", "interval", "k", "interval_weight", "miner_id", "score", "prediction"], s.Columns.Select(c => c.Name));
        AssertTimestampMicrosUtc(s.Elements[1]);
        var validator = s.Read<string>("validator");
        var eventId = s.Read<long>("event_id");
        var interval = s.Read<long>("interval");
        var k = s.Read<int>("k");
        var weight = s.Read<double>("interval_weight");
        var miner = s.Read<int>("miner_id");
        var score = s.Read<double>("score");
        var prediction = s.Read<double?>("prediction");
        var byEvent = scored.ToDictionary(e => (e.Validator, e.EventId));
        var row = 0;
        while (row < score.Length)
        {
            var e = byEvent[(validator[row], eventId[row])];
            var peer = validator[row].StartsWith("peer", StringComparison.Ordinal);
            for (var j = 0; j < e.MinerIds.Length; j++)
            {
                double sum = 0, wSum = 0, p = 0;
                for (var kk = 0; kk < e.Intervals; kk++, row++)
                {
                    Assert.Equal((e.MinerIds[j], kk), (miner[row], k[row]));
                    Assert.Contains((interval[row], e.EventId), predicted);
                    sum += weight[row] * score[row];
                    p += weight[row] * prediction[row]!.Value;
                    wSum += weight[row];
                }

                Assert.Equal(e.Scores[j], peer ? sum * (1.0 / wSum) : sum / wSum);
                Assert.Equal(e.WeightedPredictions[j], peer ? p * (1.0 / wSum) : p / wSum);
            }
        }
    }

    [Fact]
    public void A_journal_without_interval_scores_gives_an_empty_table()
    {
        // what a run with outputs.journal.record-interval-scores = off journals: event scores only
        var runDir = Path.Combine(_support.Directory, "no-detail");
        Directory.CreateDirectory(runDir);
        var t0 = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        JournalTestData.Write(
            Path.Combine(runDir, "journal.db"),
            [
                (JournalIds.Run, new RunStarted("handmade", 1, 2, 1, 1, ""), t0),
                (JournalIds.Validator("v"), new EventScored("v", 0, 1, 3, [0, 1], [0.5, -0.5], [0.7, 0.3]), t0 + 10),
            ]);

        var result = RunExporter.Export(runDir, Path.Combine(runDir, "csv"), new ExportOptions(ExportFormat.Csv));
        Assert.Equal(0, result.Rows["interval_scores"]);
        Assert.Equal(["validator,scored_at,event_id,interval,k,interval_weight,miner_id,score,prediction"], File.ReadAllLines(result.Files["interval_scores"]));
        Assert.Equal(2, result.Rows["event_scores"]);
        var parquet = RunExporter.Export(runDir, Path.Combine(runDir, "pq"), new ExportOptions(ExportFormat.Parquet));
        using var r = ParquetTestFile.Open(parquet.Files["interval_scores"]);
        Assert.Equal(0, r.NumRows);
    }

    [Fact]
    public void Interval_scores_without_predictions_export_a_null_prediction()
    {
        var runDir = Path.Combine(_support.Directory, "detail");
        Directory.CreateDirectory(runDir);
        var t0 = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        JournalTestData.Write(
            Path.Combine(runDir, "journal.db"),
            [
                (JournalIds.Validator("v"), new IntervalScored("v", 4, 100, [1.0, 0.5], [3, 8], [0.1, 0.2, 0.3, 0.4], []), t0),
            ]);

        var csv = RunExporter.Export(runDir, Path.Combine(runDir, "csv"), new ExportOptions(ExportFormat.Csv));
        Assert.Equal(
            [
                "validator,scored_at,event_id,interval,k,interval_weight,miner_id,score,prediction",
                "v,2024-01-01T00:00:00.000000Z,4,100,0,1,3,0.1,",
                "v,2024-01-01T00:00:00.000000Z,4,101,1,0.5,3,0.3,",
                "v,2024-01-01T00:00:00.000000Z,4,100,0,1,8,0.2,",
                "v,2024-01-01T00:00:00.000000Z,4,101,1,0.5,8,0.4,",
            ],
            File.ReadAllLines(csv.Files["interval_scores"]));
    }

    [Fact]
    public void A_corrupt_journal_event_is_reported_in_one_line_naming_file_persistence_id_and_sequence_number()
    {
        var run = SmallRun();
        var file = Path.Combine(run, "journal.db");
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            // flip the bytes of one EventScored payload in the middle of the journal
            cmd.CommandText = "SELECT ordering, persistence_id, sequence_number, message FROM journal WHERE manifest = 'EventScored' ORDER BY persistence_id, sequence_number LIMIT 1 OFFSET 5";
            long ordering;
            byte[] payload;
            using (var r = cmd.ExecuteReader())
            {
                Assert.True(r.Read());
                ordering = r.GetInt64(0);
                payload = (byte[])r["message"];
            }

            for (var i = 10; i < 20; i++)
            {
                payload[i] ^= 0xFF;
            }

            using var update = db.CreateCommand();
            update.CommandText = "UPDATE journal SET message = $p WHERE ordering = $o";
            update.Parameters.AddWithValue("$p", payload);
            update.Parameters.AddWithValue("$o", ordering);
            Assert.Equal(1, update.ExecuteNonQuery());
        }

        var (pid, seq) = CorruptRow(file);
        var e = Assert.Throws<ExportException>(() => RunExporter.Export(run, Path.Combine(_support.Directory, "bad"), new ExportOptions(ExportFormat.Parquet)));
        Assert.True(e.JournalUnreadable);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Contains($"{pid} #{seq}", e.Message, StringComparison.Ordinal);
        Assert.Contains("checksum mismatch", e.Message, StringComparison.Ordinal);
    }

    private static (string Pid, long Seq) CorruptRow(string file)
    {
        using var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(file));
        var e = Assert.Throws<JournalCorruptException>(() => reader.AllEvents().Count());
        return (e.PersistenceId, e.SequenceNr);
    }

    [Fact]
    public void A_journal_that_is_not_a_database_is_reported_in_one_line()
    {
        var runDir = Path.Combine(_support.Directory, "garbage");
        Directory.CreateDirectory(runDir);
        File.WriteAllText(Path.Combine(runDir, "journal.db"), new string('x', 10_000));
        var e = Assert.Throws<ExportException>(() => RunExporter.Export(runDir, Path.Combine(runDir, "out"), new ExportOptions(ExportFormat.Csv)));
        Assert.True(e.JournalUnreadable);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(Path.Combine(runDir, "journal.db"), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_a_journal_is_refused()
    {
        var e = Assert.Throws<ExportException>(() => RunExporter.Export(_support.Directory, Path.Combine(_support.Directory, "o"), new ExportOptions(ExportFormat.Csv)));
        Assert.Contains("journal.db", e.Message, StringComparison.Ordinal);
        Assert.Throws<ExportException>(() => RunExporter.Export(Path.Combine(_support.Directory, "missing"), Path.Combine(_support.Directory, "o"), new ExportOptions(ExportFormat.Csv)));
    }

    private static void AssertTimestampMicrosUtc(Parquet.Meta.SchemaElement e)
    {
        Assert.Equal(Parquet.Meta.Type.INT64, e.Type);
        Assert.NotNull(e.LogicalType?.TIMESTAMP?.Unit.MICROS);
        Assert.True(e.LogicalType!.TIMESTAMP!.IsAdjustedToUTC);
    }

    /// <summary>Splits one RFC 4180 line (no embedded line breaks) into unquoted fields.</summary>
    private static List<string> ParseCsvLine(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(ch);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
