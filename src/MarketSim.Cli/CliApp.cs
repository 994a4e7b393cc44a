using System.CommandLine;
using System.Reflection;
using MarketSim.Hocon;
using Spectre.Console;

namespace MarketSim.Cli;

/// <summary>
/// The <c>marketsim</c> command line. Exit codes: 0 success, 1 the command ran and failed
/// (e.g. a configuration file that does not parse), 2 usage errors (unknown option, bad value,
/// missing file).
/// </summary>
internal static class CliApp
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "pbm" && !(args.Length == 2 && args[1] is "--help" or "-h"))
        {
            // `marketsim pbm ...` is the pbm command line itself (docs/pbm.md): every further argument is its own.
            return MarketSim.Pbm.PbmProgram.Main(args[1..], stdout, stderr);
        }

        var root = BuildRootCommand(stdout, stderr);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            var name = command is RootCommand ? "marketsim" : CommandPath(parse);
            var message = parse.UnmatchedTokens.Count > 0
                ? $"unrecognized command, option or argument '{parse.UnmatchedTokens[0]}'"
                : parse.Errors[0].Message.TrimEnd('.');
            WriteError(stderr, $"{message} (see '{name} --help')");
            return ExitUsage;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (UsageException e)
        {
            WriteError(stderr, e.Message);
            return ExitUsage;
        }
        catch (HoconParseException e)
        {
            WriteError(stderr, e.Message);
            return ExitFailure;
        }
        catch (ConfigException e)
        {
            WriteError(stderr, e.Message);
            return ExitFailure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk, a vanished folder, a permission: the system's own message names the file.
            WriteError(stderr, e.Message);
            return ExitFailure;
        }
        catch (Exception e) when (e is not OutOfMemoryException && Environment.GetEnvironmentVariable("MARKETSIM_DEBUG") is not "1")
        {
            WriteError(stderr, $"internal error ({e.GetType().Name}): {e.Message} (MARKETSIM_DEBUG=1 shows the stack trace; please report it)");
            return ExitFailure;
        }
    }

    /// <summary>
    /// Writes one error line, "marketsim: message"; the prefix is red when stderr is a terminal.
    /// </summary>
    public static void WriteError(TextWriter stderr, string message)
    {
        message = message.ReplaceLineEndings(" ");
        if (ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            console.MarkupLine($"[red]marketsim:[/] {Markup.Escape(message)}");
            return;
        }

        stderr.WriteLine($"marketsim: {message}");
    }

    public static string Version =>
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CliApp).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";

    internal static RootCommand BuildRootCommand(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand(
            "MarketSim: an actor-model simulation of forecasting markets.\n" +
            "Example: marketsim config show hocon/embedded.conf");
        root.Subcommands.Add(ConfigCommands.Build(stdout));
        root.Subcommands.Add(RunCommand.Build(stdout, stderr));
        root.Subcommands.Add(BenchCommand.Build(stdout, stderr));
        root.Subcommands.Add(ParquetCommands.Build(stdout, stderr));
        root.Subcommands.Add(ExportCommand.Build(stdout, stderr));
        root.Subcommands.Add(PolymarketCommands.Build(stdout, stderr));
        root.Subcommands.Add(new Command("pbm", "Petabridge.Cmd-style client of a node's pbm host: marketsim pbm HOST:PORT [COMMAND ...] (docs/pbm.md)")
        {
            new Argument<string[]>("ARGS") { Description = "HOST:PORT, then a command (none: an interactive prompt)", Arity = ArgumentArity.ZeroOrMore },
        });
        ParityCommands.AddTo(root, stdout, stderr);
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                // The default prints the entry assembly's version (wrong under a test host).
                version.Action = new PrintVersionAction();
            }
        }

        return root;
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(r.Command is RootCommand ? "marketsim" : r.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}

internal sealed class PrintVersionAction : System.CommandLine.Invocation.SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(CliApp.Version);
        return CliApp.ExitOk;
    }
}

/// <summary>A bad argument value discovered while the command runs (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
