using System.Globalization;

namespace MarketSim.Hocon;

/// <summary>An immutable, lazily resolved HOCON configuration with a fallback chain (Akka.NET-style API).</summary>
public sealed partial class Config
{
    private static readonly Config EmptyInstance = new(new HoconObject(new ConfigOrigin("<empty>", 0, 0)), resolved: true);

    private readonly HoconObject _root;
    private readonly Lazy<HoconObject> _resolved;

    internal Config(HoconObject root, bool resolved = false)
    {
        _root = root;
        _resolved = resolved
            ? new Lazy<HoconObject>(root)
            : new Lazy<HoconObject>(() => Resolver.Resolve(root), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The empty configuration (no keys).</summary>
    public static Config Empty => EmptyInstance;

    /// <summary>The unresolved (merged) tree.</summary>
    public HoconObject UnresolvedRoot => _root;

    /// <summary>The resolved tree (resolves on first access; cached).</summary>
    public HoconObject Root => _resolved.Value;

    /// <summary>True when the path exists and is not null.</summary>
    public bool HasPath(string path) => GetValue(path) is { } v && !(v is HoconScalar { IsNull: true });

    /// <summary>True when the configuration has no keys.</summary>
    public bool IsEmpty => _root.Count == 0 || Root.Count == 0;

    /// <summary>The resolved value at a path, or null when it is missing.</summary>
    public HoconValue? GetValue(string path)
    {
        var keys = HoconPath.Parse(path);
        HoconValue current = Root;
        foreach (var k in keys)
        {
            if (current is not HoconObject o || !o.TryGetValue(k, out var next))
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    private static ConfigException TypeError(string path, HoconValue v, string expected)
    {
        var found = v switch
        {
            HoconScalar s => $"{s.TypeName} '{s.Text}'",
            HoconObject => "object",
            HoconArray => "list",
            _ => v.TypeName,
        };
        return new ConfigException($"{v.Origin}: path '{path}': expected {expected} but found {found}", v.Origin, path);
    }

    private HoconScalar? GetScalar(string path, string expected)
    {
        var v = GetValue(path);
        switch (v)
        {
            case null:
                return null;
            case HoconScalar { IsNull: true }:
                return null;
            case HoconScalar s:
                return s;
            default:
                throw TypeError(path, v, expected);
        }
    }

    /// <summary>The string at a path, or <paramref name="defaultValue"/> when it is missing or null; throws <see cref="ConfigException"/> for an object or list.</summary>
    public string? GetString(string path, string? defaultValue = null) => GetScalar(path, "string")?.Text ?? defaultValue;

    /// <summary>The 32-bit integer at a path (a whole number or numeric string), or <paramref name="defaultValue"/> when it is missing or null.</summary>
    public int GetInt(string path, int defaultValue = 0)
    {
        var s = GetScalar(path, "int");
        return s is null ? defaultValue : ToInt(path, s);
    }

    /// <summary>The 64-bit integer at a path (a whole number or numeric string), or <paramref name="defaultValue"/> when it is missing or null.</summary>
    public long GetLong(string path, long defaultValue = 0)
    {
        var s = GetScalar(path, "long");
        return s is null ? defaultValue : ToLong(path, s, "long");
    }

    /// <summary>The number at a path (a number or numeric string), or <paramref name="defaultValue"/> when it is missing or null.</summary>
    public double GetDouble(string path, double defaultValue = 0)
    {
        var s = GetScalar(path, "number");
        return s is null ? defaultValue : ToDouble(path, s);
    }

    /// <summary>The boolean at a path (true/false/yes/no/on/off), or <paramref name="defaultValue"/> when it is missing or null.</summary>
    public bool GetBoolean(string path, bool defaultValue = false)
    {
        var s = GetScalar(path, "boolean");
        if (s is null)
        {
            return defaultValue;
        }

        return s.Text.ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw TypeError(path, s, "boolean (true/false/yes/no/on/off)"),
        };
    }

    /// <summary>Duration; a bare number is milliseconds; "infinite" gives Timeout.InfiniteTimeSpan when allowed.</summary>
    public TimeSpan GetTimeSpan(string path, TimeSpan? defaultValue = null, bool allowInfinite = true)
    {
        var s = GetScalar(path, "duration");
        if (s is null)
        {
            return defaultValue ?? TimeSpan.Zero;
        }

        if (!Units.TryParseDuration(s.Text, bareIsMillis: true, out var ts, out var infinite))
        {
            throw TypeError(path, s, "duration (e.g. 5s, 100 ms, 2 h)");
        }

        if (infinite)
        {
            return allowInfinite ? Timeout.InfiniteTimeSpan : throw TypeError(path, s, "finite duration");
        }

        return ts;
    }

    /// <summary>Size in bytes ("64 KiB" = 65536).</summary>
    public long? GetByteSize(string path, long? defaultValue = null)
    {
        var s = GetScalar(path, "size in bytes");
        if (s is null)
        {
            return defaultValue;
        }

        return Units.TryParseSize(s.Text, out var bytes) ? bytes : throw TypeError(path, s, "size in bytes (e.g. 64 KiB, 10 MB)");
    }

    private HoconArray? GetList(string path)
    {
        var v = GetValue(path);
        switch (v)
        {
            case null:
            case HoconScalar { IsNull: true }:
                return null;
            case HoconArray a:
                return a;
            case HoconObject o when o.TryAsNumericArray(out var converted):
                return converted;
            default:
                throw TypeError(path, v, "list");
        }
    }

    /// <summary>The list of strings at a path, or <paramref name="defaultValue"/> (else empty) when it is missing or null.</summary>
    public IReadOnlyList<string> GetStringList(string path, IReadOnlyList<string>? defaultValue = null)
    {
        var a = GetList(path);
        if (a is null)
        {
            return defaultValue ?? [];
        }

        var result = new List<string>(a.Count);
        for (var i = 0; i < a.Count; i++)
        {
            result.Add(a.Items[i] is HoconScalar s ? s.Text : throw TypeError($"{path}[{i}]", a.Items[i], "string"));
        }

        return result;
    }

    /// <summary>The list of 32-bit integers at a path; empty when it is missing or null.</summary>
    public IReadOnlyList<int> GetIntList(string path)
    {
        var a = GetList(path);
        if (a is null)
        {
            return [];
        }

        var result = new List<int>(a.Count);
        for (var i = 0; i < a.Count; i++)
        {
            result.Add(a.Items[i] is HoconScalar s ? ToInt($"{path}[{i}]", s) : throw TypeError($"{path}[{i}]", a.Items[i], "int"));
        }

        return result;
    }

    /// <summary>The list of numbers at a path; empty when it is missing or null.</summary>
    public IReadOnlyList<double> GetDoubleList(string path)
    {
        var a = GetList(path);
        if (a is null)
        {
            return [];
        }

        var result = new List<double>(a.Count);
        for (var i = 0; i < a.Count; i++)
        {
            result.Add(a.Items[i] is HoconScalar s ? ToDouble($"{path}[{i}]", s) : throw TypeError($"{path}[{i}]", a.Items[i], "number"));
        }

        return result;
    }

    /// <summary>The list of objects at a path, each as a config; empty when it is missing or null.</summary>
    public IReadOnlyList<Config> GetConfigList(string path)
    {
        var a = GetList(path);
        if (a is null)
        {
            return [];
        }

        var result = new List<Config>(a.Count);
        for (var i = 0; i < a.Count; i++)
        {
            result.Add(a.Items[i] is HoconObject o ? new Config(o, resolved: true) : throw TypeError($"{path}[{i}]", a.Items[i], "object"));
        }

        return result;
    }

    /// <summary>Sub-configuration at path (Empty if missing).</summary>
    public Config GetConfig(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return this;
        }

        var v = GetValue(path);
        return v switch
        {
            null or HoconScalar { IsNull: true } => Empty,
            HoconObject o => new Config(o, resolved: true),
            _ => throw TypeError(path, v, "object"),
        };
    }

    /// <summary>This config's values win; objects deep-merge; fallback fills gaps. Substitutions are resolved across the merged whole.</summary>
    public Config WithFallback(Config fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        if (ReferenceEquals(fallback, this) || fallback._root.Count == 0)
        {
            return this;
        }

        if (_root.Count == 0)
        {
            return fallback;
        }

        return new Config(Merger.MergeObjects(_root, fallback._root));
    }

    /// <summary>Returns a config where <paramref name="path"/> is set to the HOCON value text (e.g. <c>"a b"</c>, <c>[1,2]</c>, <c>5s</c>), with this config as fallback.</summary>
    public Config WithValue(string path, string hoconValueText)
    {
        var keys = HoconPath.Parse(path);
        return ConfigFactory.ParseString($"{HoconPath.Render(keys)} = {hoconValueText}", "<override>").WithFallback(this);
    }

    /// <summary>Forces resolution now (throws <see cref="ConfigException"/> for unresolvable substitutions) and returns a resolved config.</summary>
    public Config Resolve() => new(Root, resolved: true);

    /// <summary>Render the resolved configuration as HOCON.</summary>
    public string ToHocon() => Renderer.ToHocon(Root);

    /// <summary>Render the resolved configuration as JSON.</summary>
    public string ToJson(bool indented = true) => Renderer.ToJson(Root, indented);

    /// <summary>The resolved configuration rendered as HOCON (<see cref="ToHocon"/>).</summary>
    public override string ToString() => ToHocon();

    /// <paramref name="config"/> with <paramref name="fallbackHocon"/> (HOCON text) as its fallback.
    public static Config operator +(Config config, string fallbackHocon) =>
        config.WithFallback(ConfigFactory.ParseString(fallbackHocon));

    /// <paramref name="hocon"/> (HOCON text) parsed, with <paramref name="fallback"/> as its fallback.
    public static Config operator +(string hocon, Config fallback) =>
        ConfigFactory.ParseString(hocon).WithFallback(fallback);

    private static int ToInt(string path, HoconScalar s)
    {
        var l = ToLong(path, s, "int");
        return l is < int.MinValue or > int.MaxValue ? throw TypeError(path, s, "int (32-bit range)") : (int)l;
    }

    private static long ToLong(string path, HoconScalar s, string expected)
    {
        if (s.Kind is HoconScalarKind.Number or HoconScalarKind.String)
        {
            var t = s.Text.Trim();
            if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            {
                return l;
            }

            if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) && d >= long.MinValue && d <= long.MaxValue)
            {
                return (long)d;
            }
        }

        throw TypeError(path, s, expected);
    }

