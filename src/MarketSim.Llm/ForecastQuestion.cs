namespace MarketSim.Llm;

/// <summary>
/// One binary question put to an LLM miner at one moment. <see cref="Id"/> only labels the answer:
/// it is not in the prompt, so the cache is keyed by content alone.
/// </summary>
/// <param name="Id">The event's id (labels the answer and the log lines).</param>
/// <param name="Question">The question, e.g. "Will X happen by 30 June 2025?".</param>
/// <param name="ResolutionCriteria">How it resolves (the market's description / rules).</param>
/// <param name="OpenDate">When the question opened.</param>
/// <param name="CloseDate">When it closes (resolution date).</param>
/// <param name="AsOf">The forecaster's "today" (the interval's time in the simulation).</param>
/// <param name="MarketPrice">The market's current probability, shown when given (and enabled).</param>
/// <param name="Background">Optional background text.</param>
public sealed record ForecastQuestion(
    string Id,
    string Question,
    string ResolutionCriteria,
    DateTimeOffset OpenDate,
    DateTimeOffset CloseDate,
    DateTimeOffset AsOf,
    double? MarketPrice = null,
    string? Background = null);

/// <summary>Why an answer is missing.</summary>
public enum LlmFailure
{
    /// <summary>Not missing: a probability was parsed.</summary>
    None,

    /// <summary>The model answered but no probability in [0, 1] could be read from its text (kept in RawText).</summary>
    Unparseable,

    /// <summary>Every attempt ran past the timeout.</summary>
    Timeout,

    /// <summary>The endpoint answered with an HTTP error (after any retries).</summary>
    Http,

    /// <summary>No connection, or a response that is not a chat completion.</summary>
    Transport,

    /// <summary>The cache is read-only and holds no answer for this prompt.</summary>
    CacheMiss,
}

/// <summary>
/// An LLM miner's answer for one question at one interval. A null <see cref="Probability"/> is a
/// missing answer: the scoring rule decides its penalty. <see cref="RawText"/> keeps what the
/// model said (or the error body) for inspection. Everything but <see cref="Latency"/> is a pure
/// function of (question, settings, cache contents, server answers).
/// </summary>
public sealed record LlmAnswer(
    string QuestionId,
    double? Probability,
    string RawText,
    string? Error,
    bool FromCache,
    TimeSpan Latency,
    LlmFailure Failure,
    int Attempts,
    string CacheKey)
{
    /// <summary>True when no probability was obtained.</summary>
    public bool IsMissing => Probability is null;
}
