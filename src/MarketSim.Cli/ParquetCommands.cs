using System.CommandLine;
using System.Globalization;
using System.Text;

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
            stdout.WriteLine("message schema {");
            for (var c = 0; c < r.Columns.Count; c++)
            {
                stdout.WriteLine($"  {r.Describe(c)};");
            }

            stdout.WriteLine("}");
            var groups = r.Metadata.RowGroups;
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rows: {r.NumRows}, row groups: {groups.Count}, created by: {r.Metadata.CreatedBy ?? "?"}"));
            for (var g = 0; g < groups.Count; g++)
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"row group {g}: {groups[g].NumRows} rows"));
                foreach (var chunk in groups[g].Columns)
                {
                    var m = chunk.MetaData;
                    if (m is null)
                    {
                        stdout.WriteLine("  ?: no column metadata");
                        continue;
                    }

                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {string.Join('.', m.PathInSchema)}: {m.Codec} {string.Join('/', m.Encodings)} {m.TotalCompressedSize} bytes (uncompressed {m.TotalUncompressedSize}), nulls {m.Statistics?.NullCount?.ToString(CultureInfo.InvariantCulture) ?? "?"}"));
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
                if (r.IndexOf(name) < 0)
                {
                    throw new UsageException($"no column named {name} (columns: {string.Join(", ", r.Columns.Select(c => c.Name))})");
                }
            }

            Print(r, names, long.MaxValue, parse.GetValue(csv), stdout);
        }));
        return command;
    }

    private static int WithReader(string path, TextWriter stderr, Action<ParquetFile> action)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"{path}: no such file");
        }

        try
        {
            using var reader = ParquetFile.Open(path);
            action(reader);
            return CliApp.ExitOk;
        }
        catch (ParquetFileException e)
        {
            CliApp.WriteError(stderr, e.Message);
            return CliApp.ExitFailure;
        }
    }

    private static void Print(ParquetFile r, string[]? names, long limit, bool csv, TextWriter stdout)
    {
        names ??= [.. r.Columns.Select(c => c.Name)];
        var indexes = names.Select(r.IndexOf).ToArray();
        if (csv)
        {
            stdout.WriteLine(string.Join(',', names.Select(Csv)));
        }

        long printed = 0;
        for (int g = 0; g < r.Metadata.RowGroups.Count && printed < limit; g++)
        {
            var data = indexes.Select(c => r.ReadColumn(c, g)).ToArray();
            long rows = r.Metadata.RowGroups[g].NumRows;
            for (int i = 0; i < rows && printed < limit; i++, printed++)
            {
                var cells = data.Select(d => Format(d.GetValue(i)));
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

                    foreach (var (name, v) in names.Zip(cells))
                    {
                        stdout.WriteLine($"{name} = {v ?? "null"}");
                    }
                }
            }
        }
    }

    /// <summary>One value as text: timestamps ISO 8601 to the microsecond (<c>Z</c> when UTC), round-trip numbers, hex bytes.</summary>
    internal static string? Format(object? value) => value switch
    {
        null => null,
        DateTime t => t.ToString(t.Kind == DateTimeKind.Utc ? "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'" : "yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        byte[] bytes => "0x" + Convert.ToHexString(bytes),
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
