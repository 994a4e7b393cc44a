using System.Text;

namespace MarketSim.Simulation.Parity;

/// <summary>Text encodings of a parity row for language-model forecasters (parity.md §2).</summary>
public enum ParityEncoding
{
    /// <summary>One sentence per bit, "Bit i is +1." / "Bit i is -1.", joined by spaces (default).</summary>
    Natural,

    /// <summary>"Bits: " then 1 (+1) or 0 (−1) separated by spaces.</summary>
    Plain,
}

/// <summary>Renders a parity row as text for language-model forecasters.</summary>
internal static class ParityText
{
    public static string Encode(ReadOnlySpan<sbyte> z, ParityEncoding encoding = ParityEncoding.Natural)
    {
        var sb = new StringBuilder();
        if (encoding == ParityEncoding.Plain)
        {
            sb.Append("Bits:");
            foreach (var v in z)
            {
                sb.Append(' ').Append(v > 0 ? '1' : '0');
            }

            return sb.ToString();
        }

        for (var i = 0; i < z.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }

            sb.Append("Bit ").Append(i).Append(z[i] > 0 ? " is +1." : " is -1.");
        }

        return sb.ToString();
    }

    /// <summary>Parses "natural" or "plain" (case-insensitive).</summary>
    public static ParityEncoding ParseEncoding(string name) => name.ToLowerInvariant() switch
    {
        "natural" => ParityEncoding.Natural,
        "plain" => ParityEncoding.Plain,
        _ => throw new ArgumentException($"unknown encoding '{name}' (expected natural or plain)", nameof(name)),
    };
}
