using MarketSim.Parquet;

namespace MarketSim.Cli.Tests;

public sealed class ParquetCommandsSpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parquet-cli").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Schema_prints_the_columns_and_row_groups()
    {
        var r = CliRunner.Run("parquet", "schema", Sample());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("required INT64 (TIMESTAMP(MICROS,true)) time;", r.Out);
        Assert.Contains("optional DOUBLE price;", r.Out);
        Assert.Contains("required BYTE_ARRAY (STRING) name;", r.Out);
        Assert.Contains("rows: 3, row groups: 2", r.Out);
    }

    [Fact]
    public void Cat_prints_selected_columns_as_csv()
    {
        var r = CliRunner.Run("parquet", "cat", Sample(), "--columns", "name,price", "--csv");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("name,price\na,1.5\n\"b,c\",\n\"say \"\"hi\"\"\",-2\n", r.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Head_prints_the_first_rows_as_records()
    {
        var r = CliRunner.Run("parquet", "head", Sample(), "-n", "1");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("time = 2026-01-02T03:04:05.000000Z\nprice = 1.5\nname = a\n", r.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Head_can_print_csv_too()
    {
        var r = CliRunner.Run("parquet", "head", Sample(), "-n", "2", "--csv");
        Assert.Equal("time,price,name\n2026-01-02T03:04:05.000000Z,1.5,a\n2026-01-02T03:04:06.000000Z,,\"b,c\"\n", r.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_bad_file_is_a_one_line_error_naming_the_file_with_exit_code_1()
    {
        var path = Path.Combine(_dir, "bad.parquet");
        File.WriteAllText(path, "this is not parquet at all");
        var r = CliRunner.Run("parquet", "cat", path, "--csv");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"marketsim: {path}: bad magic number at start of file (expected PAR1, found this)\n", r.Err.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_missing_file_is_a_usage_error()
    {
        var r = CliRunner.Run("parquet", "head", Path.Combine(_dir, "nope.parquet"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nope.parquet: no such file", r.Err);
    }

    [Fact]
    public void An_unknown_column_is_a_usage_error()
    {
        var r = CliRunner.Run("parquet", "cat", Sample(), "--columns", "nope");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no column named nope", r.Err);
    }

    [Fact]
    public void Help_shows_examples()
    {
        var r = CliRunner.Run("parquet", "cat", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Example: marketsim parquet cat", r.Out);
    }

    private string Sample()
    {
        var path = Path.Combine(_dir, "sample.parquet");
        var schema = new ParquetSchema(ParquetColumn.Timestamp("time"), ParquetColumn.Double("price", required: false), ParquetColumn.String("name"));
        var t0 = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        using var w = ParquetWriter.Create(path, schema, new ParquetWriterOptions { RowGroupSize = 2 });
        w.WriteBatch(new[] { t0, t0.AddSeconds(1), t0.AddSeconds(2) }, new double?[] { 1.5, null, -2 }, new[] { "a", "b,c", "say \"hi\"" });
        return path;
    }
}
