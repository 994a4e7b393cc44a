using System.Text.Json;
using System.Text.Json.Nodes;
using MarketSim.Polymarket.Download;

namespace MarketSim.Polymarket.Tests.Download;

public sealed class GammaDatasetBuilderSpec
{
    private static readonly GammaBuildOptions Defaults = new();

    private static List<string> RealLines() => RealCaptures.GammaMarkets().Select(m => m!.ToJsonString()).ToList();

    private static JsonObject RealMarket(string id) => RealCaptures.GammaMarkets().Select(m => m!.AsObject()).Single(m => m["id"]!.GetValue<string>() == id);

    private static GammaBuildResult BuildOne(JsonObject market) => GammaDatasetBuilder.Build([market.ToJsonString()], Defaults);

    [Fact]
    public void The_real_capture_keeps_its_seven_yes_no_markets_and_reports_the_four_games()
    {
        var result = GammaDatasetBuilder.Build(RealLines(), Defaults);

        Assert.Equal(["508204", "506660", "514396", "514402", "506674", "502265", "514399"], result.Rows.Select(r => r.Id));
        Assert.Equal(["516211", "516242", "516243", "516209"], result.Dropped.Select(d => d.Id));
        Assert.All(result.Dropped, d => Assert.StartsWith("not yes/no: outcomes [", d.Reason, StringComparison.Ordinal));
        Assert.Equal([("not yes/no", 4)], result.DroppedByRule);
        Assert.Equal([0, 0, 0, 1, 0, 1, 0], result.Rows.Select(r => r.Y));
    }

