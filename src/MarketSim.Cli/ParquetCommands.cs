using System.CommandLine;
using System.Globalization;
using System.Text;
using MarketSim.Parquet;

namespace MarketSim.Cli;

/// <summary><c>marketsim parquet schema|head|cat</c>: inspect Parquet files (like parquet-tools).</summary>
internal static class ParquetCommands
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var parquet = new Command("parquet",
            "Inspect Parquet files.\n" +
            "Examples:\n  marketsim parquet schema runs/x.parquet\n  marketsim parquet head runs/x.parquet -n 10\n  marketsim parquet cat runs/x.parquet --columns time,price --csv");
        parquet.Subcommands.Add(BuildSchema(stdout, stderr));
        parquet.Subcommands.Add(BuildHead(stdout, stderr));
        parquet.Subcommands.Add(BuildCat(stdout, stderr));
        return parquet;
    }

    private static Command BuildSchema(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("FILE") { Description = "Parquet file" };
        var command = new Command("schema", "Print the schema, row groups and column chunks of a Parquet file.\nExample: marketsim parquet schema runs/x.parquet") { file };
        command.SetAction(parse => WithReader(parse.GetValue(file)!, stderr, r =>
        {
            stdout.WriteLine(r.Schema.ToString());
            stdout.WriteLine($"rows: {r.NumRows}, row groups: {r.RowGroups.Count}, created by: {r.CreatedBy ?? "?"}");
            for (int g = 0; g < r.RowGroups.Count; g++)
            {
                var rg = r.RowGroups[g];
                stdout.WriteLine($"row group {g}: {rg.NumRows} rows");
                foreach (var c in rg.Columns)
                {
                    stdout.WriteLine($"  {c.Column}: {c.Codec} {string.Join('/', c.Encodings)} {c.CompressedSize} bytes (uncompressed {c.UncompressedSize}), nulls {c.Statistics?.NullCount?.ToString(CultureInfo.InvariantCulture) ?? "?"}");
                }
            }
        }));
        return command;
    }

    private static Command BuildHead(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("FILE") { Description = "Parquet file" };
        var n = new Option<int>("-n", "--rows") { Description = "Number of rows", DefaultValueFactory = _ => 5 };
        var csv = new Option<bool>("--csv") { Description = "Print CSV with a header line" };
        var command = new Command("head", "Print the first rows of a Parquet file.\nExample: marketsim parquet head runs/x.parquet -n 10 --csv") { file, n, csv };
        command.SetAction(parse =>
        {
            int rows = parse.GetValue(n);
            if (rows < 0)
            {
                throw new UsageException("-n must not be negative");
            }

            return WithReader(parse.GetValue(file)!, stderr, r => Print(r, null, rows, parse.GetValue(csv), stdout));
        });
        return command;
    }

    private static Command BuildCat(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("FILE") { Description = "Parquet file" };
        var columns = new Option<string?>("--columns") { Description = "Comma-separated columns to print (default: all); only these are read" };
        var csv = new Option<bool>("--csv") { Description = "Print CSV with a header line" };
        var command = new Command("cat", "Print every row of a Parquet file.\nExample: marketsim parquet cat runs/x.parquet --columns time,price --csv") { file, columns, csv };
        command.SetAction(parse => WithReader(parse.GetValue(file)!, stderr, r =>
        {
            var names = parse.GetValue(columns) is { } list ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : null;
            foreach (var name in names ?? [])
            {
                if (r.Schema.IndexOf(name) < 0)
                {
                    throw new UsageException($"no column named {name} (columns: {string.Join(", ", r.Schema.Columns.Select(c => c.Name))})");
                }
            }

            Print(r, names, long.MaxValue, parse.GetValue(csv), stdout);
        }));
        return command;
    }

    private static int WithReader(string path, TextWriter stderr, Action<ParquetReader> action)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"{path}: no such file");
        }

        try
        {
            using var reader = ParquetReader.Open(path);
            action(reader);
            return CliApp.ExitOk;
        }
        catch (ParquetFormatException e)
        {
            CliApp.WriteError(stderr, e.Message);
            return CliApp.ExitFailure;
        }
    }

    private static void Print(ParquetReader r, string[]? names, long limit, bool csv, TextWriter stdout)
    {
        names ??= [.. r.Schema.Columns.Select(c => c.Name)];
        var cols = names.Select(n => r.Schema.Columns[r.Schema.IndexOf(n)]).ToArray();
        if (csv)
        {
            stdout.WriteLine(string.Join(',', names.Select(Csv)));
        }

        long printed = 0;
        for (int g = 0; g < r.RowGroups.Count && printed < limit; g++)
        {
            var data = names.Select(n => r.ReadColumn(n, g)).ToArray();
            long rows = r.RowGroups[g].NumRows;
            for (int i = 0; i < rows && printed < limit; i++, printed++)
            {
                var cells = cols.Select((c, k) => Format(c, data[k].GetValue(i)));
                if (csv)
                {
                    stdout.WriteLine(string.Join(',', cells.Select(x => x is null ? "" : Csv(x))));
                }
                else
                {
                    if (printed > 0)
                    {
                        stdout.WriteLine();
                    }

                    foreach (var (c, v) in cols.Zip(cells))
                    {
                        stdout.WriteLine($"{c.Name} = {v ?? "null"}");
                    }
                }
            }
        }
    }

    internal static string? Format(ParquetColumn column, object? value) => value switch
    {
        null => null,
        long micros when column.LogicalType == ParquetLogicalType.TimestampMicros =>
            DateTime.UnixEpoch.AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static string Csv(string s)
    {
        if (s.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            return s;
        }

        var b = new StringBuilder("\"");
        b.Append(s.Replace("\"", "\"\"", StringComparison.Ordinal));
        return b.Append('"').ToString();
    }
}
