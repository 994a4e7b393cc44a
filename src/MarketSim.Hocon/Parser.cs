using System.Text;

namespace MarketSim.Hocon;

/// <summary>Recursive-descent HOCON parser producing an unresolved <see cref="HoconObject"/> tree.</summary>
internal sealed class Parser
{
    private readonly List<Token> _t;
    private readonly string _file;
    private readonly IncludeContext _inc;
    private readonly string[] _substPrefix;
    private int _i;

    private Parser(List<Token> tokens, string file, IncludeContext inc, string[] substPrefix)
    {
        _t = tokens;
        _file = file;
        _inc = inc;
        _substPrefix = substPrefix;
    }

    /// <summary>Parses a whole document; the root must be an object (braces optional).</summary>
    public static HoconObject ParseDocument(string text, string file, IncludeContext inc, string[] substPrefix)
    {
        var tokens = new Lexer(text, file).Tokenize();
        var p = new Parser(tokens, file, inc, substPrefix);
        return p.ParseRoot();
    }

    private Token Peek => _t[_i];

    private ConfigOrigin OriginOf(in Token t) => new(_file, t.Line, t.Column);

    private HoconParseException Error(in Token at, string detail) => new(_file, at.Line, at.Column, detail);

    private void SkipWs()
    {
        while (_t[_i].Type == TokenType.Whitespace)
        {
            _i++;
        }
    }

    private void SkipWsNl()
    {
        while (_t[_i].Type is TokenType.Whitespace or TokenType.Newline)
        {
            _i++;
        }
    }

    private HoconObject ParseRoot()
    {
        SkipWsNl();
        var first = Peek;
        var root = new HoconObject(OriginOf(first));
        if (first.Type == TokenType.LBrace)
        {
            _i++;
            ParseObjectBody(root, [], braced: true);
            SkipWsNl();
            if (Peek.Type != TokenType.Eof)
            {
                throw Error(Peek, $"expected end of input after the root object but found {Peek.Describe()}");
            }
        }
        else if (first.Type == TokenType.LBracket)
        {
            throw Error(first, "expected an object ('{' or a key) at the document root but found '['");
        }
        else
        {
            ParseObjectBody(root, [], braced: false);
        }

        return root;
    }

    private bool IsIncludeAhead()
    {
        var t = Peek;
        if (t.Type != TokenType.Unquoted || t.Text != "include")
        {
            return false;
        }

        var j = _i + 1;
        if (_t[j].Type != TokenType.Whitespace)
        {
            return false;
        }

        while (_t[j].Type is TokenType.Whitespace or TokenType.Newline)
        {
            j++;
        }

        var n = _t[j];
        return n.Type == TokenType.Quoted
            || (n.Type == TokenType.Unquoted && (n.Text.StartsWith("file(", StringComparison.Ordinal)
                || n.Text.StartsWith("url(", StringComparison.Ordinal)
                || n.Text.StartsWith("classpath(", StringComparison.Ordinal)
                || n.Text.StartsWith("required(", StringComparison.Ordinal)));
    }

    private void ParseObjectBody(HoconObject obj, string[] objPath, bool braced)
    {
        while (true)
        {
            SkipWsNl();
            var t = Peek;
            if (t.Type == TokenType.RBrace && braced)
            {
                _i++;
                return;
            }

            if (t.Type == TokenType.Eof)
            {
                if (!braced)
                {
                    return;
                }

                throw Error(t, "expected '}' to close the object but found end of input");
            }

            string? lastKey;
            if (IsIncludeAhead())
            {
                ParseInclude(obj, objPath);
                lastKey = null;
            }
            else
            {
                lastKey = ParseField(obj, objPath);
            }

            SkipWs();
            t = Peek;
            switch (t.Type)
            {
                case TokenType.Comma:
                    _i++;
                    SkipWsNl();
                    if (Peek.Type == TokenType.Comma)
                    {
                        throw Error(Peek, $"expected a key or {(braced ? "'}'" : "end of input")} but found ',' (only one comma may separate or trail fields)");
                    }

                    continue;
                case TokenType.Newline:
                    continue;
                case TokenType.RBrace when braced:
                    continue;
                case TokenType.Eof when !braced:
                    continue;
                default:
                    var after = lastKey is null ? "include" : $"value of '{lastKey}'";
                    throw Error(t, $"expected ',' or newline or {(braced ? "'}'" : "end of input")} after {after} but found {t.Describe()}");
            }
        }
    }

