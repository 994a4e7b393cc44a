using System.Globalization;
using MarketSim.Hocon;

namespace MarketSim.Scenarios;

/// <summary>Collects errors while a scenario is read, and finds the position of a key from the position of its value.</summary>
internal sealed class ErrorSink
{
    private readonly Dictionary<string, string[]?> _files = new(StringComparer.Ordinal);

    public List<ScenarioError> Errors { get; } = [];

    public void Add(ConfigOrigin origin, string key, string message) => Errors.Add(new ScenarioError(origin, key, message));

    /// <summary>
    /// HOCON values carry their own position; the key usually sits before it on the same line
    /// (<c>key = value</c>, <c>key { ... }</c>). When the source file is readable, point at the key itself.
    /// </summary>
    public ConfigOrigin LocateKey(ConfigOrigin valueOrigin, string key)
    {
        if (valueOrigin.Line <= 0 || valueOrigin.File.StartsWith('<') || valueOrigin.File.StartsWith("--", StringComparison.Ordinal))
        {
            return valueOrigin;
        }

        if (!_files.TryGetValue(valueOrigin.File, out var lines))
        {
            try
            {
                lines = File.Exists(valueOrigin.File) ? File.ReadAllLines(valueOrigin.File) : null;
            }
            catch (IOException)
            {
                lines = null;
            }
            catch (UnauthorizedAccessException)
            {
                lines = null;
            }

            _files[valueOrigin.File] = lines;
        }

        if (lines is null || valueOrigin.Line > lines.Length)
        {
            return valueOrigin;
        }

        var line = lines[valueOrigin.Line - 1];
        var end = Math.Min(Math.Max(valueOrigin.Column - 1, 0), line.Length);
        var at = line.LastIndexOf(key, end > 0 ? end - 1 : 0, end, StringComparison.Ordinal);
        return at >= 0 ? valueOrigin with { Column = at + 1 } : valueOrigin;
    }
}

/// <summary>Reads one HOCON object of a scenario strictly: typed getters record errors instead of throwing, and <see cref="Finish"/> reports keys nobody asked for.</summary>
internal sealed class ObjectReader
{
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private Config? _config;

    public ObjectReader(HoconObject obj, string path, ErrorSink sink)
    {
        Object = obj;
        Path = path;
        Sink = sink;
    }

    public HoconObject Object { get; }

    public string Path { get; }

    public ErrorSink Sink { get; }

    public IReadOnlyCollection<string> KnownKeys => _known;

    private Config Config => _config ??= ConfigFactory.FromValue(Object);

    /// <summary>The raw configuration of an object-valued key (for blocks another module validates), or null when absent; marks the key known.</summary>
    public Config? RawConfig(string key)
    {
        _known.Add(key);
        return Raw(key) is HoconObject ? Config.GetConfig(HoconPath.Render([key])) : null;
    }

    public string KeyPath(string key) => Path.Length == 0 ? HoconPath.Render([key]) : Path + "." + HoconPath.Render([key]);

    public bool Has(string key)
    {
        _known.Add(key);
        return Object.TryGetValue(key, out var v) && v is not HoconScalar { IsNull: true };
    }

    public HoconValue? Raw(string key)
    {
        _known.Add(key);
        return Object.TryGetValue(key, out var v) && v is not HoconScalar { IsNull: true } ? v : null;
    }

    public ConfigOrigin OriginOf(string key) =>
        Object.TryGetValue(key, out var v) ? Sink.LocateKey(v.Origin, key) : Object.Origin;

    public void Error(string key, string message) => Sink.Add(OriginOf(key), KeyPath(key), message);

    public static string Describe(HoconValue v) => v switch
    {
        HoconScalar { Kind: HoconScalarKind.String } s => "string " + HoconText.Quote(s.Text),
        HoconScalar s => s.TypeName() + " " + s.Text,
        HoconObject => "an object",
        HoconArray => "a list",
        _ => "an unresolved value",
    };

