namespace MarketSim.Hocon;

// CONTRACT FILE (placeholder bodies): the public surface other modules compile against.
// The HOCON work replaces every body; signatures may grow but must not break.

/// <summary>An immutable, lazily resolved HOCON configuration with a fallback chain (Akka.NET-style API).</summary>
public sealed partial class Config
{
    public static Config Empty => throw new NotImplementedException();

    /// <summary>True when the path exists and is not null.</summary>
    public bool HasPath(string path) => throw new NotImplementedException();
    public bool IsEmpty => throw new NotImplementedException();

    public string? GetString(string path, string? defaultValue = null) => throw new NotImplementedException();
    public int GetInt(string path, int defaultValue = 0) => throw new NotImplementedException();
    public long GetLong(string path, long defaultValue = 0) => throw new NotImplementedException();
    public double GetDouble(string path, double defaultValue = 0) => throw new NotImplementedException();
    public bool GetBoolean(string path, bool defaultValue = false) => throw new NotImplementedException();
    /// <summary>Duration; a bare number is milliseconds; "infinite" gives Timeout.InfiniteTimeSpan when allowed.</summary>
    public TimeSpan GetTimeSpan(string path, TimeSpan? defaultValue = null, bool allowInfinite = true) => throw new NotImplementedException();
    /// <summary>Size in bytes ("64 KiB" = 65536).</summary>
    public long? GetByteSize(string path, long? defaultValue = null) => throw new NotImplementedException();
    public IReadOnlyList<string> GetStringList(string path, IReadOnlyList<string>? defaultValue = null) => throw new NotImplementedException();
    public IReadOnlyList<int> GetIntList(string path) => throw new NotImplementedException();
    public IReadOnlyList<double> GetDoubleList(string path) => throw new NotImplementedException();
    public IReadOnlyList<Config> GetConfigList(string path) => throw new NotImplementedException();
    /// <summary>Sub-configuration at path (Empty if missing).</summary>
    public Config GetConfig(string path) => throw new NotImplementedException();

    /// <summary>This config's values win; objects deep-merge; fallback fills gaps. Substitutions are resolved across the merged whole.</summary>
    public Config WithFallback(Config fallback) => throw new NotImplementedException();

    /// <summary>Render the resolved configuration as HOCON.</summary>
    public string ToHocon() => throw new NotImplementedException();
    /// <summary>Render the resolved configuration as JSON.</summary>
    public string ToJson(bool indented = true) => throw new NotImplementedException();

    public static Config operator +(Config config, string fallbackHocon) => throw new NotImplementedException();
    public static Config operator +(string hocon, Config fallback) => throw new NotImplementedException();
}

public static class ConfigFactory
{
    public static Config Empty => Config.Empty;
    public static Config ParseString(string hocon, string? origin = null) => throw new NotImplementedException();
    public static Config ParseFile(string path) => throw new NotImplementedException();
    /// <summary>Reads the embedded resource "<c>{assemblyName}.reference.conf</c>" of the given assembly.</summary>
    public static Config FromResource(System.Reflection.Assembly assembly, string resourceName) => throw new NotImplementedException();
    /// <summary>The reference.conf of every loaded MarketSim.* assembly, merged (Hocon, Actors, TestKit, ...).</summary>
    public static Config Reference() => throw new NotImplementedException();
    /// <summary>config.WithFallback(Reference()).</summary>
    public static Config Load(Config config) => throw new NotImplementedException();
}