    /// <summary>Parses a key path from tokens; stops at the first non-key token. Used for keys, substitutions and getter paths.</summary>
    internal static string[] ParseKeyTokens(List<Token> tokens, ref int i, string file, bool allowTrailing)
    {
        while (tokens[i].Type == TokenType.Whitespace)
        {
            i++;
        }

        var segments = new List<string>(4);
        var sb = new StringBuilder();
        var hasContent = false;
        var start = tokens[i];
        var any = false;
        while (true)
        {
            var t = tokens[i];
            if (t.Type == TokenType.Unquoted)
            {
                any = true;
                var text = t.Text;
                for (var k = 0; k < text.Length; k++)
                {
                    var c = text[k];
                    if (c == '.')
                    {
                        if (!hasContent)
                        {
                            throw new HoconParseException(file, t.Line, t.Column + k, $"expected a key segment before '.' but found '.' in '{text}'");
                        }

                        segments.Add(sb.ToString());
                        sb.Clear();
                        hasContent = false;
                    }
                    else
                    {
                        sb.Append(c);
                        hasContent = true;
                    }
                }

                i++;
            }
            else if (t.Type is TokenType.Quoted)
            {
                any = true;
                sb.Append(t.Text);
                hasContent = true;
                i++;
            }
            else if (t.Type == TokenType.Whitespace && any
                && tokens[i + 1].Type is TokenType.Unquoted or TokenType.Quoted)
            {
                sb.Append(t.Text);
                i++;
            }
            else
            {
                break;
            }
        }

        if (!any)
        {
            throw new HoconParseException(file, start.Line, start.Column, $"expected a key but found {start.Describe()}");
        }

        if (!hasContent)
        {
            var t = tokens[i - 1];
            throw new HoconParseException(file, t.Line, t.Column, $"expected a key segment after '.' but found {tokens[i].Describe()}");
        }

        segments.Add(sb.ToString());
        if (!allowTrailing)
        {
            while (tokens[i].Type == TokenType.Whitespace)
            {
                i++;
            }

            if (tokens[i].Type != TokenType.Eof)
            {
                throw new HoconParseException(file, tokens[i].Line, tokens[i].Column, $"expected end of path but found {tokens[i].Describe()}");
            }
        }

        return [.. segments];
    }

    private string ParseField(HoconObject obj, string[] objPath)
    {
        var keyTok = Peek;
        if (keyTok.Type == TokenType.Comma)
        {
            throw Error(keyTok, "expected a key but found ','");
        }

        var key = ParseKeyTokens(_t, ref _i, _file, allowTrailing: true);
        var keyText = string.Join('.', key);

        // newlines (and comments) may come between a key and its ':', '=', '+=' or '{';
        // any other token after them means the key has no value and is reported where it stands
        SkipWsNl();
        var sep = Peek;
        string[] fullPath = objPath.Length == 0 ? key : [.. objPath, .. key];
        HoconValue value;
        switch (sep.Type)
        {
            case TokenType.LBrace:
                value = ParseValue(fullPath);
                break;
            case TokenType.Colon:
            case TokenType.Equals:
                _i++;
                SkipWsNl();
                value = ParseValue(fullPath, keyText);
                break;
            case TokenType.PlusEquals:
                {
                    _i++;
                    SkipWsNl();
                    var origin = OriginOf(sep);
                    var element = ParseValue(fullPath, keyText);
                    var arr = new HoconArray(element.Origin);
                    arr.Add(element);
                    var self = new HoconSubstitution(fullPath, optional: true, 0, origin).WithPrefix(_substPrefix);
                    value = new HoconConcat([self, arr], [false, false], origin);
                    break;
                }

            default:
                throw Error(sep, $"expected '=' or ':' or '{{' after key '{keyText}' but found {sep.Describe()}");
        }

        SetPath(obj, key, value);
        return keyText;
    }

    private static bool IsValueStart(TokenType t) =>
        t is TokenType.LBrace or TokenType.LBracket or TokenType.Quoted or TokenType.TripleQuoted or TokenType.Unquoted or TokenType.SubstStart;

