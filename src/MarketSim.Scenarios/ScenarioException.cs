using System.Text;
using MarketSim.Hocon;

namespace MarketSim.Scenarios;

/// <summary>One problem in a scenario: where (file:line:column), which key, and what is wrong.</summary>
/// <param name="Origin">Position of the offending key (or value when the key's position is unknown).</param>
/// <param name="Key">Full HOCON path, e.g. <c>marketsim.scenario.miners[2].count</c> (empty for syntax errors).</param>
/// <param name="Message">What is wrong, with the value and the allowed range or names.</param>
public sealed record ScenarioError(ConfigOrigin Origin, string Key, string Message)
{
    /// <summary><c>file:line:column: key: message</c> (no key for syntax errors).</summary>
    public override string ToString() =>
        Key.Length == 0 ? $"{Origin}: {Message}" : $"{Origin}: {Key}: {Message}";
}

/// <summary>
/// A scenario could not be loaded: malformed HOCON, unknown keys, wrong types or values out of range.
/// <see cref="Errors"/> holds every problem found (not just the first). The CLI maps it to exit code <see cref="ExitCode"/>.
/// </summary>
public sealed class ScenarioException : Exception
{
    /// <summary>The exit code the CLI uses for an invalid scenario.</summary>
    public const int ExitCode = 2;

    /// <summary>The problems <paramref name="errors"/> of the scenario <paramref name="source"/>; the message lists them all.</summary>
    public ScenarioException(string source, IReadOnlyList<ScenarioError> errors)
        : base(Format(source, errors))
    {
        Source = source;
        Errors = errors;
    }

    /// <summary>The scenario file (as given).</summary>
    public new string Source { get; }

    /// <summary>Every problem, in file order where positions are known.</summary>
    public IReadOnlyList<ScenarioError> Errors { get; }

    private static string Format(string source, IReadOnlyList<ScenarioError> errors)
    {
        var sb = new StringBuilder();
        sb.Append("invalid scenario ").Append(source).Append(": ")
            .Append(errors.Count).Append(errors.Count == 1 ? " error" : " errors");
        foreach (var e in errors)
        {
            sb.Append('\n').Append("  ").Append(e);
        }

        return sb.ToString();
    }
}
