using System.Globalization;

namespace MarketSim.Actors.Event;

/// <summary>Akka's log levels (plus <see cref="OffLevel"/> for "OFF").</summary>
public enum LogLevel
{
    /// <summary>DEBUG.</summary>
    DebugLevel = 0,

    /// <summary>INFO.</summary>
    InfoLevel = 1,

    /// <summary>WARNING.</summary>
    WarningLevel = 2,

    /// <summary>ERROR.</summary>
    ErrorLevel = 3,

    /// <summary>OFF: nothing is logged.</summary>
    OffLevel = 4,
}

/// <summary>Helpers for log levels.</summary>
public static class LogLevels
{
    /// <summary>Parse "DEBUG", "INFO", "WARNING" (or "WARN"), "ERROR", "OFF" (case-insensitive).</summary>
    public static LogLevel Parse(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "DEBUG" => LogLevel.DebugLevel,
        "INFO" => LogLevel.InfoLevel,
        "WARNING" or "WARN" => LogLevel.WarningLevel,
        "ERROR" => LogLevel.ErrorLevel,
        "OFF" => LogLevel.OffLevel,
        _ => throw new ArgumentException($"Unknown log level [{text}]; use DEBUG, INFO, WARNING, ERROR or OFF."),
    };

    /// <summary>Upper-case name ("INFO").</summary>
    public static string Name(LogLevel level) => level switch
    {
        LogLevel.DebugLevel => "DEBUG",
        LogLevel.InfoLevel => "INFO",
        LogLevel.WarningLevel => "WARNING",
        LogLevel.ErrorLevel => "ERROR",
        _ => "OFF",
    };
}

/// <summary>A log event on the event stream.</summary>
public abstract class LogEvent
{
    /// <summary>Create.</summary>
    protected LogEvent(string logSource, Type logClass, object message, Exception? cause)
    {
        LogSource = logSource;
        LogClass = logClass;
        Message = message;
        Cause = cause;
        Timestamp = DateTime.UtcNow;
        Thread = System.Threading.Thread.CurrentThread;
    }

    /// <summary>When (UTC).</summary>
    public DateTime Timestamp { get; }

    /// <summary>The thread that logged.</summary>
    public Thread Thread { get; }

    /// <summary>Where from: the actor path (<c>akka://sys/user/a</c>) or another source name.</summary>
    public string LogSource { get; }

    /// <summary>The logging class (actor type).</summary>
    public Type LogClass { get; }

    /// <summary>The formatted message.</summary>
    public object Message { get; }

    /// <summary>The exception, if any.</summary>
    public Exception? Cause { get; }

    /// <summary>The level.</summary>
    public abstract LogLevel LogLevel();

    /// <inheritdoc />
    public override string ToString()
    {
        var text = $"[{LogLevels.Name(LogLevel())}][{Timestamp:yyyy-MM-dd HH:mm:ss.fff}][Thread {Thread.ManagedThreadId:0000}][{LogSource}] {Message}";
        return Cause is null ? text : text + Environment.NewLine + "Cause: " + Cause;
    }
}

/// <summary>DEBUG event.</summary>
public sealed class Debug(string logSource, Type logClass, object message, Exception? cause = null) : LogEvent(logSource, logClass, message, cause)
{
    /// <inheritdoc />
    public override LogLevel LogLevel() => Event.LogLevel.DebugLevel;
}

/// <summary>INFO event.</summary>
public sealed class Info(string logSource, Type logClass, object message, Exception? cause = null) : LogEvent(logSource, logClass, message, cause)
{
    /// <inheritdoc />
    public override LogLevel LogLevel() => Event.LogLevel.InfoLevel;
}

/// <summary>WARNING event.</summary>
public sealed class Warning(string logSource, Type logClass, object message, Exception? cause = null) : LogEvent(logSource, logClass, message, cause)
{
    /// <inheritdoc />
    public override LogLevel LogLevel() => Event.LogLevel.WarningLevel;
}

