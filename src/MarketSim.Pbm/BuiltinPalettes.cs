using System.Globalization;
using System.Threading.Channels;
using MarketSim.Actors;
using MarketSim.Actors.Event;

namespace MarketSim.Pbm;

/// <summary>The palettes every host registers: <c>actor</c> and <c>log</c>.</summary>
internal static class BuiltinPalettes
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public static CommandPalette Actor() => new(
        "actor",
        "Inspect the actors of the connected node.",
        [
            new CommandDefinition(
                "hierarchy",
                "Print the actor paths of this node, one per line, sorted (/system before /user).",
                [
                    new CommandArgument("scope", "only paths at or under this path, e.g. /user/coordinator", false, ["-s", "--scope"], Positional: false),
                    new CommandArgument("depth", "deepest level printed (/user is 1, /user/a is 2)", false, ["-d", "--depth"], Positional: false),
                ]),
        ],
        (inv, output, ct) => inv.Command.Name switch
        {
            "hierarchy" => HierarchyAsync(inv, output, ct),
            _ => throw new PbmCommandException($"actor {inv.Command.Name}: not implemented"),
        });

    public static CommandPalette Log(IActorRef memorizer) => new(
        "log",
        "Recent log lines and the log level of the connected node.",
        [
            new CommandDefinition(
                "peek",
                "Print the most recent log lines kept in memory; with -f keep printing new lines until Ctrl+C.",
                [
                    new CommandArgument("count", "how many recent lines", false, ["-n", "--count"], ["100"], Positional: false),
                    new CommandArgument("follow", "keep streaming new lines until cancelled", false, ["-f", "--follow"], Positional: false, IsFlag: true),
                ]),
            new CommandDefinition(
                "set-level",
                "Change the level of the log lines recorded from now on (DEBUG, INFO, WARNING, ERROR, OFF).",
                [
                    new CommandArgument("level", "DEBUG, INFO, WARNING, ERROR or OFF", true, ["-l", "--level"], ["DEBUG", "INFO", "WARNING", "ERROR", "OFF"]),
                ]),
        ],
        (inv, output, ct) => inv.Command.Name switch
        {
            "peek" => PeekAsync(memorizer, inv, output, ct),
            "set-level" => SetLevelAsync(memorizer, inv, output),
            _ => throw new PbmCommandException($"log {inv.Command.Name}: not implemented"),
        });

    private static async Task HierarchyAsync(CommandInvocation inv, ICommandOutput output, CancellationToken ct)
    {
        var depth = int.MaxValue;
        if (inv.Get("depth") is { } d && (!int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out depth) || depth < 1))
        {
            throw new PbmCommandException($"actor hierarchy: -d expects a whole number >= 1 but was '{d}'");
        }

        var scope = inv.Get("scope")?.TrimEnd('/');
        if (scope is not null && !scope.StartsWith('/'))
        {
            scope = "/" + scope;
        }

        var paths = new List<string>();
        var system = inv.System;
        void Walk(IActorRef actor)
        {
            if (actor.Path.Depth > depth)
            {
                return;
            }

            var p = actor.Path.ToStringWithoutAddress();
            if (scope is null || p == scope || p.StartsWith(scope + "/", StringComparison.Ordinal) || scope.StartsWith(p + "/", StringComparison.Ordinal))
            {
                if (scope is null || p == scope || p.StartsWith(scope + "/", StringComparison.Ordinal))
                {
                    paths.Add(p);
                }

                foreach (var c in system.GetChildren(actor))
                {
                    Walk(c);
                }
            }
        }

        Walk(system.SystemGuardian);
        Walk(system.Guardian);
        paths.Sort(StringComparer.Ordinal);
        if (scope is not null && paths.Count == 0)
        {
            throw new PbmCommandException($"actor hierarchy: no actor at {scope}");
        }

        foreach (var p in paths)
        {
            ct.ThrowIfCancellationRequested();
            await output.WriteLineAsync(p).ConfigureAwait(false);
        }
    }

    private static async Task PeekAsync(IActorRef memorizer, CommandInvocation inv, ICommandOutput output, CancellationToken ct)
    {
        var n = inv.Get("count") ?? "100";
        if (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 0)
        {
            throw new PbmCommandException($"log peek: -n expects a whole number >= 0 but was '{n}'");
        }

        if (!inv.Has("follow"))
        {
            var r = await memorizer.Ask<LogMemorizer.PeekResult>(new LogMemorizer.Peek(count), AskTimeout, ct).ConfigureAwait(false);
            foreach (var line in r.Lines)
            {
                await output.WriteLineAsync(line).ConfigureAwait(false);
            }

            return;
        }

        var channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        var first = await memorizer.Ask<LogMemorizer.PeekResult>(new LogMemorizer.Follow(channel.Writer, count), AskTimeout, ct).ConfigureAwait(false);
        try
        {
            foreach (var line in first.Lines)
            {
                await output.WriteLineAsync(line).ConfigureAwait(false);
            }

            await foreach (var line in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                await output.WriteLineAsync(line).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client pressed Ctrl+C (or left): the stream ends normally
        }
        finally
        {
            memorizer.Tell(new LogMemorizer.Unfollow(channel.Writer), ActorRefs.Nobody);
        }
    }

    private static async Task SetLevelAsync(IActorRef memorizer, CommandInvocation inv, ICommandOutput output)
    {
        var text = inv.Get("level")!;
        LogLevel level;
        try
        {
            level = LogLevels.Parse(text);
        }
        catch (ArgumentException)
        {
            throw new PbmCommandException($"log set-level: unknown level '{text}' (expected DEBUG, INFO, WARNING, ERROR or OFF)");
        }

        var changed = await memorizer.Ask<LogMemorizer.LevelChanged>(new LogMemorizer.SetLevel(level), AskTimeout).ConfigureAwait(false);
        await output.WriteLineAsync($"Log level changed from {LogLevels.Name(changed.Previous)} to {LogLevels.Name(changed.Current)}.").ConfigureAwait(false);
        var published = inv.System.Settings.LogLevel;
        if (level != LogLevel.OffLevel && level < published)
        {
            await output.WriteLineAsync($"Note: this node publishes log events at {LogLevels.Name(published)} and above (akka.loglevel); lower levels are not produced.").ConfigureAwait(false);
        }
    }
}
