namespace MarketSim.Hocon;

/// <summary>A syntax error: <c>file:line:column: expected X but found Y</c>.</summary>
public sealed class HoconParseException : Exception
{
    /// <summary>A syntax error at <paramref name="file"/>:<paramref name="line"/>:<paramref name="column"/>.</summary>
    public HoconParseException(string file, int line, int column, string detail)
        : base($"{file}:{line}:{column}: {detail}")
    {
        File = file;
        Line = line;
        Column = column;
        Detail = detail;
    }

    /// <summary>A syntax error at <paramref name="origin"/>.</summary>
    public HoconParseException(ConfigOrigin origin, string detail)
        : this(origin.File, origin.Line, origin.Column, detail)
    {
    }

    /// <summary>The file name (or "&lt;string&gt;").</summary>
    public string File { get; }

    /// <summary>Same as <see cref="File"/>.</summary>
    public string Origin => File;

    /// <summary>1-based line of the error.</summary>
    public int Line { get; }

    /// <summary>1-based column of the error.</summary>
    public int Column { get; }

    /// <summary>The message without the position prefix.</summary>
    public string Detail { get; }
}

/// <summary>A getter, resolution or include error. The message names the path and origin (file:line:column).</summary>
public sealed class ConfigException : Exception
{
    /// <summary>An error at <paramref name="origin"/> for <paramref name="path"/> (either may be unknown).</summary>
    public ConfigException(string message, ConfigOrigin? origin = null, string? path = null)
        : base(message)
    {
        ConfigOrigin = origin;
        Path = path;
    }

    /// <summary>An error caused by <paramref name="inner"/> (e.g. an unreadable file).</summary>
    public ConfigException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Where the offending value came from, when known.</summary>
    public ConfigOrigin? ConfigOrigin { get; }

    /// <summary>The offending path, when known.</summary>
    public string? Path { get; }
}
