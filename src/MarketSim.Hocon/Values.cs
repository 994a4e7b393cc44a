using System.Globalization;

namespace MarketSim.Hocon;

/// <summary>Where a value or token came from: file (or "&lt;string&gt;"), 1-based line and column.</summary>
public sealed record ConfigOrigin(string File, int Line, int Column)
{
    /// <summary>An unknown origin (values built in code).</summary>
    public static readonly ConfigOrigin None = new("<none>", 0, 0);

    /// <summary><c>file:line:column</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>Base of the HOCON value model. Resolved trees contain only <see cref="HoconScalar"/>, <see cref="HoconObject"/> and <see cref="HoconArray"/>.</summary>
public abstract class HoconValue
{
    /// <summary>A value that came from <paramref name="origin"/>.</summary>
    protected HoconValue(ConfigOrigin origin) => Origin = origin;

    /// <summary>Where the value came from.</summary>
    public ConfigOrigin Origin { get; }

    /// <summary>True when this value (or any descendant) still contains substitutions.</summary>
    public abstract bool IsResolved { get; }

    internal abstract string TypeName { get; }
}

/// <summary>The type of a <see cref="HoconScalar"/>.</summary>
public enum HoconScalarKind
{
    /// <summary>A quoted or unquoted string.</summary>
    String,

    /// <summary>A number (<see cref="HoconScalar.Text"/> is the source text).</summary>
    Number,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary><c>null</c>.</summary>
    Null,
}

/// <summary>A string, number, boolean or null. <see cref="Text"/> is the textual form (for numbers the source text).</summary>
public sealed class HoconScalar : HoconValue
{
    /// <summary>A scalar of the given kind and textual form.</summary>
    public HoconScalar(HoconScalarKind kind, string text, ConfigOrigin origin)
        : base(origin)
    {
        Kind = kind;
        Text = text;
    }

    /// <summary>String, number, boolean or null.</summary>
    public HoconScalarKind Kind { get; }

    /// <summary>The textual form (for numbers the source text).</summary>
    public string Text { get; }

    /// <summary>Always true: a scalar holds no substitutions.</summary>
    public override bool IsResolved => true;

    internal override string TypeName => Kind switch
    {
        HoconScalarKind.String => "string",
        HoconScalarKind.Number => "number",
        HoconScalarKind.Boolean => "boolean",
        _ => "null",
    };

    /// <summary>True for <c>null</c>.</summary>
    public bool IsNull => Kind == HoconScalarKind.Null;

    internal static HoconScalar Str(string s, ConfigOrigin origin) => new(HoconScalarKind.String, s, origin);

    /// <summary>A string scalar with no source position.</summary>
    public static HoconScalar FromString(string s) => new(HoconScalarKind.String, s, ConfigOrigin.None);

    internal static HoconScalar Null(ConfigOrigin origin) => new(HoconScalarKind.Null, "null", origin);

    /// <summary>The textual form (<see cref="Text"/>).</summary>
    public override string ToString() => Text;
}

/// <summary>An object: keys in insertion order.</summary>
public sealed class HoconObject : HoconValue
{
    private readonly Dictionary<string, HoconValue> _map;
    private readonly List<string> _keys;

    /// <summary>An empty object.</summary>
    public HoconObject(ConfigOrigin origin)
        : base(origin)
    {
        _map = new Dictionary<string, HoconValue>(StringComparer.Ordinal);
        _keys = [];
    }

    internal HoconObject(ConfigOrigin origin, int capacity)
        : base(origin)
    {
        _map = new Dictionary<string, HoconValue>(capacity, StringComparer.Ordinal);
        _keys = new List<string>(capacity);
    }

    /// <summary>The keys in insertion order.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>The number of keys.</summary>
    public int Count => _keys.Count;

    /// <summary>The value of a key (throws <see cref="KeyNotFoundException"/> when it is missing).</summary>
    public HoconValue this[string key] => _map[key];

    /// <summary>The value of a key, if present.</summary>
    public bool TryGetValue(string key, out HoconValue value) => _map.TryGetValue(key, out value!);

    /// <summary>The key/value pairs in insertion order.</summary>
    public IEnumerable<KeyValuePair<string, HoconValue>> Fields
    {
        get
        {
            foreach (var k in _keys)
            {
                yield return new KeyValuePair<string, HoconValue>(k, _map[k]);
            }
        }
    }

