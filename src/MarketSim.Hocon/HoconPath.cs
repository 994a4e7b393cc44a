using System.Text;

namespace MarketSim.Hocon;

/// <summary>HOCON path expressions: <c>a.b."c.d"</c>.</summary>
public static class HoconPath
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string[]> Cache = new(StringComparer.Ordinal);

    /// <summary>Splits a path expression into keys; throws <see cref="ConfigException"/> when it is malformed.</summary>
    public static string[] Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Cache.TryGetValue(path, out var cached))
        {
            return cached;
        }

        string[] result;
        try
        {
            var lexer = new Lexer(path, "<path>");
            var tokens = lexer.Tokenize();
            var i = 0;
            result = Parser.ParseKeyTokens(tokens, ref i, "<path>", allowTrailing: false);
        }
        catch (HoconParseException e)
        {
            throw new ConfigException($"invalid path '{path}': {e.Detail}", null, path);
        }

        if (Cache.Count < 4096)
        {
            Cache[path] = result;
        }

        return result;
    }

    /// <summary>Renders keys as a path expression, quoting keys that need it.</summary>
    public static string Render(IReadOnlyList<string> keys)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < keys.Count; i++)
        {
            if (i > 0)
            {
                sb.Append('.');
            }

            sb.Append(RenderKey(keys[i], forPath: true));
        }

        return sb.ToString();
    }

    internal static string RenderKey(string key, bool forPath)
    {
        if (key.Length == 0 || NeedsQuote(key, forPath))
        {
            return Renderer.Quote(key);
        }

        return key;
    }

    private static bool NeedsQuote(string key, bool forPath)
    {
        if (key is "include" or "true" or "false" or "null")
        {
            return true;
        }

        foreach (var c in key)
        {
            if (c == '.' && forPath)
            {
                return true;
            }

            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-' || (c == '.' && !forPath)))
            {
                return true;
            }
        }

        // keys beginning with a digit or '-' could lex as numbers; quoting is always safe
        return char.IsAsciiDigit(key[0]) || key[0] == '-';
    }
}