    private T? Scalar<T>(string key, T? fallback, bool required, string expected, Func<Config, string, T> get)
        where T : struct
    {
        var v = Raw(key);
        if (v is null)
        {
            if (fallback is null && required)
            {
                Sink.Add(Object.Origin, KeyPath(key), $"missing required key; expected {expected}");
            }

            return fallback;
        }

        try
        {
            return get(Config, HoconPath.Render([key]));
        }
        catch (ConfigException)
        {
            Error(key, $"expected {expected} but found {Describe(v)}");
            return null;
        }
    }

    public int? Int(string key, int? fallback, int min, int max, bool required = true)
    {
        var range = $"an integer in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]";
        var value = Scalar<int>(key, fallback, required, range, (c, p) => c.GetInt(p));
        if (value is { } x && Has(key) && (x < min || x > max))
        {
            Error(key, $"value {x.ToString(CultureInfo.InvariantCulture)} is out of range; expected {range}");
            return null;
        }

        return value;
    }

    public long? Long(string key, long? fallback, long min, long max, bool required = true)
    {
        var range = $"an integer in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]";
        var value = Scalar<long>(key, fallback, required, range, (c, p) => c.GetLong(p));
        if (value is { } x && Has(key) && (x < min || x > max))
        {
            Error(key, $"value {x.ToString(CultureInfo.InvariantCulture)} is out of range; expected {range}");
            return null;
        }

        return value;
    }

    /// <summary>A finite number accepted by <paramref name="ok"/>; <paramref name="range"/> describes what is allowed, e.g. "a number in (0, 1]".</summary>
    public double? Double(string key, double? fallback, Func<double, bool> ok, string range, bool required = true)
    {
        var value = Scalar<double>(key, fallback, required, range, (c, p) => c.GetDouble(p));
        if (value is { } x && Has(key) && (!double.IsFinite(x) || !ok(x)))
        {
            Error(key, $"value {Raw(key)} is out of range; expected {range}");
            return null;
        }

        return value;
    }

    public bool? Bool(string key, bool? fallback, bool required = true) =>
        Scalar<bool>(key, fallback, required, "a boolean (on, off, true, false)", (c, p) => c.GetBoolean(p));

    public long? ByteSize(string key, long? fallback, long min, long max, bool required = true)
    {
        var range = $"a size in bytes in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}] (e.g. 8 MiB)";
        var value = Scalar<long>(key, fallback, required, range, (c, p) => c.GetByteSize(p) ?? 0);
        if (value is { } x && Has(key) && (x < min || x > max))
        {
            Error(key, $"value {Raw(key)} is out of range; expected {range}");
            return null;
        }

        return value;
    }

    /// <summary>A finite duration accepted by <paramref name="ok"/> (a bare number is milliseconds).</summary>
    public TimeSpan? Duration(string key, TimeSpan? fallback, Func<TimeSpan, bool> ok, string range, bool required = true)
    {
        var value = Scalar<TimeSpan>(key, fallback, required, range, (c, p) => c.GetTimeSpan(p, allowInfinite: false));
        if (value is { } x && Has(key) && !ok(x))
        {
            Error(key, $"value {Raw(key)} is out of range; expected {range}");
            return null;
        }

        return value;
    }

    /// <summary>A string; when <paramref name="allowed"/> is given, one of those names.</summary>
    public string? String(string key, string? fallback, IReadOnlyList<string>? allowed = null, bool required = true)
    {
        var v = Raw(key);
        if (v is null)
        {
            if (fallback is null && required)
            {
                var expected = allowed is null ? "a string" : "one of " + string.Join(", ", allowed);
                Sink.Add(Object.Origin, KeyPath(key), $"missing required key; expected {expected}");
            }

            return fallback;
        }

        if (v is not HoconScalar s)
        {
            Error(key, $"expected {(allowed is null ? "a string" : "one of " + string.Join(", ", allowed))} but found {Describe(v)}");
            return null;
        }

        if (allowed is not null && !allowed.Contains(s.Text, StringComparer.Ordinal))
        {
            var hint = Suggest.Nearest(s.Text, allowed);
            Error(key, $"unknown value {HoconText.Quote(s.Text)}; expected one of {string.Join(", ", allowed)}" + (hint is null ? string.Empty : $" (did you mean '{hint}'?)"));
            return null;
        }

        return s.Text;
    }

