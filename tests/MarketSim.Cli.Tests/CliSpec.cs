using System.Diagnostics;
using System.Text.Json;

namespace MarketSim.Cli.Tests;

public sealed class CliSpec
{
    [Fact]
    public void Version_prints_the_assembly_version_and_exits_zero()
    {
        var r = CliRunner.Run("--version");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("0.1.0", r.Out.Trim());
    }

    [Fact]
    public void Help_lists_the_config_command_with_an_example()
    {
        var r = CliRunner.Run("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("config", r.Out);
        Assert.Contains("Example:", r.Out);

        var show = CliRunner.Run("config", "show", "--help");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("--no-reference", show.Out);
        Assert.Contains("Example: marketsim config show", show.Out);
    }

    [Fact]
    public void Unknown_option_gives_a_one_line_error_and_exit_code_2()
    {
        var r = CliRunner.Run("config", "show", CliRunner.Fixture("app.conf"), "--bogus");
        Assert.Equal(2, r.ExitCode);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("--bogus", lines[0]);
        Assert.Contains("marketsim config show --help", lines[0]);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void Unknown_command_gives_exit_code_2()
    {
        var r = CliRunner.Run("frobnicate");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Missing_file_argument_gives_exit_code_2()
    {
        var r = CliRunner.Run("config", "show");
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public void A_file_that_does_not_exist_is_a_usage_error_naming_the_file()
    {
        var r = CliRunner.Run("config", "show", "no/such/file.conf");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no/such/file.conf", r.Err);
    }

    [Fact]
    public void A_malformed_set_is_a_usage_error()
    {
        var r = CliRunner.Run("config", "show", CliRunner.Fixture("app.conf"), "--set", "no-equals-sign");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("path=value", r.Err);
    }

    [Fact]
    public void A_malformed_file_fails_with_file_line_and_column()
    {
        var r = CliRunner.Run("config", "show", CliRunner.Fixture("broken.conf"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("broken.conf:3:", r.Err);
        Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Show_resolves_includes_substitutions_and_appends()
    {
        var r = CliRunner.Run("config", "show", CliRunner.Fixture("app.conf"), "--json", "--no-reference");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var app = doc.RootElement.GetProperty("app");
        Assert.Equal("/var/marketsim/runs", app.GetProperty("path").GetString());
        Assert.Equal(["base", "fast"], app.GetProperty("tags").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(4, app.GetProperty("workers").GetInt32());
        Assert.Equal("cli spec", app.GetProperty("name").GetString());
    }

    [Fact]
    public void Set_overrides_win_over_the_file_and_the_last_one_wins()
    {
        var r = CliRunner.Run("config", "show", CliRunner.Fixture("app.conf"), "--json", "--no-reference",
            "--set", "app.workers=8", "--set", "app.workers=16", "--set", "app.extra=[1,2]",
            "--set", "app.root=/data");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var app = doc.RootElement.GetProperty("app");
        Assert.Equal(16, app.GetProperty("workers").GetInt32());
        Assert.Equal(2, app.GetProperty("extra").GetArrayLength());
        // Substitutions are resolved after the overrides are merged.
        Assert.Equal("/data/runs", app.GetProperty("path").GetString());
    }

    [Fact]
    public void A_set_value_that_is_not_hocon_is_taken_literally()
    {
        var r = CliRunner.Run("config", "show", CliRunner.Fixture("app.conf"), "--json", "--no-reference",
            "--set", "db.connection-string=Host=127.0.0.1;Port=5432");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal("Host=127.0.0.1;Port=5432",
            doc.RootElement.GetProperty("db").GetProperty("connection-string").GetString());
    }

    [Fact]
    public void Reference_defaults_are_merged_underneath_unless_no_reference()
    {
        var withRef = CliRunner.Run("config", "show", CliRunner.Fixture("app.conf"), "--json");
        Assert.Equal(0, withRef.ExitCode);
        using (var doc = JsonDocument.Parse(withRef.Out))
        {
            // akka.loglevel and marketsim.runtime.step-timeout come from MarketSim.Runtime's reference.conf.
            Assert.Equal("ERROR", doc.RootElement.GetProperty("akka").GetProperty("loglevel").GetString());
            Assert.Equal("10m", doc.RootElement.GetProperty("marketsim").GetProperty("runtime").GetProperty("step-timeout").GetString());
            Assert.True(doc.RootElement.TryGetProperty("app", out _));
        }

        var alone = CliRunner.Run("config", "show", CliRunner.Fixture("app.conf"), "--json", "--no-reference");
        using (var doc = JsonDocument.Parse(alone.Out))
        {
            Assert.False(doc.RootElement.TryGetProperty("akka", out _));
        }
    }

    [Fact]
    public void Hocon_output_reparses_to_the_same_configuration()
    {
        var hocon = CliRunner.Run("config", "show", CliRunner.Fixture("app.conf"), "--no-reference");
        Assert.Equal(0, hocon.ExitCode);
        var reparsed = MarketSim.Hocon.ConfigFactory.ParseString(hocon.Out).ToJson();
        var json = CliRunner.Run("config", "show", CliRunner.Fixture("app.conf"), "--json", "--no-reference");
        Assert.Equal(json.Out.Trim(), reparsed.Trim());
    }

    [Theory]
    [InlineData("hocon/embedded.conf")]
    [InlineData("hocon/common.conf")]
    public void Every_shipped_config_resolves(string relative)
    {
        var r = CliRunner.Run("config", "show", Path.Combine(CliRunner.RepoRoot, relative), "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal("INFO", doc.RootElement.GetProperty("akka").GetProperty("loglevel").GetString());
    }

    [Fact]
    public void Embedded_config_selects_virtual_time()
    {
        var r = CliRunner.Run("config", "show", Path.Combine(CliRunner.RepoRoot, "hocon/embedded.conf"), "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal("virtual",
            doc.RootElement.GetProperty("akka").GetProperty("scheduler").GetProperty("implementation").GetString());
    }

    [Fact]
    public void The_built_executable_returns_exit_code_2_for_an_unknown_option()
    {
        // Program.Main must hand CliApp's exit code to the operating system.
        var dll = Path.Combine(AppContext.BaseDirectory, "marketsim.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, "--no-such-option"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "marketsim did not exit");
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("--no-such-option", err);
    }
}