    private static double ToDouble(string path, HoconScalar s)
    {
        if (s.Kind is HoconScalarKind.Number or HoconScalarKind.String
            && double.TryParse(s.Text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        throw TypeError(path, s, "number");
    }
}

/// <summary>Creates configurations: from HOCON text, files, values and the embedded reference.conf files.</summary>
public static class ConfigFactory
{
    private static readonly Lock ReferenceLock = new();
    private static Config? _reference;
    private static int _referenceAssemblyCount = -1;

    /// <summary>The empty configuration (<see cref="Config.Empty"/>).</summary>
    public static Config Empty => Config.Empty;

    /// <summary>Wraps a value tree (e.g. built in code) as a config; it is resolved lazily like a parsed one.</summary>
    public static Config FromValue(HoconObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return new Config(root);
    }

    /// <summary>Parses HOCON text; <paramref name="origin"/> names it in error messages (default <c>&lt;string&gt;</c>).</summary>
    public static Config ParseString(string hocon, string? origin = null)
    {
        ArgumentNullException.ThrowIfNull(hocon);
        var root = Parser.ParseDocument(hocon, origin ?? "<string>", IncludeContext.ForString(), []);
        return new Config(root);
    }

    /// <summary>
    /// One <c>path = value</c> assignment as a Config, the way command-line overrides
    /// (<c>--set path=value</c>) are read: <paramref name="value"/> is parsed as HOCON (numbers,
    /// durations, lists, objects, quoted strings, substitutions); when it is not valid HOCON
    /// (e.g. <c>Host=x;Port=5432</c>) it is taken as a literal string. A malformed
    /// <paramref name="path"/> still fails with <see cref="HoconParseException"/>.
    /// </summary>
    public static Config ParseAssignment(string path, string value, string origin)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(value);
        try
        {
            return ParseString($"{path} = {value}", origin);
        }
        catch (HoconParseException)
        {
            return ParseString($"{path} = {HoconText.Quote(value)}", origin);
        }
    }

    /// <summary>Parses a HOCON file (a <c>.properties</c> file as Java properties); includes resolve relative to it. Throws <see cref="ConfigException"/> when it does not exist.</summary>
    public static Config ParseFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ConfigException($"{path}: expected a configuration file but it was not found");
        }