    [Fact]
    public void A_real_market_row_has_decoded_tokens_three_style_dates_and_string_numbers()
    {
        var row = GammaDatasetBuilder.Build(RealLines(), Defaults).Rows.Single(r => r.Id == "508204");
        var tokens = JsonSerializer.Deserialize<string[]>(RealMarket("508204")["clobTokenIds"]!.GetValue<string>())!;

        Assert.Equal("Will Trump be Speaker by January 1?", row.Question);
        Assert.Equal(tokens[0], row.YesTokenId);
        Assert.Equal(tokens[1], row.NoTokenId);
        Assert.StartsWith("9076267196", row.YesTokenId, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2025, 1, 2, 7, 10, 46, TimeSpan.Zero), row.ClosedTime);
        Assert.Equal(DateTimeOffset.Parse("2024-09-26T16:49:55.819562Z", System.Globalization.CultureInfo.InvariantCulture), row.CreatedAt);
        Assert.Equal(2771363.653742, row.VolumeNum);
        Assert.Equal("0x" + row.ConditionId[2..].ToLowerInvariant(), row.ConditionId);
        Assert.Equal(GammaDatasetBuilder.SourceName, row.Source);
        Assert.Equal("Solana Hit Price Monthly", GammaDatasetBuilder.Build(RealLines(), Defaults).Rows.Single(r => r.Id == "514396").Category);
    }

    [Fact]
    public void Named_outcomes_are_kept_with_index_zero_as_yes_when_allowed()
    {
        var result = GammaDatasetBuilder.Build(RealLines(), Defaults with { AllowNonYesNo = true });

        Assert.Equal(11, result.Rows.Count);
        Assert.Empty(result.Dropped);
        Assert.Equal(1, result.Rows.Single(r => r.Id == "516211").Y);
        Assert.Equal(0, result.Rows.Single(r => r.Id == "516209").Y);
    }

    [Fact]
    public void Real_arrays_build_the_same_rows_as_double_encoded_strings()
    {
        var decoded = RealCaptures.GammaMarkets().Select(m =>
        {
            var o = m!.AsObject();
            foreach (var field in new[] { "outcomes", "outcomePrices", "clobTokenIds" })
            {
                o[field] = JsonNode.Parse(o[field]!.GetValue<string>());
            }

            return o.ToJsonString();
        });

        Assert.Equal(GammaDatasetBuilder.Build(RealLines(), Defaults).Rows, GammaDatasetBuilder.Build(decoded, Defaults).Rows);
    }

    [Fact]
    public void Labels_are_matched_so_a_market_listing_No_first_reads_its_winner_and_tokens_by_label()
    {
        var m = RealMarket("514402");
        m["outcomes"] = "[\"No\", \"Yes\"]";
        m["outcomePrices"] = "[\"1\", \"0\"]";
        m["clobTokenIds"] = "[\"111\", \"222\"]";

        var row = Assert.Single(BuildOne(m).Rows);

        Assert.Equal(0, row.Y);
        Assert.Equal("222", row.YesTokenId);
        Assert.Equal("111", row.NoTokenId);
    }

    [Theory]
    [InlineData("outcomePrices", "[\"0\", \"0\"]", "prices not extreme")]
    [InlineData("outcomePrices", "[\"0.6\", \"0.4\"]", "prices not extreme")]
    [InlineData("outcomePrices", "[\"1.5\", \"0\"]", "prices do not sum to 1")]
    [InlineData("outcomes", "[\"Yes\", \"No\", \"Maybe\"]", "not binary")]
    [InlineData("clobTokenIds", "", "no CLOB token ids")]
    [InlineData("outcomePrices", "not json", "no prices")]
    [InlineData("umaResolutionStatus", "proposed", "not resolved")]
    public void A_market_failing_a_rule_is_dropped_with_its_id_and_the_rule(string field, string value, string rule)
    {
        var m = RealMarket("514402");
        m[field] = value;

        var result = BuildOne(m);

        Assert.Empty(result.Rows);
        var dropped = Assert.Single(result.Dropped);
        Assert.Equal("514402", dropped.Id);
        Assert.Equal(rule, GammaBuildResult.RuleOf(dropped.Reason));
    }

    [Fact]
    public void Open_markets_duplicates_and_broken_lines_are_reported_not_silently_dropped()
    {
        var open = RealMarket("514402");
        open["closed"] = false;
        var lines = new List<string> { RealMarket("508204").ToJsonString(), RealMarket("508204").ToJsonString(), open.ToJsonString(), "{\"id\": \"9\", \"question\": ", string.Empty };

        var result = GammaDatasetBuilder.Build(lines, Defaults);

        Assert.Single(result.Rows);
        Assert.Equal(["duplicate conditionId", "not closed", "not JSON"], result.Dropped.Select(d => GammaBuildResult.RuleOf(d.Reason)));
        Assert.Equal("markets.jsonl:4", result.Dropped[2].Line);
    }

    [Fact]
    public void Volumes_given_as_strings_and_minimum_volume_and_creation_rules_apply()
    {
        var m = RealMarket("514402");
        m.Remove("volumeNum");
        m["volume"] = "150.5";
        m["lastTradePrice"] = "0.97";

        var row = Assert.Single(BuildOne(m).Rows);
        var small = GammaDatasetBuilder.Build([m.ToJsonString()], Defaults with { MinVolume = 1000 });
        var early = GammaDatasetBuilder.Build([m.ToJsonString()], Defaults with { CreatedAfter = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero) });

        Assert.Equal(150.5, row.VolumeNum);
        Assert.Equal(0.97, row.LastTradePrice);
        Assert.Equal("volume too small", GammaBuildResult.RuleOf(Assert.Single(small.Dropped).Reason));
        Assert.Equal("created too early", GammaBuildResult.RuleOf(Assert.Single(early.Dropped).Reason));
    }

    [Theory]
    [InlineData("2024-12-22T05:08:16.423255Z", "2024-12-22T05:08:16.4232550+00:00")]
    [InlineData("2025-01-01T22:00:00Z", "2025-01-01T22:00:00.0000000+00:00")]
    [InlineData("2024-12-26 02:34:04+00", "2024-12-26T02:34:04.0000000+00:00")]
    [InlineData("2024-12-26 04:34:04+02", "2024-12-26T02:34:04.0000000+00:00")]
    [InlineData("2025-01-01", "2025-01-01T00:00:00.0000000+00:00")]
    public void The_three_date_styles_parse_to_UTC(string text, string expected)
    {
        var t = GammaDatasetBuilder.ParseDate(text);

        Assert.NotNull(t);
        Assert.Equal(TimeSpan.Zero, t.Value.Offset);
        Assert.Equal(expected, t.Value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }
}
