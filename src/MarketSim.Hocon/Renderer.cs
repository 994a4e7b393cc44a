using System.Globalization;
using System.Text;

namespace MarketSim.Hocon;

/// <summary>Renders resolved trees as JSON or HOCON.</summary>
internal static class Renderer
{
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        AppendQuoted(sb, s);
        return sb.ToString();
    }

    public static void AppendQuoted(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || c == '\u2028' || c == '\u2029' || c == '\uFEFF')
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    /// <summary>A number's text as valid JSON (HOCON allows e.g. leading zeros).</summary>
    public static string JsonNumber(string text)
    {
        var t = text.AsSpan();
        var i = 0;
        if (i < t.Length && t[i] == '-')
        {
            i++;
        }

        var leadingZero = i + 1 < t.Length && t[i] == '0' && char.IsAsciiDigit(t[i + 1]);
        if (!leadingZero)
        {
            return text;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return l.ToString(CultureInfo.InvariantCulture);
        }

        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture);
    }

    public static string ToJson(HoconValue value, bool indented)
    {
        var sb = new StringBuilder();
        WriteJson(sb, value, indented, 0);
        return sb.ToString();
    }

    private static void Indent(StringBuilder sb, int level) => sb.Append(' ', level * 2);

    private static void WriteJson(StringBuilder sb, HoconValue value, bool indented, int level)
    {
        switch (value)
        {
            case HoconScalar s:
                WriteScalar(sb, s, json: true);
                break;
            case HoconObject o:
                if (o.Count == 0)
                {
                    sb.Append("{}");
                    break;
                }

                sb.Append('{');
                var first = true;
                foreach (var k in o.Keys)
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }

                    first = false;
                    if (indented)
                    {
                        sb.Append('\n');
                        Indent(sb, level + 1);
                    }

                    AppendQuoted(sb, k);
                    sb.Append(indented ? ": " : ":");
                    WriteJson(sb, o[k], indented, level + 1);
                }

                if (indented)
                {
                    sb.Append('\n');
                    Indent(sb, level);
                }

                sb.Append('}');
                break;
            case HoconArray a:
                if (a.Count == 0)
                {
                    sb.Append("[]");
                    break;
                }

                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    if (indented)
                    {
                        sb.Append('\n');
                        Indent(sb, level + 1);
                    }

                    WriteJson(sb, a.Items[i], indented, level + 1);
                }

                if (indented)
                {
                    sb.Append('\n');
                    Indent(sb, level);
                }

                sb.Append(']');
                break;
            default:
                throw new InvalidOperationException("cannot render an unresolved value");
        }
    }

    private static void WriteScalar(StringBuilder sb, HoconScalar s, bool json)
    {
        switch (s.Kind)
        {
            case HoconScalarKind.String:
                AppendQuoted(sb, s.Text);
                break;
            case HoconScalarKind.Number:
                sb.Append(json ? JsonNumber(s.Text) : s.Text);
                break;
            default:
                sb.Append(s.Text);
                break;
        }
    }

    public static string ToHocon(HoconObject root)
    {
        var sb = new StringBuilder();
        WriteFields(sb, root, 0);
        return sb.ToString();
    }

    private static void WriteFields(StringBuilder sb, HoconObject o, int level)
    {
        foreach (var k in o.Keys)
        {
            Indent(sb, level);
            sb.Append(HoconPath.RenderKey(k, forPath: true));
            var v = o[k];
            if (v is HoconObject)
            {
                sb.Append(' ');
            }
            else
            {
                sb.Append(" = ");
            }

            WriteHocon(sb, v, level);
            sb.Append('\n');
        }
    }

    private static void WriteHocon(StringBuilder sb, HoconValue value, int level)
    {
        switch (value)
        {
            case HoconScalar s:
                WriteScalar(sb, s, json: false);
                break;
            case HoconObject o:
                if (o.Count == 0)
                {
                    sb.Append("{}");
                    break;
                }

                sb.Append("{\n");
                WriteFields(sb, o, level + 1);
                Indent(sb, level);
                sb.Append('}');
                break;
            case HoconArray a:
                if (a.Count == 0)
                {
                    sb.Append("[]");
                    break;
                }

                var simple = a.Items.All(i => i is HoconScalar);
                if (simple)
                {
                    sb.Append('[');
                    for (var i = 0; i < a.Count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(", ");
                        }

                        WriteHocon(sb, a.Items[i], level);
                    }

                    sb.Append(']');
                    break;
                }

                sb.Append("[\n");
                for (var i = 0; i < a.Count; i++)
                {
                    Indent(sb, level + 1);
                    WriteHocon(sb, a.Items[i], level + 1);
                    sb.Append(i < a.Count - 1 ? ",\n" : "\n");
                }

                Indent(sb, level);
                sb.Append(']');
                break;
            default:
                throw new InvalidOperationException("cannot render an unresolved value");
        }
    }
}
