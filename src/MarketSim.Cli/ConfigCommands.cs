using System.CommandLine;
using MarketSim.Hocon;

namespace MarketSim.Cli;

/// <summary><c>marketsim config ...</c>: inspect HOCON configuration as MarketSim resolves it.</summary>
internal static class ConfigCommands
{
    public static Command Build(TextWriter stdout)
    {
        var file = new Argument<string>("FILE") { Description = "HOCON file to load (e.g. hocon/embedded.conf)" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of HOCON" };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a value by HOCON path: --set akka.loglevel=DEBUG (repeatable; later wins)",
            AllowMultipleArgumentsPerToken = false,
        };
        var noReference = new Option<bool>("--no-reference")
        {
            Description = "Show the file alone, without the modules' reference.conf defaults underneath",
        };

        var show = new Command("show",
            "Print the fully resolved configuration: FILE, --set overrides on top, reference defaults underneath.\n" +
            "Example: marketsim config show hocon/embedded.conf --set akka.loglevel=DEBUG --json")
        {
            file, json, set, noReference,
        };
        show.SetAction(parse =>
        {
            var config = Load(
                parse.GetValue(file)!,
                parse.GetValue(set) ?? [],
                includeReference: !parse.GetValue(noReference));
            stdout.Write(parse.GetValue(json) ? config.ToJson(indented: true) : config.ToHocon());
            stdout.WriteLine();
            return CliApp.ExitOk;
        });

        return new Command("config", "Inspect configuration (HOCON)") { show };
    }

    /// <summary>
    /// Loads FILE with the overrides on top and, unless told otherwise, the reference defaults underneath.
    /// Throws <see cref="UsageException"/> for a missing file or a malformed <c>--set</c>.
    /// </summary>
    public static Config Load(string path, IReadOnlyList<string> overrides, bool includeReference)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"configuration file not found: {path}");
        }

        var config = ConfigFactory.ParseFile(path);
        config = Overrides.Parse(overrides).WithFallback(config);
        return includeReference ? ConfigFactory.Load(config) : config;
    }
}