/// <summary>ERROR event.</summary>
public sealed class Error(Exception? cause, string logSource, Type logClass, object message) : LogEvent(logSource, logClass, message, cause)
{
    /// <inheritdoc />
    public override LogLevel LogLevel() => Event.LogLevel.ErrorLevel;
}

/// <summary>Logger handed to actors (<c>Context.GetLogger()</c>). Formats use <c>{0}</c> placeholders
/// (named placeholders like <c>{Name}</c> are filled positionally).</summary>
public interface ILoggingAdapter
{
    /// <summary>True when events of this level are published.</summary>
    bool IsEnabled(LogLevel level);

    /// <summary>DEBUG.</summary>
    void Debug(string format, params object?[] args);

    /// <summary>INFO.</summary>
    void Info(string format, params object?[] args);

    /// <summary>WARNING.</summary>
    void Warning(string format, params object?[] args);

    /// <summary>WARNING with an exception.</summary>
    void Warning(Exception cause, string format, params object?[] args);

    /// <summary>ERROR.</summary>
    void Error(string format, params object?[] args);

    /// <summary>ERROR with an exception.</summary>
    void Error(Exception cause, string format, params object?[] args);

    /// <summary>Log at a given level.</summary>
    void Log(LogLevel level, Exception? cause, string format, params object?[] args);
}

/// <summary>Publishes log events on an event stream (Akka's <c>BusLogging</c>).</summary>
public sealed class BusLogging(EventStream stream, string logSource, Type logClass, LogLevel minimumLevel) : ILoggingAdapter
{
    /// <inheritdoc />
    public bool IsEnabled(LogLevel level) => level != LogLevel.OffLevel && level >= minimumLevel;

    /// <inheritdoc />
    public void Debug(string format, params object?[] args) => Log(LogLevel.DebugLevel, null, format, args);

    /// <inheritdoc />
    public void Info(string format, params object?[] args) => Log(LogLevel.InfoLevel, null, format, args);

    /// <inheritdoc />
    public void Warning(string format, params object?[] args) => Log(LogLevel.WarningLevel, null, format, args);

    /// <inheritdoc />
    public void Warning(Exception cause, string format, params object?[] args) => Log(LogLevel.WarningLevel, cause, format, args);

    /// <inheritdoc />
    public void Error(string format, params object?[] args) => Log(LogLevel.ErrorLevel, null, format, args);

    /// <inheritdoc />
    public void Error(Exception cause, string format, params object?[] args) => Log(LogLevel.ErrorLevel, cause, format, args);

    /// <inheritdoc />
    public void Log(LogLevel level, Exception? cause, string format, params object?[] args)
    {
        if (!IsEnabled(level))
        {
            return;
        }
        var message = Format(format, args);
        LogEvent e = level switch
        {
            LogLevel.DebugLevel => new Debug(logSource, logClass, message, cause),
            LogLevel.InfoLevel => new Info(logSource, logClass, message, cause),
            LogLevel.WarningLevel => new Warning(logSource, logClass, message, cause),
            _ => new Error(cause, logSource, logClass, message),
        };
        stream.Publish(e);
    }

    internal static string Format(string format, object?[]? args)
    {
        if (args is null || args.Length == 0)
        {
            return format;
        }
        try
        {
            return string.Format(CultureInfo.InvariantCulture, format, args);
        }
        catch (FormatException)
        {
            // named placeholders: fill them in order
            var sb = new System.Text.StringBuilder();
            var next = 0;
            for (var i = 0; i < format.Length; i++)
            {
                if (format[i] == '{' && format.IndexOf('}', i) is var close and > 0 && next < args.Length)
                {
                    sb.Append(Convert.ToString(args[next++], CultureInfo.InvariantCulture));
                    i = close;
                }
                else
                {
                    sb.Append(format[i]);
                }
            }
            return sb.ToString();
        }
    }
}
