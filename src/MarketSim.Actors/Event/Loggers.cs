using Microsoft.Extensions.Logging;
using MelLevel = Microsoft.Extensions.Logging.LogLevel;

namespace MarketSim.Actors.Event;

/// <summary>
/// Routes log events from the event stream to Microsoft.Extensions.Logging. Lives at
/// <c>/system/log1-MicrosoftExtensionsLogger</c>. The logger category is the event's log source
/// (the actor path, e.g. <c>akka://sys/user/a</c>); a scope carries <c>ActorPath</c>, <c>LogClass</c> and <c>Thread</c>.
/// </summary>
internal sealed class MicrosoftExtensionsLoggerActor : ActorBase
{
    private readonly ILoggerFactory _factory;
    private readonly Dictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public MicrosoftExtensionsLoggerActor(ILoggerFactory factory) => _factory = factory;

    protected override bool Receive(object message)
    {
        if (message is not LogEvent e)
        {
            return false;
        }
        if (!_loggers.TryGetValue(e.LogSource, out var logger))
        {
            logger = _factory.CreateLogger(e.LogSource);
            _loggers[e.LogSource] = logger;
        }
        var level = e.LogLevel() switch
        {
            LogLevel.DebugLevel => MelLevel.Debug,
            LogLevel.InfoLevel => MelLevel.Information,
            LogLevel.WarningLevel => MelLevel.Warning,
            _ => MelLevel.Error,
        };
        if (!logger.IsEnabled(level))
        {
            return true;
        }
        using (logger.BeginScope(new Dictionary<string, object>
        {
            ["ActorPath"] = e.LogSource,
            ["LogClass"] = e.LogClass.FullName ?? e.LogClass.Name,
            ["Thread"] = e.Thread.ManagedThreadId,
        }))
        {
            logger.Log(level, default, e.Message.ToString() ?? "", e.Cause, static (m, _) => m);
        }
        return true;
    }
}

/// <summary>Logs dead letters at INFO, at most <c>akka.log-dead-letters</c> of them.</summary>
internal sealed class DeadLetterListener : ActorBase
{
    private readonly int _max;
    private readonly ActorSystem _system;
    private int _count;

    public DeadLetterListener(int max, ActorSystem system)
    {
        _max = max;
        _system = system;
    }

    protected override bool Receive(object message)
    {
        if (message is not DeadLetter d)
        {
            return false;
        }
        if (_count >= _max || (_system.IsTerminating && !_system.Settings.LogDeadLettersDuringShutdown))
        {
            return true;
        }
        _count++;
        var log = new BusLogging(_system.EventStream, d.Recipient.Path.ToString(), typeof(DeadLetterListener), _system.Settings.LogLevel);
        var tail = _count == _max
            ? $"{_count} dead letters encountered, no more dead letters will be logged. This logging can be turned off or adjusted with configuration settings 'akka.log-dead-letters' and 'akka.log-dead-letters-during-shutdown'."
            : $"{_count} dead letters encountered. This logging can be turned off or adjusted with configuration settings 'akka.log-dead-letters' and 'akka.log-dead-letters-during-shutdown'.";
        log.Info("Message [{0}] from {1} to {2} was not delivered. [{3}]", d.Message.GetType().Name, d.Sender.Path, d.Recipient.Path, tail);
        return true;
    }
}

/// <summary>Prints log events at or above a level to standard out (used when no ILoggerFactory is given).</summary>
internal static class StandardOutLogger
{
    private static readonly object ConsoleLock = new();

    public static void Print(object message, LogLevel minimum)
    {
        if (message is LogEvent e && e.LogLevel() >= minimum && minimum != LogLevel.OffLevel)
        {
            lock (ConsoleLock)
            {
                Console.Out.WriteLine(e.ToString());
            }
        }
    }
}
