using System.Text.Json;

namespace MarketSim.Cli.Tests;

public sealed class ParityCommandsSpec
{
    private static JsonElement Json(CliResult r)
    {
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Err);
        return JsonDocument.Parse(r.Out).RootElement;
    }

    private static void AssertMetricKeys(JsonElement forecaster)
    {
        foreach (var key in new[] { "name", "brier", "log_loss", "sce", "ece", "arb_profit", "n_eval" })
        {
            Assert.True(forecaster.TryGetProperty(key, out _), $"missing {key}");
        }
    }

    [Fact]
    public void Parity_json_has_the_config_and_one_row_per_forecaster()
    {
        var root = Json(CliRunner.Run("parity", "--n", "2000", "--json"));
        var config = root.GetProperty("config");
        Assert.Equal(16, config.GetProperty("d").GetInt32());
        Assert.Equal(8, config.GetProperty("k").GetInt32());
        Assert.Equal(0.8, config.GetProperty("alpha").GetDouble());
        Assert.Equal(2000, config.GetProperty("n").GetInt32());
        Assert.Equal(8, config.GetProperty("S").GetArrayLength());
        var rows = root.GetProperty("forecasters").EnumerateArray().ToList();
        Assert.Equal(["oracle", "const_0.5", "diff_analytic_rho=0.95", "L_query_oracle(L=4)"], rows.Select(r => r.GetProperty("name").GetString()));
        rows.ForEach(AssertMetricKeys);
        Assert.Equal(0.018126, rows[2].GetProperty("sce").GetDouble(), 1e-6);
        Assert.Equal(0.4, rows[1].GetProperty("arb_profit").GetDouble(), 1e-6);
        Assert.Equal(2000, rows[0].GetProperty("n_eval").GetInt32());
    }

    [Fact]
    public void Parity_prints_a_plain_table_when_redirected()
    {
        var r = CliRunner.Run("parity", "--n", "1000", "--K", "4", "--L", "12");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("parity: d=16 k=8", lines[0]);
        Assert.Matches(@"^forecaster\s+brier\s+logloss\s+sce\s+ece\s+arb_profit\s+n_eval$", lines[1]);
        Assert.Contains(lines, l => l.StartsWith("L_query_chains(L=12,K=4)", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', r.Out);
    }

    [Fact]
    public void The_same_seed_gives_identical_json_and_another_seed_differs()
    {
        string[] args = ["parity", "--n", "3000", "--seed", "7", "--json"];
        var a = CliRunner.Run(args);
        var b = CliRunner.Run(args);
        Assert.Equal(a.Out, b.Out);
        var c = CliRunner.Run("parity", "--n", "3000", "--seed", "8", "--json");
        Assert.NotEqual(a.Out, c.Out);

        string[] gs = ["groupstress", "--d", "8", "--k", "4", "--n", "4000", "--json", "--top", "10"];
        Assert.Equal(CliRunner.Run(gs).Out, CliRunner.Run(gs).Out);
        string[] ip = ["intrinsic-post", "--d", "8", "--k", "4", "--n-train", "2000", "--n-test", "500", "--json"];
        Assert.Equal(CliRunner.Run(ip).Out, CliRunner.Run(ip).Out);
    }

    [Theory]
    [InlineData("parity", "--alpha", "0")]
    [InlineData("parity", "--alpha", "1.5")]
    [InlineData("parity", "--k", "17")]
    [InlineData("parity", "--rho", "1.2")]
    [InlineData("parity", "--rho", "-0.1")]
    [InlineData("parity", "--n", "0")]
    [InlineData("parity", "--d", "abc")]
    [InlineData("groupstress", "--alpha", "2")]
    [InlineData("groupstress", "--n", "-5")]
    [InlineData("intrinsic-post", "--k", "0")]
    [InlineData("intrinsic-post", "--rho", "3")]
    public void Bad_values_give_one_error_line_and_exit_code_2(string command, string option, string value)
    {
        var r = CliRunner.Run(command, option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("marketsim: ", r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void Groupstress_refuses_exact_enumeration_above_d_18()
    {
        var r = CliRunner.Run("groupstress", "--d", "19", "--k", "2", "--exact");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("exact", r.Err);
        Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("parity")]
    [InlineData("groupstress")]
    [InlineData("intrinsic-post")]
    public void Every_command_has_help_with_an_example(string command)
    {
        var r = CliRunner.Run(command, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"Example: marketsim {command}", r.Out);
        Assert.Contains("--json", r.Out);
    }

    [Fact]
    public void Groupstress_json_reports_subsets_next_to_the_forecasters()
    {
        var root = Json(CliRunner.Run("groupstress", "--d", "10", "--k", "5", "--n", "20000", "--top", "5", "--json"));
        var forecasters = root.GetProperty("forecasters").EnumerateArray().ToList();
        Assert.Equal(["truth", "diff_analytic_rho=0.9", "L_query_oracle(L=3)"], forecasters.Select(f => f.GetProperty("name").GetString()));
        forecasters.ForEach(AssertMetricKeys);
        var subsets = root.GetProperty("subsets").EnumerateArray().ToList();
        Assert.Equal(5, subsets.Count);
        foreach (var s in subsets)
        {
            Assert.Equal(5, s.GetProperty("J").GetArrayLength());
            Assert.True(s.GetProperty("worst_group").GetDouble() >= 0);
            Assert.True(s.GetProperty("argmax_key").GetInt32() >= 0);
        }

        var theory = root.GetProperty("theory").GetDouble();
        Assert.Equal(theory, subsets[0].GetProperty("worst_group").GetDouble());
        Assert.Equal(
            root.GetProperty("config").GetProperty("S").EnumerateArray().Select(x => x.GetInt32()),
            subsets[0].GetProperty("J").EnumerateArray().Select(x => x.GetInt32()));
        Assert.True(root.GetProperty("S_is_top").GetBoolean());
        Assert.Equal(0.4, root.GetProperty("ar_lower_bound").GetDouble());
        Assert.True(root.GetProperty("margin").GetDouble() > root.GetProperty("noise_ceiling").GetDouble());
    }

    [Fact]
    public void Groupstress_exact_gives_zero_for_every_other_subset()
    {
        var root = Json(CliRunner.Run("groupstress", "--d", "8", "--k", "4", "--exact", "--top", "70", "--json"));
        var subsets = root.GetProperty("subsets").EnumerateArray().ToList();
        Assert.Equal(70, subsets.Count);
        Assert.All(subsets.Skip(1), s => Assert.Equal(0.0, s.GetProperty("worst_group").GetDouble()));
        Assert.Equal(0.0, root.GetProperty("best_other").GetProperty("worst_group").GetDouble());
    }

    [Fact]
    public void Groupstress_text_marks_s_in_the_top_list()
    {
        var r = CliRunner.Run("groupstress", "--d", "8", "--k", "4", "--n", "5000");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("theory (alpha/2)(1-rho^k)", r.Out);
        Assert.Contains("J = S is the top               yes", r.Out);
        Assert.Contains("\n* [", r.Out);
    }

    [Fact]
    public void Intrinsic_post_json_has_gcal_s_per_row()
    {
        var root = Json(CliRunner.Run("intrinsic-post", "--d", "10", "--k", "4", "--L", "2", "--n-train", "5000", "--n-test", "1000", "--json"));
        var rows = root.GetProperty("forecasters").EnumerateArray().ToList();
        Assert.Equal(["AR-intrinsic", "Diffusion-intrinsic", "AR+post", "Diffusion+post"], rows.Select(r => r.GetProperty("name").GetString()));
        foreach (var row in rows)
        {
            AssertMetricKeys(row);
            Assert.True(row.TryGetProperty("gcal_S", out _));
            Assert.True(row.TryGetProperty("gcal_S_argmax_key", out _));
            Assert.Equal(1000, row.GetProperty("n_eval").GetInt32());
        }

        Assert.Equal(0.4, rows[0].GetProperty("gcal_S").GetDouble(), 1e-9);
        Assert.True(rows[2].GetProperty("sce").GetDouble() < 0.01);
    }

    [Fact]
    public void Root_help_lists_the_parity_commands()
    {
        var r = CliRunner.Run("--help");
        Assert.Contains("parity", r.Out);
        Assert.Contains("groupstress", r.Out);
        Assert.Contains("intrinsic-post", r.Out);
    }
}