    /// <inheritdoc/>
    public override bool IsResolved
    {
        get
        {
            foreach (var v in _map.Values)
            {
                if (!v.IsResolved)
                {
                    return false;
                }
            }

            return true;
        }
    }

    internal override string TypeName => "object";

    internal void Set(string key, HoconValue value)
    {
        if (!_map.ContainsKey(key))
        {
            _keys.Add(key);
        }

        _map[key] = value;
    }

    internal void SetForTest(string key, HoconValue value) => Set(key, value);

    internal void Remove(string key)
    {
        if (_map.Remove(key))
        {
            _keys.Remove(key);
        }
    }

    internal HoconObject ShallowCopy()
    {
        var copy = new HoconObject(Origin, _keys.Count);
        foreach (var k in _keys)
        {
            copy.Set(k, _map[k]);
        }

        return copy;
    }

    /// <summary>True when every key is a non-negative integer (used for list conversion).</summary>
    internal bool TryAsNumericArray(out HoconArray array)
    {
        var indexed = new List<(int Index, HoconValue Value)>();
        foreach (var k in _keys)
        {
            if (int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
            {
                indexed.Add((i, _map[k]));
            }
        }

        array = new HoconArray(Origin);
        if (indexed.Count == 0)
        {
            return false;
        }

        indexed.Sort((a, b) => a.Index.CompareTo(b.Index));
        foreach (var (_, v) in indexed)
        {
            array.Add(v);
        }

        return true;
    }
}

/// <summary>An array.</summary>
public sealed class HoconArray : HoconValue
{
    private readonly List<HoconValue> _items;

    /// <summary>An empty array.</summary>
    public HoconArray(ConfigOrigin origin)
        : base(origin) => _items = [];

    internal HoconArray(ConfigOrigin origin, List<HoconValue> items)
        : base(origin) => _items = items;

    /// <summary>The elements in order.</summary>
    public IReadOnlyList<HoconValue> Items => _items;

    /// <summary>The number of elements.</summary>
    public int Count => _items.Count;

    /// <inheritdoc/>
    public override bool IsResolved
    {
        get
        {
            foreach (var v in _items)
            {
                if (!v.IsResolved)
                {
                    return false;
                }
            }

            return true;
        }
    }

    internal override string TypeName => "list";

    internal void Add(HoconValue value) => _items.Add(value);

    internal void AddForTest(HoconValue value) => _items.Add(value);
}

/// <summary><c>${path}</c> or <c>${?path}</c>. <see cref="Path"/> includes the include-location prefix; <see cref="PrefixLength"/> says how many leading segments that prefix has.</summary>
internal sealed class HoconSubstitution : HoconValue
{
    public HoconSubstitution(string[] path, bool optional, int prefixLength, ConfigOrigin origin)
        : base(origin)
    {
        Path = path;
        Optional = optional;
        PrefixLength = prefixLength;
    }

    public string[] Path { get; }

    public bool Optional { get; }

    public int PrefixLength { get; }

    public override bool IsResolved => false;

    internal override string TypeName => "substitution";

    public string[] OriginalPath => PrefixLength == 0 ? Path : Path[PrefixLength..];

    public HoconSubstitution WithPrefix(string[] prefix) =>
        prefix.Length == 0 ? this : new HoconSubstitution([.. prefix, .. Path], Optional, PrefixLength + prefix.Length, Origin);

    public override string ToString() => "${" + (Optional ? "?" : string.Empty) + HoconPath.Render(OriginalPath) + "}";
}

/// <summary>A value concatenation that involves a substitution (resolved later). Whitespace parts are kept as <see cref="HoconScalar"/> strings flagged in <see cref="IsWhitespace"/>.</summary>
internal sealed class HoconConcat : HoconValue
{
    public HoconConcat(List<HoconValue> parts, List<bool> isWhitespace, ConfigOrigin origin)
        : base(origin)
    {
        Parts = parts;
        IsWhitespace = isWhitespace;
    }

    public List<HoconValue> Parts { get; }

    public List<bool> IsWhitespace { get; }

    public override bool IsResolved => false;

    internal override string TypeName => "concatenation";
}

/// <summary>Values for one field that could not be merged before resolution; <see cref="Layers"/>[0] has the highest priority.</summary>
internal sealed class HoconDelayedMerge : HoconValue
{
    public HoconDelayedMerge(List<HoconValue> layers, ConfigOrigin origin)
        : base(origin) => Layers = layers;

    public List<HoconValue> Layers { get; }

    public override bool IsResolved => false;

    internal override string TypeName => "merge";
}
