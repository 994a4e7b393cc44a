using MarketSim.Actors.Event;
using MarketSim.Hocon;

namespace MarketSim.Actors;

/// <summary>
/// The typed view of the <c>akka.*</c> configuration the runtime reads (the only place config is read).
/// Build it with <see cref="FromConfig"/> or set the properties directly (defaults = reference.conf).
/// </summary>
public sealed record ActorSystemSettings
{
    /// <summary>Defaults, equal to reference.conf.</summary>
    public static ActorSystemSettings Default { get; } = new();

    /// <summary>The merged configuration these settings came from (null when built directly).</summary>
    public Config? Config { get; init; }

    /// <summary><c>akka.loglevel</c>: minimum level published by loggers (default INFO).</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.InfoLevel;

    /// <summary><c>akka.stdout-loglevel</c>: minimum level printed to stdout when no ILoggerFactory is given (default WARNING).</summary>
    public LogLevel StdoutLogLevel { get; init; } = LogLevel.WarningLevel;

    /// <summary><c>akka.log-dead-letters</c>: how many dead letters are logged at INFO (on = unlimited, off = 0; default 10).</summary>
    public int LogDeadLetters { get; init; } = 10;

    /// <summary><c>akka.log-dead-letters-during-shutdown</c> (default off).</summary>
    public bool LogDeadLettersDuringShutdown { get; init; }

    /// <summary><c>akka.actor.ask-timeout</c>: default Ask timeout (default infinite, as in Akka).</summary>
    public TimeSpan AskTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary><c>akka.actor.default-dispatcher.throughput</c>: messages per actor per turn (default 30).</summary>
    public int Throughput { get; init; } = 30;

    /// <summary><c>akka.scheduler.implementation</c>: "wall-clock", "virtual", or an assembly-qualified IScheduler type name.</summary>
    public string SchedulerImplementation { get; init; } = "wall-clock";

    /// <summary><c>akka.scheduler.virtual-start</c>: start of the virtual clock (default 2000-01-01T00:00:00Z).</summary>
    public DateTimeOffset VirtualStart { get; init; } = VirtualTimeScheduler.DefaultStart;

    /// <summary>Read the settings from a config (the caller merges the reference config in first).</summary>
    public static ActorSystemSettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var d = Default;
        var start = config.GetString("akka.scheduler.virtual-start", null);
        return new ActorSystemSettings
        {
            Config = config,
            LogLevel = LogLevels.Parse(config.GetString("akka.loglevel", "INFO")),
            StdoutLogLevel = LogLevels.Parse(config.GetString("akka.stdout-loglevel", "WARNING")),
            LogDeadLetters = ParseDeadLetters(config.GetString("akka.log-dead-letters", "10")),
            LogDeadLettersDuringShutdown = config.GetBoolean("akka.log-dead-letters-during-shutdown", d.LogDeadLettersDuringShutdown),
            AskTimeout = config.GetTimeSpan("akka.actor.ask-timeout", d.AskTimeout, allowInfinite: true),
            Throughput = config.GetInt("akka.actor.default-dispatcher.throughput", d.Throughput),
            SchedulerImplementation = config.GetString("akka.scheduler.implementation", d.SchedulerImplementation) ?? d.SchedulerImplementation,
            VirtualStart = string.IsNullOrWhiteSpace(start)
                ? d.VirtualStart
                : DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal),
        };
    }

    private static int ParseDeadLetters(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" => 10,
        "on" or "true" or "yes" => int.MaxValue,
        "off" or "false" or "no" => 0,
        var s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture),
    };

    internal IScheduler CreateScheduler()
    {
        switch (SchedulerImplementation.Trim().ToLowerInvariant())
        {
            case "wall-clock" or "wallclock" or "default" or "":
                return new WallClockScheduler();
            case "virtual" or "test" or "virtual-time":
                return new VirtualTimeScheduler(VirtualStart);
        }
        var type = Type.GetType(SchedulerImplementation, throwOnError: false)
            ?? throw new ArgumentException($"akka.scheduler.implementation: unknown scheduler [{SchedulerImplementation}]; use wall-clock, virtual or an IScheduler type name.");
        if (!typeof(IScheduler).IsAssignableFrom(type))
        {
            throw new ArgumentException($"akka.scheduler.implementation: {type} does not implement IScheduler.");
        }
        return (IScheduler)Activator.CreateInstance(type)!;
    }
}
