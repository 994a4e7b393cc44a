using System.Text;

namespace MarketSim.Polymarket.Baselines;

/// <summary>
/// Hashed word n-gram features of a text (docs/marketmaker.md): lower-cased (invariant culture) words — maximal
/// runs of letters or digits — as unigrams "w" and bigrams "w1 w2", each hashed with 32-bit FNV-1a over its UTF-8
/// bytes (prefixed "1:" / "2:") into 2^bits buckets. A bucket present is 1 (counts are not kept); the vector is
/// L2-normalised. Stable across processes and machines (no string.GetHashCode).
/// </summary>
public static class TextFeatures
{
    /// <summary>A sparse vector: sorted distinct bucket indices and their values.</summary>
    public readonly record struct Sparse(int[] Indices, double[] Values);

    /// <summary>The lower-cased words of a text, in order.</summary>
    public static IReadOnlyList<string> Words(string? text)
    {
        var words = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            return words;
        }

        var sb = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                sb.Append(Rune.ToLowerInvariant(rune).ToString());
            }
            else if (sb.Length > 0)
            {
                words.Add(sb.ToString());
                sb.Clear();
            }
        }

        if (sb.Length > 0)
        {
            words.Add(sb.ToString());
        }

        return words;
    }

    /// <summary>32-bit FNV-1a of the UTF-8 bytes of <paramref name="s"/>.</summary>
    public static uint Fnv1a(string s)
    {
        uint h = 2166136261;
        foreach (byte x in Encoding.UTF8.GetBytes(s))
        {
            h ^= x;
            h *= 16777619;
        }

        return h;
    }

    /// <summary>The L2-normalised binary vector of the text's hashed 1-grams (and 2-grams when <paramref name="bigrams"/>).</summary>
    public static Sparse Featurize(string? text, int hashBits = 18, bool bigrams = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hashBits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hashBits, 30);
        uint mask = (1u << hashBits) - 1;
        var words = Words(text);
        var set = new SortedSet<int>();
        for (int i = 0; i < words.Count; i++)
        {
            set.Add((int)(Fnv1a("1:" + words[i]) & mask));
            if (bigrams && i + 1 < words.Count)
            {
                set.Add((int)(Fnv1a("2:" + words[i] + " " + words[i + 1]) & mask));
            }
        }

        var idx = set.ToArray();
        var val = new double[idx.Length];
        if (idx.Length > 0)
        {
            Array.Fill(val, 1.0 / Math.Sqrt(idx.Length));
        }

        return new Sparse(idx, val);
    }
}
