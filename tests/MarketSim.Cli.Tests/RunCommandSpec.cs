using System.Text.Json;
using System.Text.RegularExpressions;

namespace MarketSim.Cli.Tests;

public sealed partial class RunCommandSpec : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "marketsim-run-cli-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_out, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Scenario(string name) => Path.Combine(CliRunner.RepoRoot, "scenarios", name);

    private string OnlyRunFolder() => Assert.Single(Directory.GetDirectories(_out));

    [Fact]
    public void Run_plays_a_small_scenario_prints_the_summary_table_and_exits_0()
    {
        var r = CliRunner.Run("run", Scenario("parity-cliff-fog.conf"), "--set", "timeline.events=24", "--set", "shard-size=5", "--out", _out);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("forecaster", r.Out, StringComparison.Ordinal);
        Assert.Contains("score[peer-1.5.5]", r.Out, StringComparison.Ordinal);
        Assert.Contains("diff_analytic_rho=0.95", r.Out, StringComparison.Ordinal);
        var folder = OnlyRunFolder();
        foreach (var file in new[] { "scenario.conf", "journal.db", "summary.json", "summary.md", "status.json" })
        {
            Assert.True(File.Exists(Path.Combine(folder, file)), file);
        }

        var status = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "status.json")));
        Assert.Equal("complete", status.RootElement.GetProperty("state").GetString());
        Assert.Contains("interval", r.Err, StringComparison.Ordinal); // plain progress lines: stderr is not a terminal here
    }

    [Fact]
    public void Quiet_prints_nothing_on_stderr()
    {
        var r = CliRunner.Run("run", Scenario("groupstress.conf"), "--set", "timeline.events=16", "--quiet", "--out", _out);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Err);
        Assert.Contains("oracle", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void The_seed_option_replaces_the_scenario_seed()
    {
        var r = CliRunner.Run("run", Scenario("groupstress.conf"), "--set", "timeline.events=16", "--seed", "42", "--quiet", "--out", _out);

        Assert.Equal(0, r.ExitCode);
        var summary = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(OnlyRunFolder(), "summary.json")));
        Assert.Equal(42, summary.RootElement.GetProperty("seed").GetInt64());
    }

    [Fact]
    public void An_invalid_scenario_prints_each_error_as_file_line_col_key_message_and_exits_2()
    {
        var r = CliRunner.Run("run", Scenario("parity-cliff-fog.conf"), "--set", "timeline.events=0", "--set", "world.alpha=3", "--out", _out);

        Assert.Equal(2, r.ExitCode);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("marketsim: invalid scenario", lines[0], StringComparison.Ordinal);
        Assert.Equal(2, lines.Length - 1);
        Assert.All(lines.Skip(1), l => Assert.Matches(ErrorLine(), l));
        Assert.Contains(lines, l => l.Contains("marketsim.scenario.timeline.events", StringComparison.Ordinal));
        Assert.False(Directory.Exists(_out) && Directory.EnumerateFileSystemEntries(_out).Any());
    }

    [Fact]
    public void A_missing_scenario_file_exits_2()
    {
        var r = CliRunner.Run("run", Path.Combine(_out, "nope.conf"), "--out", _out);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nope.conf", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_shows_the_options_and_an_example()
    {
        var r = CliRunner.Run("run", "--help");

        Assert.Equal(0, r.ExitCode);
        foreach (var option in new[] { "--seed", "--set", "--out", "--quiet", "Example: marketsim run" })
        {
            Assert.Contains(option, r.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_cancelled_run_flushes_the_journal_marks_the_folder_interrupted_and_exits_130()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = RunCommand.Execute(Scenario("parity-cliff-fog.conf"), null, ["timeline.events=24"], _out, quiet: true, stdout, stderr, cts.Token);

        Assert.Equal(RunCommand.ExitInterrupted, code);
        Assert.Contains("interrupted", stderr.ToString(), StringComparison.Ordinal);
        var folder = OnlyRunFolder();
        var status = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "status.json")));
        Assert.Equal("interrupted", status.RootElement.GetProperty("state").GetString());
        Assert.True(File.Exists(Path.Combine(folder, "journal.db")));
    }

    [GeneratedRegex(@"^.+:\d+:\d+: \S+: .+$")]
    private static partial Regex ErrorLine();

    [Fact]
    public void Export_parquet_after_the_run_writes_the_tables_into_the_run_folder()
    {
        var r = CliRunner.Run("run", Scenario("parity-cliff-fog.conf"), "--set", "timeline.events=24", "--set", "shard-size=5", "--out", _out, "--export", "parquet", "--quiet");

        Assert.True(r.ExitCode == 0, r.Err);
        var export = Path.Combine(OnlyRunFolder(), "export");
        Assert.Contains("export: " + export, r.Out, StringComparison.Ordinal);
        foreach (var table in new[] { "events", "predictions", "event_scores", "weights" })
        {
            var file = Path.Combine(export, table + ".parquet");
            Assert.True(File.Exists(file), file);
            var head = CliRunner.Run("parquet", "head", file, "-n", "1");
            Assert.True(head.ExitCode == 0, head.Err);
        }
    }

    [Theory]
    [InlineData(new[] { "run", "--journal", "mysql", "x.conf" }, "--journal must be sqlite or postgres")]
    [InlineData(new[] { "run", "--export", "xlsx", "x.conf" }, "--export must be parquet or csv")]
    [InlineData(new[] { "run" }, "needs a scenario FILE (or --resume RUN_DIR)")]
    [InlineData(new[] { "run", "--resume", "runs/x", "x.conf" }, "give no FILE, --seed, --out or --journal")]
    public void Contradictory_or_invalid_run_options_exit_2_with_one_line(string[] args, string message)
    {
        var r = CliRunner.Run(args);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Resume_of_a_folder_that_is_not_a_run_exits_2_naming_it()
    {
        Directory.CreateDirectory(Path.Combine(_out, "empty"));
        var r = CliRunner.Run("run", "--resume", Path.Combine(_out, "empty"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("cannot resume", r.Err, StringComparison.Ordinal);
        Assert.Contains("scenario.conf", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Postgres")]
    public void Journal_postgres_runs_the_same_scenario_with_a_byte_identical_summary()
    {
        var cs = Environment.GetEnvironmentVariable("MARKETSIM_TEST_POSTGRES") is { Length: > 0 } v
            ? v
            : throw new InvalidOperationException("MARKETSIM_TEST_POSTGRES is not set: run ./test.sh, which starts PostgreSQL (or scripts/services.sh start DIR && source DIR/env).");
        var schema = "t_cli_" + Guid.NewGuid().ToString("N")[..12];
        var sqlite = CliRunner.Run("run", Scenario("parity-cliff-fog.conf"), "--set", "timeline.events=24", "--out", Path.Combine(_out, "sqlite"), "--quiet");
        try
        {
            var pg = CliRunner.Run("run", Scenario("parity-cliff-fog.conf"), "--set", "timeline.events=24", "--out", Path.Combine(_out, "pg"), "--quiet",
                "--journal", "postgres", "--set", "marketsim.persistence.postgres.connection-string=" + cs, "--set", "marketsim.persistence.postgres.schema=" + schema);

            Assert.True(sqlite.ExitCode == 0, sqlite.Err);
            Assert.True(pg.ExitCode == 0, pg.Err);
            var a = Assert.Single(Directory.GetDirectories(Path.Combine(_out, "sqlite")));
            var b = Assert.Single(Directory.GetDirectories(Path.Combine(_out, "pg")));
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, "summary.json")), File.ReadAllBytes(Path.Combine(b, "summary.json")));
            Assert.False(File.Exists(Path.Combine(b, "journal.db")));
        }
        finally
        {
            using var conn = new Npgsql.NpgsqlConnection(cs);
            conn.Open();
            using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", conn);
            drop.ExecuteNonQuery();
        }
    }
}
