using System.Globalization;
using System.Text;

namespace MarketSim.Llm;

/// <summary>One chat message as sent to the endpoint.</summary>
public sealed record ChatTurn(string Role, string Content);

/// <summary>
/// The forecasting prompt, in the spirit of Halawi et al. 2024 ("Approaching Human-Level
/// Forecasting with Language Models"): the question, its background and resolution criteria, the
/// dates, optionally the market's price, then a scratchpad (restate, reasons for no and for yes,
/// aggregate, initial probability, check calibration) and a final line "Probability: 0.XX".
/// The text is a pure function of the question (invariant culture, dates as yyyy-MM-dd), so the
/// cache key is stable. Changing it changes every cache key: bump <see cref="Version"/>.
/// </summary>
public static class ForecastPrompt
{
    /// <summary>Names this prompt's wording (logged, documented; the text itself is in the cache key).</summary>
    public const string Version = "halawi-scratchpad-v1";

    /// <summary>The system message.</summary>
    public const string System =
        "You are an expert superforecaster, familiar with the work of Philip Tetlock and others. "
        + "Estimate the probability that the question below resolves YES. You must give a probability "
        + "between 0 and 1 under all circumstances; if you cannot tell, give the base rate.";

    /// <summary>The messages for one question.</summary>
    public static IReadOnlyList<ChatTurn> Build(ForecastQuestion q, bool includeMarketPrice = true)
    {
        var sb = new StringBuilder();
        sb.Append("Question: ").Append(q.Question.Trim()).Append('\n');
        sb.Append("Question background: ").Append(string.IsNullOrWhiteSpace(q.Background) ? "None given." : q.Background.Trim()).Append('\n');
        sb.Append("Resolution criteria: ").Append(string.IsNullOrWhiteSpace(q.ResolutionCriteria) ? "None given." : q.ResolutionCriteria.Trim()).Append('\n');
        sb.Append("Question open date: ").Append(Date(q.OpenDate)).Append('\n');
        sb.Append("Question close date: ").Append(Date(q.CloseDate)).Append('\n');
        sb.Append("Today's date: ").Append(Date(q.AsOf)).Append('\n');
        if (includeMarketPrice && q.MarketPrice is { } price && double.IsFinite(price))
        {
            sb.Append("Current market probability (the crowd's price for YES): ")
                .Append(Math.Clamp(price, 0, 1).ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
        }

        sb.Append('\n');
        sb.Append("Instructions:\n");
        sb.Append("1. Restate the question in your own words.\n");
        sb.Append("2. Give the reasons why the answer might be no, each with its strength (weak, moderate, strong).\n");
        sb.Append("3. Give the reasons why the answer might be yes, each with its strength.\n");
        sb.Append("4. Aggregate these considerations as a superforecaster would: start from a base rate, then adjust.\n");
        sb.Append("5. Give an initial probability.\n");
        sb.Append("6. Check whether it is over- or under-confident and whether anything was left out; adjust.\n");
        sb.Append("7. End with one last line exactly of the form \"Probability: 0.XX\" (a number between 0 and 1) and nothing after it.\n");
        return [new ChatTurn("system", System), new ChatTurn("user", sb.ToString())];
    }

    private static string Date(DateTimeOffset d) => d.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