    private HoconValue ParseValue(string[] path, string? keyText = null)
    {
        var first = Peek;
        if (!IsValueStart(first.Type))
        {
            var what = keyText is null ? "a value" : $"a value for key '{keyText}'";
            throw Error(first, $"expected {what} but found {first.Describe()}");
        }

        HoconValue? single = null;
        List<HoconValue>? parts = null;
        List<bool>? ws = null;
        var hasSubst = false;
        while (true)
        {
            var t = Peek;
            HoconValue part;
            switch (t.Type)
            {
                case TokenType.LBrace:
                    {
                        _i++;
                        var o = new HoconObject(OriginOf(t));
                        ParseObjectBody(o, path, braced: true);
                        part = o;
                        break;
                    }

                case TokenType.LBracket:
                    part = ParseArray(path);
                    break;
                case TokenType.Quoted:
                case TokenType.TripleQuoted:
                    _i++;
                    part = HoconScalar.Str(t.Text, OriginOf(t));
                    break;
                case TokenType.Unquoted:
                    _i++;
                    part = UnquotedScalar(t);
                    break;
                case TokenType.SubstStart:
                    part = ParseSubstitution();
                    hasSubst = true;
                    break;
                case TokenType.Whitespace when IsValueStart(_t[_i + 1].Type):
                    _i++;
                    (parts, ws) = EnsureParts(single, parts, ws);
                    parts.Add(HoconScalar.Str(t.Text, OriginOf(t)));
                    ws.Add(true);
                    continue;
                default:
                    if (parts is null)
                    {
                        return single!;
                    }

                    return hasSubst
                        ? new HoconConcat(parts, ws!, parts[0].Origin)
                        : Concatenation.Evaluate(parts, ws!, parts[0].Origin);
            }

            if (single is null && parts is null)
            {
                single = part;
            }
            else
            {
                (parts, ws) = EnsureParts(single, parts, ws);
                parts.Add(part);
                ws.Add(false);
            }
        }
    }

    private static (List<HoconValue>, List<bool>) EnsureParts(HoconValue? single, List<HoconValue>? parts, List<bool>? ws)
    {
        if (parts is not null)
        {
            return (parts, ws!);
        }

        return ([single!], [false]);
    }

    private HoconScalar UnquotedScalar(in Token t)
    {
        var o = OriginOf(t);
        if (t.IsNumber)
        {
            return new HoconScalar(HoconScalarKind.Number, t.Text, o);
        }

        return t.Text switch
        {
            "true" or "false" => new HoconScalar(HoconScalarKind.Boolean, t.Text, o),
            "null" => HoconScalar.Null(o),
            _ => HoconScalar.Str(t.Text, o),
        };
    }

    private HoconSubstitution ParseSubstitution()
    {
        var start = Peek;
        _i++;
        var path = ParseKeyTokens(_t, ref _i, _file, allowTrailing: true);
        SkipWs();
        if (Peek.Type != TokenType.RBrace)
        {
            throw Error(Peek, $"expected '}}' to close substitution '${{{string.Join('.', path)}' but found {Peek.Describe()}");
        }

        _i++;
        return new HoconSubstitution(path, start.IsNumber, 0, OriginOf(start)).WithPrefix(_substPrefix);
    }

    private HoconArray ParseArray(string[] path)
    {
        var open = Peek;
        _i++;
        var arr = new HoconArray(OriginOf(open));
        while (true)
        {
            SkipWsNl();
            var t = Peek;
            if (t.Type == TokenType.RBracket)
            {
                _i++;
                return arr;
            }

            if (t.Type == TokenType.Comma)
            {
                throw Error(t, "expected a value or ']' but found ','");
            }

            if (t.Type == TokenType.Eof)
            {
                throw Error(t, "expected ']' to close the array but found end of input");
            }

            arr.Add(ParseValue(path));
            SkipWs();
            t = Peek;
            switch (t.Type)
            {
                case TokenType.Comma:
                    _i++;
                    SkipWsNl();
                    if (Peek.Type == TokenType.Comma)
                    {
                        throw Error(Peek, "expected a value or ']' but found ',' (only one comma may separate or trail elements)");
                    }

                    continue;
                case TokenType.Newline:
                case TokenType.RBracket:
                    continue;
                default:
                    throw Error(t, $"expected ',' or newline or ']' in array but found {t.Describe()}");
            }
        }
    }

    // ---- tree building ----

    internal static void SetPath(HoconObject obj, string[] key, HoconValue value)
    {
        var current = obj;
        for (var k = 0; k < key.Length - 1; k++)
        {
            var seg = key[k];
            if (current.TryGetValue(seg, out var existing))
            {
                if (existing is HoconObject eo)
                {
                    current = eo;
                    continue;
                }

                if (IsUnresolvedNode(existing))
                {
                    var nested = BuildNested(key, k + 1, value);
                    current.Set(seg, MergeParse(existing, nested));
                    return;
                }
            }

            var created = new HoconObject(value.Origin);
            current.Set(seg, created);
            current = created;
        }

        var last = key[^1];
        current.Set(last, current.TryGetValue(last, out var ex) ? MergeParse(ex, value) : value);
    }

