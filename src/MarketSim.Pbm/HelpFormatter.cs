using System.Text;

namespace MarketSim.Pbm;

/// <summary>Renders <c>help</c> from the palettes a host registered (the client does it from the downloaded list).</summary>
public static class HelpFormatter
{
    /// <summary>The help text, one palette after another in registration order.</summary>
    public static IReadOnlyList<string> Render(IReadOnlyList<PaletteInfo> palettes)
    {
        var lines = new List<string>
        {
            "Usage: <palette> <command> [-switch value]...",
            "",
            "  help",
            "      List the palettes and commands this node offers.",
        };
        foreach (var p in palettes)
        {
            lines.Add("");
            lines.Add($"{p.Name}: {p.Description}");
            foreach (var c in p.Commands)
            {
                lines.Add("  " + Synopsis(p.Name, c));
                lines.Add("      " + c.Description);
                foreach (var a in c.Arguments)
                {
                    var sb = new StringBuilder("      ");
                    sb.Append(a.Switches.Count > 0 ? string.Join("|", a.Switches) : a.Name.ToUpperInvariant());
                    if (!a.IsFlag && a.Switches.Count > 0)
                    {
                        sb.Append(' ').Append(a.Name.ToUpperInvariant());
                    }

                    sb.Append("  ").Append(a.Description);
                    if (a.Mandatory)
                    {
                        sb.Append(" (required)");
                    }
                    else if (a.DefaultValues is { Count: > 0 } d)
                    {
                        sb.Append(" (default: ").Append(string.Join(", ", d)).Append(')');
                    }

                    lines.Add(sb.ToString());
                }
            }
        }

        return lines;
    }

    /// <summary><c>palette command ARG [-s SCOPE] [-f]</c>.</summary>
    public static string Synopsis(string palette, CommandDefinition c)
    {
        var sb = new StringBuilder(palette).Append(' ').Append(c.Name);
        foreach (var a in c.Arguments)
        {
            var name = a.Name.ToUpperInvariant();
            var text = a.IsFlag ? a.Switches[0]
                : a.Positional ? name
                : $"{a.Switches[0]} {name}";
            sb.Append(' ').Append(a.Mandatory ? text : "[" + text + "]");
        }

        return sb.ToString();
    }
}
