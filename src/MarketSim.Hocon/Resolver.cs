namespace MarketSim.Hocon;

/// <summary>Resolves substitutions across a whole merged tree (Lightbend semantics: late, with self-reference and env fallback).</summary>
internal sealed class Resolver
{
    private static readonly Func<HoconValue?> Nothing = () => null;

    private readonly HoconObject _root;
    private readonly Dictionary<string, HoconValue?> _memo = new(StringComparer.Ordinal);
    private readonly List<string> _stack = [];
    private readonly HashSet<string> _inProgress = new(StringComparer.Ordinal);

    private Resolver(HoconObject root) => _root = root;

    public static HoconObject Resolve(HoconObject root)
    {
        var r = new Resolver(root);
        return r.ResolveTreeObject(root, []);
    }

    private static string Key(string[] path) => path.Length == 1 ? path[0] : string.Join('\u001f', path);

    private static string[] Append(string[] path, string key)
    {
        var result = new string[path.Length + 1];
        path.CopyTo(result, 0);
        result[^1] = key;
        return result;
    }

    private HoconObject ResolveTreeObject(HoconObject o, string[] path) =>
        MapChildren(o, (k, child) => child is HoconScalar ? child : ResolveField(Append(path, k), child));

    /// <summary>
    /// Copy-on-write map over an object's fields: returns <paramref name="o"/> itself when no child
    /// changed; a child mapped to null (an undefined optional substitution) is dropped.
    /// </summary>
    private static HoconObject MapChildren(HoconObject o, Func<string, HoconValue, HoconValue?> map)
    {
        HoconObject? result = null;
        var keys = o.Keys;
        for (var i = 0; i < keys.Count; i++)
        {
            var k = keys[i];
            var child = o[k];
            var v = map(k, child);
            if (result is null && !ReferenceEquals(v, child))
            {
                result = new HoconObject(o.Origin, o.Count);
                for (var j = 0; j < i; j++)
                {
                    result.Set(keys[j], o[keys[j]]);
                }
            }

            if (result is not null && v is not null)
            {
                result.Set(k, v);
            }
        }

        return result ?? o;
    }

    /// <summary>Resolves the node found in the tree at <paramref name="path"/> (memoised, cycle-checked). Null means undefined.</summary>
    private HoconValue? ResolveField(string[] path, HoconValue node)
    {
        if (node is HoconScalar)
        {
            return node;
        }

        var key = Key(path);
        if (_memo.TryGetValue(key, out var done))
        {
            return done;
        }

        if (!_inProgress.Add(key))
        {
            throw Cycle(key, node, path);
        }

        _stack.Add(key);
        try
        {
            var result = node is HoconObject o
                ? ResolveTreeObject(o, path)
                : ResolveValue(node, path, Nothing);
            _memo[key] = result;
            return result;
        }
        finally
        {
            _stack.RemoveAt(_stack.Count - 1);
            _inProgress.Remove(key);
        }
    }

    /// <summary>Resolves a value that is not (necessarily) at a tree position. <paramref name="field"/> is the field it defines (for self-references) and <paramref name="below"/> yields the field's previous value.</summary>
    private HoconValue? ResolveValue(HoconValue node, string[] field, Func<HoconValue?> below)
    {
        switch (node)
        {
            case HoconScalar:
                return node;
            case HoconObject o:
                return MapChildren(o, (k, child) =>
                {
                    var childBelow = ReferenceEquals(below, Nothing) ? Nothing : ChildOf(below, k);
                    return child is HoconScalar ? child : ResolveValue(child, Append(field, k), childBelow);
                });

            case HoconArray a:
                {
                    List<HoconValue>? items = null;
                    for (var i = 0; i < a.Items.Count; i++)
                    {
                        var item = a.Items[i];
                        var v = item is HoconScalar ? item : ResolveValue(item, field, below);
                        if (items is null && !ReferenceEquals(v, item))
                        {
                            items = new List<HoconValue>(a.Count);
                            for (var j = 0; j < i; j++)
                            {
                                items.Add(a.Items[j]);
                            }
                        }

                        if (items is not null && v is not null)
                        {
                            items.Add(v);
                        }
                    }

                    return items is null ? a : new HoconArray(a.Origin, items);
                }

            case HoconSubstitution s:
                return ResolveSubstitution(s, field, below);
            case HoconConcat c:
                {
                    var parts = new List<HoconValue>(c.Parts.Count);
                    var ws = new List<bool>(c.Parts.Count);
                    for (var i = 0; i < c.Parts.Count; i++)
                    {
                        var v = c.IsWhitespace[i] ? c.Parts[i] : ResolveValue(c.Parts[i], field, below);
                        if (v is not null)
                        {
                            parts.Add(v);
                            ws.Add(c.IsWhitespace[i]);
                        }
                    }

                    return Concatenation.EvaluateOrNull(parts, ws, c.Origin, parseTime: false);
                }

            case HoconDelayedMerge dm:
                return ResolveStack(dm.Layers, 0, field, below);
            default:
                throw new InvalidOperationException("unknown node " + node.GetType().Name);
        }
    }

