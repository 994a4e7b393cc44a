namespace MarketSim.Pbm;

/// <summary>
/// One argument of a command: a name, a description, whether it is mandatory, its switches
/// (<c>-d</c>, <c>--depth</c>) and default values (also the suggestions offered to users).
/// A non-switch word on the command line fills the next positional argument.
/// </summary>
public sealed record CommandArgument(
    string Name,
    string Description,
    bool Mandatory,
    IReadOnlyList<string> Switches,
    IReadOnlyList<string>? DefaultValues = null,
    bool Positional = true,
    bool IsFlag = false);

/// <summary>A command of a palette: <c>&lt;palette&gt; &lt;name&gt; [arguments]</c>.</summary>
public sealed record CommandDefinition(string Name, string Description, IReadOnlyList<CommandArgument> Arguments);

/// <summary>What a command writes back: text lines sent to the client as they are produced.</summary>
public interface ICommandOutput
{
    /// <summary>Send one line of output to the client (not final).</summary>
    ValueTask WriteLineAsync(string line);
}

/// <summary>A parsed invocation: the command, its arguments by name, the host's actor system.</summary>
public sealed record CommandInvocation(
    CommandPalette Palette,
    CommandDefinition Command,
    IReadOnlyDictionary<string, string> Arguments,
    Akka.Actor.ActorSystem System)
{
    /// <summary>The argument's value, or null when it was not given and has no default.</summary>
    public string? Get(string name) =>
        Arguments.TryGetValue(name, out var v) ? v
        : Command.Arguments.FirstOrDefault(a => a.Name == name)?.DefaultValues is [var d, ..] ? d : null;

    /// <summary>Whether a flag argument (no value) was given.</summary>
    public bool Has(string name) => Arguments.ContainsKey(name);
}

/// <summary>
/// Runs one command. Write output with <see cref="ICommandOutput.WriteLineAsync"/>; report a user error by
/// throwing <see cref="PbmCommandException"/>; a streaming command runs until <paramref name="cancellation"/>
/// fires (client Ctrl-C, disconnect, host stop) and then returns normally.
/// </summary>
public delegate Task CommandHandler(CommandInvocation invocation, ICommandOutput output, CancellationToken cancellation);

/// <summary>
/// A palette: a prefix (<c>actor</c>, <c>log</c>, <c>cluster</c>, ...), its commands and their handler.
/// Register it with <see cref="PbmHost.RegisterPalette"/>; clients download the definitions on connect.
/// </summary>
public sealed class CommandPalette(string name, string description, IReadOnlyList<CommandDefinition> commands, CommandHandler handler)
{
    /// <summary>The prefix clients type before a command (e.g. <c>actor</c>).</summary>
    public string Name { get; } = name;

    /// <summary>One-line description shown in the client's help.</summary>
    public string Description { get; } = description;

    /// <summary>The commands the palette offers (sent to clients on connect).</summary>
    public IReadOnlyList<CommandDefinition> Commands { get; } = commands;

    /// <summary>Runs any of the palette's commands.</summary>
    public CommandHandler Handler { get; } = handler;
}

/// <summary>A user error of a command (bad argument, unknown level, ...); the client prints its message and exits 1.</summary>
public sealed class PbmCommandException(string message) : Exception(message);

/// <summary>A palette as the client sees it (downloaded on connect; no handler).</summary>
public sealed record PaletteInfo(string Name, string Description, IReadOnlyList<CommandDefinition> Commands);
