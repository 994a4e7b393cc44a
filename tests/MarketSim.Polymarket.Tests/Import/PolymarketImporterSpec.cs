using MarketSim.Polymarket.Import;

namespace MarketSim.Polymarket.Tests.Import;

public sealed class PolymarketImporterSpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-import").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>shared/data/polymarket next to the repository (never copied into it).</summary>
    internal static string SharedData
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "MarketSim.sln")))
                {
                    var data = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "polymarket"));
                    return Directory.Exists(data) ? data : throw new InvalidOperationException($"the shared Polymarket data is missing: expected {data} (the folder 'shared' next to the repository)");
                }
            }

            throw new InvalidOperationException("MarketSim.sln not found above " + AppContext.BaseDirectory);
        }
    }

    [Fact]
    public void Import_counts_match_the_sources_readme()
    {
        var (rows, report) = PolymarketImporter.Import(SharedData);
        var outcomes = report.Source(PolymarketImporter.OutcomesFile);
        Assert.Equal(5_320, outcomes.Read);
        Assert.Equal(5_210, outcomes.Kept); // Yes/No markets, all with a winner
        Assert.Equal(4_504, outcomes.KeptWithPrice); // YES price and a Yes/No winner
        Assert.Equal(78, outcomes.Dropped["named outcomes, not Yes/No (use --allow-non-yes-no)"].Count);
        Assert.Equal(32, outcomes.Dropped["no outcomes or token ids (market never listed on the CLOB)"].Count);

        var events = report.Source(PolymarketImporter.EventsName);
        Assert.Equal(6_386, events.Read);
        Assert.Equal(479, events.Dropped["not closed (still open when collected)"].Count);
        Assert.Equal(21, events.Dropped["closed but not cleanly resolved (final prices not 0/1)"].Count);
        Assert.Equal(3_394, events.Dropped["named outcomes, not Yes/No (use --allow-non-yes-no)"].Count);
        Assert.Equal(2_492, events.Kept);
        Assert.Equal(798, rows.Count(r => r.Source.Contains("events_chunk", StringComparison.Ordinal) && r.Y == 1));

        var safe = report.Source(PolymarketImporter.SafechoicesFile);
        Assert.Equal(4_264, safe.Read);
        Assert.Equal(safe.Read, safe.Kept + safe.DroppedCount);

        // outcomes.csv ∩ events on conditionId, all with agreeing y.
        var both = rows.Count(r => r.Source.Contains("outcomes.csv", StringComparison.Ordinal) && r.Source.Contains("events_chunk", StringComparison.Ordinal));
        Assert.Equal(5_210 + 2_492 - both, rows.Count);
        Assert.Empty(report.DroppedAfterMerge);
        Assert.Equal(rows.Count, report.RowsWritten);
        Assert.Equal(rows.Count, rows.Select(r => r.ConditionId).Distinct().Count());
        Assert.Equal(1_270, rows.Count(r => r.Price?.Criterion == PolymarketImporter.PrevDailyBar && r.Y == 1));
    }

    [Fact]
    public void Named_outcome_markets_are_kept_with_allow_non_yes_no()
    {
        var (_, report) = PolymarketImporter.Import(SharedData, new ImportOptions(AllowNonYesNo: true));
        var outcomes = report.Source(PolymarketImporter.OutcomesFile);
        Assert.Equal(5_210 + 75, outcomes.Kept);
        Assert.Single(outcomes.Dropped["no winner (winning_token_id and winning_outcome empty)"]);
        Assert.Equal(2, outcomes.Dropped["winner does not match the tokens/outcomes"].Count);
        Assert.Equal(5_886, report.Source(PolymarketImporter.EventsName).Kept);
    }

    [Fact]
    public void Python_literal_lists_parse_strings_numbers_and_none()
    {
        Assert.Equal(["a", "b'c"], PythonLiteral.ParseList("['a', \"b'c\"]"));
        Assert.Equal([0.945, 0.055], PythonLiteral.ParseList("[0.945, 0.055]"));
        Assert.Equal([null, null], PythonLiteral.ParseList("[None, None]"));
        Assert.Empty(PythonLiteral.ParseList(" [] "));
        Assert.Throws<FormatException>(() => PythonLiteral.ParseList("[0.1, oops]"));
        Assert.Throws<FormatException>(() => PythonLiteral.ParseList("['a'"));
    }

    private const string OutcomesHeader = "conditionId,question,endDate,createdAt,closedTime,volume,outcomes,clobTokenIds,prev_prices,winning_token_id,winning_outcome,correct_prediction,prediction_price";
    private const string Cond = "0x80e14125844dcb3dd3885290bc0a03626223a92b3a704ba10363d250e8640b86";

    private string Fixture(string? outcomesBody = null, string? chunk0 = null, bool skipSafe = false)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "cj-robinson-polymarket-accuracy"));
        Directory.CreateDirectory(Path.Combine(_dir, "aapetukhov-llm-polymarket"));
        Directory.CreateDirectory(Path.Combine(_dir, "dhruv575-safechoices"));
        File.WriteAllText(Path.Combine(_dir, PolymarketImporter.OutcomesFile), OutcomesHeader + "\n" + (outcomesBody ??
            $"{Cond},Will X win?,2024-05-30T00:00:00Z,2024-01-08T17:51:23.211Z,2024-06-03 12:46:24+00,7479.2,\"[\"\"No\"\", \"\"Yes\"\"]\",\"['11', '22']\",\"[0.945, 0.055]\",11,No,True,0.945\n"));
        for (var i = 0; i < 6; i++)
        {
            File.WriteAllText(Path.Combine(_dir, "aapetukhov-llm-polymarket", $"events_chunk_{i}.json"), i == 0 && chunk0 is not null ? chunk0 : "[]");
        }

        if (!skipSafe)
        {
            File.WriteAllText(Path.Combine(_dir, PolymarketImporter.SafechoicesFile),
                "market,slug,clobID,closingDate,outcome,probability7d,probability6d,probability5d,probability4d,probability3d,probability2d,probability1d,volume\n" +
                "Will X win?,will-x-win,11,2024-06-01T00:00:00Z,True,0.8,0.8,0.8,0.8,0.8,0.9,0.95,1000\n" +
                "Other?,other,33,2024-06-01T00:00:00Z,True,0.8,0.8,0.8,0.8,0.8,0.9,0.95,1000\n");
        }

        return _dir;
    }

    [Fact]
    public void The_yes_side_is_matched_by_label_not_by_index()
    {
        var (rows, report) = PolymarketImporter.Import(Fixture());
        var row = Assert.Single(rows);
        Assert.Equal("22", row.YesTokenId);
        Assert.Equal("11", row.NoTokenId);
        Assert.Equal(0, row.Y);
        Assert.Equal(0.055, row.Price!.Prob);
        Assert.Equal("prev-daily-bar", row.Price.Criterion);
        Assert.Equal(new DateTimeOffset(2024, 6, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), row.Price.TargetTs);
        Assert.Equal(new DateTimeOffset(2024, 6, 3, 12, 46, 24, TimeSpan.Zero), row.ClosedTime);
        Assert.Equal("outcomes.csv+all_filtered_markets_full_2024_2025.csv", row.Source);
        Assert.Equal("will-x-win", row.Slug);
        Assert.Equal(["other"], report.Source(PolymarketImporter.SafechoicesFile).Dropped.Single().Value);
    }

    [Fact]
    public void Safechoices_unfolds_the_earliest_price_to_the_yes_side_when_the_market_has_no_other_price()
    {
        // First token "11" is NO and NO won; the favourite won, so the favourite at 7d was NO at 0.8: YES = 0.2.
        var (rows, _) = PolymarketImporter.Import(Fixture(outcomesBody:
            $"{Cond},Will X win?,2024-05-30T00:00:00Z,2024-01-08T17:51:23.211Z,2024-06-03 12:46:24+00,7479.2,\"[\"\"No\"\", \"\"Yes\"\"]\",\"['11', '22']\",\"[None, None]\",11,No,,\n"));
        var p = Assert.Single(rows).Price!;
        Assert.Equal("unfolded-favourite-7d", p.Criterion);
        Assert.Equal(0.2, p.Prob, 12);
        Assert.Equal(new DateTimeOffset(2024, 5, 25, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), p.TargetTs);
    }

    [Fact]
    public void A_corrupt_csv_row_names_the_file_and_line()
    {
        var dir = Fixture(outcomesBody: "0xabc,only,three\n");
        var e = Assert.Throws<InvalidDataException>(() => PolymarketImporter.Import(dir));
        Assert.Contains("outcomes.csv:2: expected 13 fields, found 3", e.Message);
    }

    [Fact]
    public void A_bad_python_literal_names_the_file_line_and_column()
    {
        var dir = Fixture(outcomesBody: $"{Cond},Q,,,,,\"[\"\"Yes\"\", \"\"No\"\"]\",\"['1', '2'\",[],1,Yes,,\n");
        var e = Assert.Throws<InvalidDataException>(() => PolymarketImporter.Import(dir));
        Assert.Contains("outcomes.csv:2: clobTokenIds", e.Message);
    }

    [Fact]
    public void A_malformed_json_chunk_names_the_file_and_line()
    {
        var dir = Fixture(chunk0: "[\n{\"id\": \"1\",\n oops}\n]");
        var e = Assert.Throws<InvalidDataException>(() => PolymarketImporter.Import(dir));
        Assert.Contains("events_chunk_0.json:3: malformed JSON", e.Message);
    }

    [Fact]
    public void A_missing_source_file_is_an_error_naming_it()
    {
        var dir = Fixture(skipSafe: true);
        var e = Assert.Throws<FileNotFoundException>(() => PolymarketImporter.Import(dir));
        Assert.Contains("all_filtered_markets_full_2024_2025.csv: no such file", e.Message);
    }
}
