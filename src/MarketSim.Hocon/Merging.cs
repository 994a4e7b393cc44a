using System.Text;

namespace MarketSim.Hocon;

/// <summary>Non-destructive merging (used for fallbacks and for resolved values).</summary>
internal static class Merger
{
    /// <summary><paramref name="top"/> wins; objects deep-merge; unresolved values are stacked for later.</summary>
    public static HoconValue Merge(HoconValue top, HoconValue bottom)
    {
        if (ReferenceEquals(top, bottom))
        {
            return top;
        }

        if (top is HoconObject to)
        {
            if (bottom is HoconObject bo)
            {
                return MergeObjects(to, bo);
            }

            return Parser.IsUnresolvedNode(bottom) ? Parser.Stack(top, bottom) : top;
        }

        if (Parser.IsUnresolvedNode(top) || (top is HoconArray a && !a.IsResolved))
        {
            return Parser.Stack(top, bottom);
        }

        return top;
    }

    public static HoconObject MergeObjects(HoconObject top, HoconObject bottom)
    {
        if (top.Count == 0)
        {
            return bottom;
        }

        if (bottom.Count == 0)
        {
            return top;
        }

        var result = new HoconObject(top.Origin, top.Count + bottom.Count);
        foreach (var k in bottom.Keys)
        {
            var b = bottom[k];
            result.Set(k, top.TryGetValue(k, out var t) ? Merge(t, b) : b);
        }

        foreach (var k in top.Keys)
        {
            if (!bottom.TryGetValue(k, out _))
            {
                result.Set(k, top[k]);
            }
        }

        return result;
    }
}

/// <summary>Value concatenation of concrete parts: strings join (keeping whitespace), arrays append, objects merge.</summary>
internal static class Concatenation
{
    /// <summary>Returns null when no non-whitespace part is left (all were undefined optional substitutions).</summary>
    public static HoconValue? EvaluateOrNull(List<HoconValue> parts, List<bool> ws, ConfigOrigin origin, bool parseTime)
    {
        HoconValue? firstObj = null, firstArr = null, firstStr = null;
        var nonWs = 0;
        var lastNonWs = -1;
        for (var i = 0; i < parts.Count; i++)
        {
            if (ws[i])
            {
                continue;
            }

            nonWs++;
            lastNonWs = i;
            switch (parts[i])
            {
                case HoconObject:
                    firstObj ??= parts[i];
                    break;
                case HoconArray:
                    firstArr ??= parts[i];
                    break;
                default:
                    firstStr ??= parts[i];
                    break;
            }
        }

        if (nonWs == 0)
        {
            return null;
        }

        var kinds = (firstObj is null ? 0 : 1) + (firstArr is null ? 0 : 1) + (firstStr is null ? 0 : 1);
        if (kinds > 1)
        {
            var (a, b) = firstStr is null ? (firstObj!, firstArr!) : (firstStr, firstObj ?? firstArr!);
            var late = a.Origin.Line > b.Origin.Line || (a.Origin.Line == b.Origin.Line && a.Origin.Column > b.Origin.Column) ? a : b;
            var detail = $"expected values of one kind in concatenation (strings, lists or objects) but found {Describe(a)} concatenated with {Describe(b)}";
            if (parseTime)
            {
                throw new HoconParseException(late.Origin, detail);
            }

            throw new ConfigException($"{late.Origin}: {detail}", late.Origin);
        }

        if (firstStr is not null)
        {
            if (parts.Count == 1)
            {
                return parts[0];
            }

            var sb = new StringBuilder();
            foreach (var p in parts)
            {
                sb.Append(((HoconScalar)p).Text);
            }

            return HoconScalar.Str(sb.ToString(), origin);
        }

        if (nonWs == 1)
        {
            return parts[lastNonWs];
        }

        if (firstArr is not null)
        {
            var items = new List<HoconValue>();
            for (var i = 0; i < parts.Count; i++)
            {
                if (!ws[i])
                {
                    items.AddRange(((HoconArray)parts[i]).Items);
                }
            }

            return new HoconArray(origin, items);
        }

        HoconValue merged = parts[0];
        var started = false;
        for (var i = 0; i < parts.Count; i++)
        {
            if (ws[i])
            {
                continue;
            }

            merged = started ? Merger.Merge(parts[i], merged) : parts[i];
            started = true;
        }

        return merged;
    }

    public static HoconValue Evaluate(List<HoconValue> parts, List<bool> ws, ConfigOrigin origin) =>
        EvaluateOrNull(parts, ws, origin, parseTime: true)!;

    private static string Describe(HoconValue v) => v switch
    {
        HoconObject => "an object",
        HoconArray => "a list",
        HoconScalar s => $"{s.TypeName} '{s.Text}'",
        _ => v.TypeName,
    };
}
