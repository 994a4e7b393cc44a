using System.Globalization;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;

namespace MarketSim.Pbm;

/// <summary>The palettes every host registers: <c>actor</c> and <c>log</c>.</summary>
internal static class BuiltinPalettes
{
    private const string CollectorPrefix = "pbm-identify-";

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

        // Akka has no public child enumeration: identify the children of each actor found (ActorSelection "path/*"),
        // level by level, from the two guardians.
        var paths = new List<string>();
        var system = inv.System;
        var level = new List<IActorRef>();
        foreach (var root in new[] { "/system", "/user" })
        {
            if (await IdentifyAsync(system, root, ct).ConfigureAwait(false) is [var guardian])
            {
                level.Add(guardian);
            }
        }

        while (level.Count > 0)
        {
            var next = new List<IActorRef>();
            foreach (var actor in level)
            {
                var p = actor.Path.ToStringWithoutAddress();
                var depthOf = actor.Path.Elements.Count;
                if (depthOf > depth)
                {
                    continue;
                }

                var inScope = scope is null || p == scope || p.StartsWith(scope + "/", StringComparison.Ordinal);
                if (inScope)
                {
                    paths.Add(p);
                }

                if (inScope || scope!.StartsWith(p + "/", StringComparison.Ordinal))
                {
                    next.AddRange(await IdentifyAsync(system, p + "/*", ct).ConfigureAwait(false));
                }
            }

            level = next;
        }

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

    /// <summary>The actors a selection names, each identified once (collected until none answers for a short while).</summary>
    private static async Task<List<IActorRef>> IdentifyAsync(ActorSystem system, string selection, CancellationToken ct)
    {
        var found = new List<IActorRef>();
        var inbox = Channel.CreateUnbounded<ActorIdentity>();
        var collector = system.ActorOf(Akka.Actor.Props.Create(() => new IdentityCollector(inbox.Writer)), CollectorPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            system.ActorSelection(selection).Tell(new Identify(selection), collector);
            while (true)
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
                quiet.CancelAfter(found.Count == 0 ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromMilliseconds(100));
                try
                {
                    var id = await inbox.Reader.ReadAsync(quiet.Token).ConfigureAwait(false);
                    if (id.Subject is { } subject && !subject.Path.Name.StartsWith(CollectorPrefix, StringComparison.Ordinal) && !found.Contains(subject))
                    {
                        found.Add(subject);
                    }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    return found;
                }
            }
        }
        finally
        {
            system.Stop(collector);
        }
    }

    private sealed class IdentityCollector : ReceiveActor
    {
        public IdentityCollector(ChannelWriter<ActorIdentity> writer) => Receive<ActorIdentity>(id => writer.TryWrite(id));
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
        if (!LogLevels.TryParse(text, out var level))
        {
            throw new PbmCommandException($"log set-level: unknown level '{text}' (expected DEBUG, INFO, WARNING, ERROR or OFF)");
        }

        var changed = await memorizer.Ask<LogMemorizer.LevelChanged>(new LogMemorizer.SetLevel(level), AskTimeout, CancellationToken.None).ConfigureAwait(false);
        await output.WriteLineAsync($"Log level changed from {LogLevels.Name(changed.Previous)} to {LogLevels.Name(changed.Current)}.").ConfigureAwait(false);
        var published = LogLevels.Published(inv.System);
        if (level is { } l && published is { } p && l < p)
        {
            await output.WriteLineAsync($"Note: this node publishes log events at {LogLevels.Name(published)} and above (akka.loglevel); lower levels are not produced.").ConfigureAwait(false);
        }
    }
}

/// <summary>Akka's log levels by their configuration names; null stands for OFF.</summary>
internal static class LogLevels
{
    public static bool TryParse(string text, out LogLevel? level)
    {
        level = text.ToUpperInvariant() switch
        {
            "DEBUG" => LogLevel.DebugLevel,
            "INFO" => LogLevel.InfoLevel,
            "WARNING" => LogLevel.WarningLevel,
            "ERROR" => LogLevel.ErrorLevel,
            _ => null,
        };
        return level is not null || text.Equals("OFF", StringComparison.OrdinalIgnoreCase);
    }

    public static string Name(LogLevel? level) => level switch
    {
        LogLevel.DebugLevel => "DEBUG",
        LogLevel.InfoLevel => "INFO",
        LogLevel.WarningLevel => "WARNING",
        LogLevel.ErrorLevel => "ERROR",
        _ => "OFF",
    };

    /// <summary>The level the system publishes log events at (<c>akka.loglevel</c>); null = OFF.</summary>
    public static LogLevel? Published(ActorSystem system) => TryParse(system.Settings.LogLevel, out var l) ? l : LogLevel.InfoLevel;
}