    public ObjectReader? Child(string key, bool required = true)
    {
        var v = Raw(key);
        switch (v)
        {
            case null:
                if (required)
                {
                    Sink.Add(Object.Origin, KeyPath(key), "missing required key; expected an object");
                }

                return null;
            case HoconObject o:
                return new ObjectReader(o, KeyPath(key), Sink);
            default:
                Error(key, $"expected an object but found {Describe(v)}");
                return null;
        }
    }

    /// <summary>A list of objects, e.g. <c>miners = [ {...}, {...} ]</c>.</summary>
    public IReadOnlyList<ObjectReader>? ObjectList(string key)
    {
        var v = Raw(key);
        switch (v)
        {
            case null:
                Sink.Add(Object.Origin, KeyPath(key), "missing required key; expected a list of objects");
                return null;
            case HoconArray a:
                var result = new List<ObjectReader>(a.Count);
                for (var i = 0; i < a.Count; i++)
                {
                    var item = a.Items[i];
                    var itemPath = $"{KeyPath(key)}[{i.ToString(CultureInfo.InvariantCulture)}]";
                    if (item is HoconObject o)
                    {
                        result.Add(new ObjectReader(o, itemPath, Sink));
                    }
                    else
                    {
                        Sink.Add(item.Origin, itemPath, $"expected an object but found {Describe(item)}");
                    }
                }

                return result;
            default:
                Error(key, $"expected a list of objects but found {Describe(v)}");
                return null;
        }
    }

    /// <summary>An optional list of integers (null when absent or null).</summary>
    public IReadOnlyList<string>? StringList(string key)
    {
        var v = Raw(key);
        if (v is null)
        {
            Error(key, "missing required key; expected a list of strings");
            return null;
        }

        try
        {
            return Config.GetStringList(HoconPath.Render([key]));
        }
        catch (ConfigException)
        {
            Error(key, $"expected a list of strings but found {Describe(v)}");
            return null;
        }
    }

    public IReadOnlyList<int>? IntList(string key)
    {
        var v = Raw(key);
        if (v is null)
        {
            return null;
        }

        try
        {
            return Config.GetIntList(HoconPath.Render([key]));
        }
        catch (ConfigException)
        {
            Error(key, $"expected a list of integers but found {Describe(v)}");
            return null;
        }
    }

    /// <summary>Reports every key that no getter asked for. <paramref name="explain"/> may give a better message for a key that is valid elsewhere.</summary>
    public void Finish(Func<string, string?>? explain = null)
    {
        foreach (var key in Object.Keys)
        {
            if (_known.Contains(key))
            {
                continue;
            }

            var special = explain?.Invoke(key);
            if (special is not null)
            {
                Error(key, special);
                continue;
            }

            var hint = Suggest.Nearest(key, [.. _known]);
            Error(key, hint is null
                ? $"unknown key; known keys here: {string.Join(", ", _known)}"
                : $"unknown key; did you mean '{hint}'?");
        }
    }
}

internal static class HoconScalarExtensions
{
    public static string TypeName(this HoconScalar s) => s.Kind switch
    {
        HoconScalarKind.String => "string",
        HoconScalarKind.Number => "number",
        HoconScalarKind.Boolean => "boolean",
        _ => "null",
    };
}

/// <summary>"Did you mean" suggestions by edit distance.</summary>
internal static class Suggest
{
    public static string? Nearest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = Distance(word, c);
            if (d < bestDistance || (d == bestDistance && string.CompareOrdinal(c, best) < 0))
            {
                best = c;
                bestDistance = d;
            }
        }

        var limit = Math.Max(2, Math.Min(word.Length, best?.Length ?? 0) / 3);
        return best is not null && bestDistance <= limit && bestDistance < Math.Max(word.Length, best.Length) ? best : null;
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