        var text = File.ReadAllText(full);
        var root = full.EndsWith(".properties", StringComparison.OrdinalIgnoreCase)
            ? PropertiesParser.Parse(text, path)
            : Parser.ParseDocument(text, path, IncludeContext.ForFile(full), []);
        return new Config(root);
    }

    /// <summary>Reads the embedded resource "<c>{assemblyName}.reference.conf</c>" of the given assembly.</summary>
    public static Config FromResource(System.Reflection.Assembly assembly, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var text = ResourceScanner.ReadResource(assembly, resourceName)
            ?? throw new ConfigException($"expected embedded resource '{resourceName}' in assembly {assembly.GetName().Name} but it was not found");
        var root = Parser.ParseDocument(text, $"{assembly.GetName().Name}:{resourceName}", IncludeContext.ForString(), []);
        return new Config(root);
    }

    /// <summary>The reference.conf of every loaded MarketSim.* assembly, merged (Hocon, Actors, TestKit, ...).</summary>
    public static Config Reference()
    {
        var assemblies = ResourceScanner.MarketSimAssemblies();
        lock (ReferenceLock)
        {
            if (_reference is not null && _referenceAssemblyCount == assemblies.Count)
            {
                return _reference;
            }

            var merged = Config.Empty;
            foreach (var asm in assemblies)
            {
                var name = asm.GetName().Name + ".reference.conf";
                if (Array.IndexOf(asm.GetManifestResourceNames(), name) < 0)
                {
                    continue;
                }

                merged = merged.WithFallback(FromResource(asm, name));
            }

            _reference = merged;
            _referenceAssemblyCount = assemblies.Count;
            return merged;
        }
    }

    /// <summary>config.WithFallback(Reference()).</summary>
    public static Config Load(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.WithFallback(Reference());
    }
}
