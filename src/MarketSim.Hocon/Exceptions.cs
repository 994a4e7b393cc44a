namespace MarketSim.Hocon;

/// <summary>A syntax error: <c>file:line:column: expected X but found Y</c>.</summary>
public sealed class HoconParseException : Exception
{
    public HoconParseException(string file, int line, int column, string detail)
        : base($"{file}:{line}:{column}: {detail}")
    {
        File = file;
        Line = line;
        Column = column;
        Detail = detail;
    }

    public HoconParseException(ConfigOrigin origin, string detail)
        : this(origin.File, origin.Line, origin.Column, detail)
    {
    }

    /// <summary>The file name (or "&lt;string&gt;").</summary>
    public string File { get; }

    /// <summary>Same as <see cref="File"/>.</summary>
    public string Origin => File;

    public int Line { get; }

    public int Column { get; }

    /// <summary>The message without the position prefix.</summary>
    public string Detail { get; }
}

/// <summary>A getter, resolution or include error. The message names the path and origin (file:line:column).</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message, ConfigOrigin? origin = null, string? path = null)
        : base(message)
    {
        ConfigOrigin = origin;
        Path = path;
    }

    public ConfigException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ConfigOrigin? ConfigOrigin { get; }

    public string? Path { get; }
}