    private static HoconObject BuildNested(string[] key, int from, HoconValue value)
    {
        var root = new HoconObject(value.Origin);
        var cur = root;
        for (var k = from; k < key.Length - 1; k++)
        {
            var o = new HoconObject(value.Origin);
            cur.Set(key[k], o);
            cur = o;
        }

        cur.Set(key[^1], value);
        return root;
    }

    internal static bool IsUnresolvedNode(HoconValue v) => v is HoconSubstitution or HoconConcat or HoconDelayedMerge;

    /// <summary>Parse-time duplicate key handling: <paramref name="newer"/> wins; objects merge in place.</summary>
    internal static HoconValue MergeParse(HoconValue existing, HoconValue newer)
    {
        if (newer is HoconObject no)
        {
            if (existing is HoconObject eo)
            {
                MergeObjectInPlace(eo, no);
                return eo;
            }

            if (existing is HoconDelayedMerge dm && dm.Layers[0] is HoconObject top)
            {
                MergeObjectInPlace(top, no);
                return dm;
            }

            if (IsUnresolvedNode(existing))
            {
                return Stack(newer, existing);
            }

            return newer;
        }

        if (IsUnresolvedNode(newer) || (newer is HoconArray a && !a.IsResolved))
        {
            return Stack(newer, existing);
        }

        return newer;
    }

    internal static HoconDelayedMerge Stack(HoconValue top, HoconValue below)
    {
        var layers = new List<HoconValue>();
        if (top is HoconDelayedMerge td)
        {
            layers.AddRange(td.Layers);
        }
        else
        {
            layers.Add(top);
        }

        if (below is HoconDelayedMerge bd)
        {
            layers.AddRange(bd.Layers);
        }
        else
        {
            layers.Add(below);
        }

        return new HoconDelayedMerge(layers, top.Origin);
    }

    internal static void MergeObjectInPlace(HoconObject target, HoconObject newer)
    {
        foreach (var k in newer.Keys)
        {
            var v = newer[k];
            target.Set(k, target.TryGetValue(k, out var ex) ? MergeParse(ex, v) : v);
        }
    }

    // ---- includes ----

    private void ParseInclude(HoconObject obj, string[] objPath)
    {
        var kw = Peek;
        _i++;
        SkipWsNl();
        var t = Peek;
        var required = false;
        var kind = IncludeKind.Heuristic;
        var opens = 0;
        while (t.Type == TokenType.Unquoted)
        {
            var text = t.Text;
            var pos = 0;
            while (pos < text.Length)
            {
                var paren = text.IndexOf('(', pos);
                if (paren < 0)
                {
                    throw Error(t, $"expected '(' after include qualifier but found '{text[pos..]}'");
                }

                var word = text[pos..paren];
                switch (word)
                {
                    case "required" when !required && opens == 0:
                        required = true;
                        break;
                    case "file" when kind == IncludeKind.Heuristic:
                        kind = IncludeKind.File;
                        break;
                    case "url" when kind == IncludeKind.Heuristic:
                        kind = IncludeKind.Url;
                        break;
                    case "classpath" when kind == IncludeKind.Heuristic:
                        kind = IncludeKind.Classpath;
                        break;
                    default:
                        throw Error(t, $"expected required(, file(, url( or classpath( after include but found '{word}('");
                }

                opens++;
                pos = paren + 1;
            }

            _i++;
            SkipWs();
            t = Peek;
        }

        if (t.Type != TokenType.Quoted)
        {
            throw Error(t, $"expected a quoted file name after include but found {t.Describe()}");
        }

        var name = t.Text;
        _i++;
        var closes = 0;
        while (closes < opens)
        {
            SkipWs();
            var c = Peek;
            if (c.Type != TokenType.Unquoted || c.Text.Trim(')').Length != 0)
            {
                throw Error(c, $"expected ')' to close include but found {c.Describe()}");
            }

            closes += c.Text.Length;
            _i++;
        }

        if (closes != opens)
        {
            throw Error(t, "expected matching ')' in include but found too many");
        }

        string[] prefix = objPath.Length == 0 ? _substPrefix : [.. _substPrefix, .. objPath];
        var included = _inc.Load(new IncludeRequest(kind, name, required, OriginOf(kw)), prefix);
        if (included is null)
        {
            return;
        }

        foreach (var k in included.Keys)
        {
            var v = included[k];
            obj.Set(k, obj.TryGetValue(k, out var ex) ? MergeParse(ex, v) : v);
        }
    }
}

internal enum IncludeKind
{
    Heuristic,
    File,
    Url,
    Classpath,
}

internal readonly record struct IncludeRequest(IncludeKind Kind, string Name, bool Required, ConfigOrigin Origin);
