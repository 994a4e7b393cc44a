using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MarketSim.Journal.Export;
using Parquet;

namespace MarketSim.Cli;

/// <summary><c>marketsim export RUN_DIR --format parquet|csv --out DIR [--compression snappy|gzip|zstd|none] [--set key=value]</c> (docs/outputs.md).</summary>
internal static class ExportCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var runDir = new Argument<string>("RUN_DIR") { Description = "Run folder (holds journal.db)" };
        var format = new Option<string>("--format") { Description = "parquet or csv", DefaultValueFactory = _ => "parquet" };
        var outDir = new Option<string>("--out") { Description = "Folder to write the tables into", Required = true };
        var compression = new Option<string>("--compression") { Description = "Parquet compression: snappy, gzip, zstd or none", DefaultValueFactory = _ => "snappy" };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a deployment key of the run's scenario.conf to reach its journal, e.g. --set marketsim.persistence.postgres.connection-string=\"Host=...;Password=...\" (a PostgreSQL run; scenario.conf never stores the password; MARKETSIM_POSTGRES is used too)",
        };
        var command = new Command("export",
            "Export a run's journal to the tables events, predictions, interval_scores, event_scores and weights (docs/outputs.md).\n" +
            "Example: marketsim export runs/20260101T000000Z_parity-cliff-fog --format parquet --out runs/export")
        { runDir, format, outDir, compression, set };
        command.SetAction(parse =>
        {
            var fmt = parse.GetValue(format)?.ToLowerInvariant() switch
            {
                "parquet" => ExportFormat.Parquet,
                "csv" => ExportFormat.Csv,
                var other => throw new UsageException($"--format must be parquet or csv, not '{other}'"),
            };
            var codec = parse.GetValue(compression)?.ToLowerInvariant() switch
            {
                "snappy" => CompressionMethod.Snappy,
                "gzip" => CompressionMethod.Gzip,
                "zstd" => CompressionMethod.Zstd,
                "none" or "uncompressed" => CompressionMethod.None,
                var other => throw new UsageException($"--compression must be snappy, gzip, zstd or none, not '{other}'"),
            };

            var watch = Stopwatch.StartNew();
            ExportResult result;
            try
            {
                result = RunExporter.Export(parse.GetValue(runDir)!, parse.GetValue(outDir)!, new ExportOptions(fmt, codec) { Overrides = parse.GetValue(set) ?? [] });
            }
            catch (ExportException e) when (e.JournalUnreadable)
            {
                CliApp.WriteError(stderr, e.Message);
                return CliApp.ExitFailure;
            }
            catch (ExportException e)
            {
                throw new UsageException(e.Message);
            }

            if (result.Warning is not null)
            {
                stderr.WriteLine("marketsim: warning: " + result.Warning);
            }

            foreach (var (table, file) in result.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{table}: {result.Rows[table]} rows -> {file}"));
            }

            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"exported in {watch.Elapsed.TotalSeconds:F2} s"));
            return CliApp.ExitOk;
        });
        return command;
    }
}