    private static Func<HoconValue?> ChildOf(Func<HoconValue?> below, string key)
    {
        return () => below() is HoconObject bo && bo.TryGetValue(key, out var v) ? v : null;
    }

    private HoconValue? ResolveStack(List<HoconValue> layers, int index, string[] field, Func<HoconValue?> outerBelow)
    {
        if (index >= layers.Count)
        {
            return outerBelow();
        }

        var computed = false;
        HoconValue? cached = null;
        HoconValue? Below()
        {
            if (!computed)
            {
                cached = ResolveStack(layers, index + 1, field, outerBelow);
                computed = true;
            }

            return cached;
        }

        var v = ResolveValue(layers[index], field, Below);
        if (v is null)
        {
            return Below();
        }

        if (v is HoconObject vo && Below() is HoconObject bo)
        {
            return Merger.MergeObjects(vo, bo);
        }

        return v;
    }

    private static bool StartsWith(string[] path, string[] prefix)
    {
        if (prefix.Length == 0 || path.Length < prefix.Length)
        {
            return false;
        }

        for (var i = 0; i < prefix.Length; i++)
        {
            if (!string.Equals(path[i], prefix[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private HoconValue? ResolveSubstitution(HoconSubstitution s, string[] field, Func<HoconValue?> below)
    {
        HoconValue? v;
        if (StartsWith(s.Path, field))
        {
            // self-reference: look at the value the field had before this definition
            v = below();
            for (var i = field.Length; i < s.Path.Length && v is not null; i++)
            {
                v = v is HoconObject o && o.TryGetValue(s.Path[i], out var c) ? c : null;
            }
        }
        else
        {
            v = Lookup(s.Path);
            if (v is null && s.PrefixLength > 0)
            {
                v = Lookup(s.OriginalPath);
            }
        }

        if (v is not null)
        {
            return v;
        }

        var env = Environment.GetEnvironmentVariable(string.Join('.', s.OriginalPath));
        if (env is not null)
        {
            return HoconScalar.Str(env, s.Origin);
        }

        if (s.Optional)
        {
            return null;
        }

        var rendered = "${" + HoconPath.Render(s.OriginalPath) + "}";
        throw new ConfigException($"{s.Origin}: could not resolve substitution {rendered}: expected path '{HoconPath.Render(s.OriginalPath)}' to be defined in the configuration or the environment", s.Origin, HoconPath.Render(s.OriginalPath));
    }

    private ConfigException Cycle(string key, HoconValue node, string[] path)
    {
        var from = _stack.IndexOf(key);
        var chain = string.Join(" -> ", _stack.Skip(from).Append(key).Select(k => HoconPath.Render(k.Split('\u001f'))));
        return new ConfigException($"{node.Origin}: substitution cycle: {chain}", node.Origin, HoconPath.Render(path));
    }

    private static HoconValue? Descend(HoconValue? v, string[] path, int from)
    {
        for (var j = from; j < path.Length && v is not null; j++)
        {
            v = v is HoconObject o && o.TryGetValue(path[j], out var c) ? c : null;
        }

        return v;
    }

    /// <summary>The resolved value at <paramref name="rest"/>[<paramref name="idx"/>..] inside <paramref name="node"/> (which defines <paramref name="field"/>), resolving as little else as possible.</summary>
    private HoconValue? ResolveChild(HoconValue node, string[] field, Func<HoconValue?> below, string[] rest, int idx)
    {
        if (idx == rest.Length)
        {
            return ResolveValue(node, field, below);
        }

        switch (node)
        {
            case HoconObject o:
                {
                    var k = rest[idx];
                    return o.TryGetValue(k, out var c) ? ResolveChild(c, Append(field, k), ChildOf(below, k), rest, idx + 1) : null;
                }

            case HoconSubstitution s:
                {
                    if (StartsWith(s.Path, field))
                    {
                        return Descend(Descend(below(), s.Path, field.Length), rest, idx);
                    }

                    string[] target = [.. s.Path, .. rest[idx..]];
                    var v = Lookup(target);
                    if (v is null && s.PrefixLength > 0)
                    {
                        v = Lookup([.. s.OriginalPath, .. rest[idx..]]);
                    }

                    return v;
                }

            case HoconConcat c:
                {
                    for (var i = 0; i < c.Parts.Count; i++)
                    {
                        if (!c.IsWhitespace[i] && c.Parts[i] is HoconScalar or HoconArray)
                        {
                            return null;
                        }
                    }

                    var found = new List<HoconValue>();
                    for (var i = c.Parts.Count - 1; i >= 0; i--)
                    {
                        if (c.IsWhitespace[i])
                        {
                            continue;
                        }

                        var v = ResolveChild(c.Parts[i], field, below, rest, idx);
                        if (v is null)
                        {
                            continue;
                        }

                        found.Add(v);
                        if (v is not HoconObject)
                        {
                            break;
                        }
                    }

                    return Combine(found);
                }

            case HoconDelayedMerge dm:
                {
                    var found = new List<HoconValue>();
                    for (var i = 0; i < dm.Layers.Count; i++)
                    {
                        var layer = dm.Layers[i];
                        if (layer is HoconScalar or HoconArray)
                        {
                            break;
                        }

                        var index = i;
                        var v = ResolveChild(layer, field, () => ResolveStack(dm.Layers, index + 1, field, below), rest, idx);
                        if (v is null)
                        {
                            continue;
                        }

                        found.Add(v);
                        if (v is not HoconObject)
                        {
                            break;
                        }
                    }

                    return Combine(found);
                }

            default:
                return null;
        }
    }

    /// <summary>Values for one path, highest priority first: a leading non-object wins, objects merge.</summary>
    private static HoconValue? Combine(List<HoconValue> found)
    {
        if (found.Count == 0)
        {
            return null;
        }

        var result = found[0];
        for (var i = 1; i < found.Count && result is HoconObject ro && found[i] is HoconObject fo; i++)
        {
            result = Merger.MergeObjects(ro, fo);
        }

        return result;
    }

    /// <summary>Finds and resolves the value at an absolute path; null when absent.</summary>
    private HoconValue? Lookup(string[] path)
    {
        HoconValue node = _root;
        for (var i = 0; i < path.Length; i++)
        {
            if (node is HoconObject o)
            {
                if (!o.TryGetValue(path[i], out var child))
                {
                    return null;
                }

                node = child;
                continue;
            }

            if (Parser.IsUnresolvedNode(node))
            {
                if (_memo.TryGetValue(Key(path[..i]), out var whole))
                {
                    return Descend(whole, path, i);
                }

                // resolve only the requested child so that siblings may refer to each other
                // (e.g. svc = ${defaults} { port = 1, url = ${svc.port} })
                var key = Key(path);
                if (_memo.TryGetValue(key, out var done))
                {
                    return done;
                }

                if (!_inProgress.Add(key))
                {
                    throw Cycle(key, node, path);
                }

                _stack.Add(key);
                try
                {
                    var v = ResolveChild(node, path[..i], Nothing, path, i);
                    _memo[key] = v;
                    return v;
                }
                finally
                {
                    _stack.RemoveAt(_stack.Count - 1);
                    _inProgress.Remove(key);
                }
            }

            return null;
        }

        return ResolveField(path, node);
    }
}
