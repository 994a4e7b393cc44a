using System.Globalization;
using System.Text;
using MarketSim.Polymarket.Dataset;

namespace MarketSim.Polymarket.Criteria;

/// <summary>
/// Price histories on disk (docs/polymarket.md): a folder with one CSV per CLOB token, <c>&lt;token_id&gt;.csv</c>,
/// header <c>t,p</c>, t in unix seconds (int64), p the token's price (invariant culture, round-trip format),
/// sorted by t with duplicate t removed (the first point of a duplicated t is kept).
/// </summary>
public static class PriceHistoryFiles
{
    internal const string Header = "t,p";

    /// <summary>The file of <paramref name="tokenId"/> under <paramref name="dir"/>.</summary>
    public static string PathOf(string dir, string tokenId)
    {
        ArgumentNullException.ThrowIfNull(tokenId);
        if (tokenId.Length == 0 || tokenId.Any(c => !char.IsAsciiDigit(c)))
        {
            throw new ArgumentException($"token id '{tokenId}' is not a decimal string", nameof(tokenId));
        }

        return Path.Combine(dir, tokenId + ".csv");
    }

    /// <summary>Whether <paramref name="dir"/> holds a history for <paramref name="tokenId"/>.</summary>
    public static bool Exists(string dir, string tokenId) => File.Exists(PathOf(dir, tokenId));

    /// <summary>Sorts by t, removes duplicate t (first kept), writes <c>&lt;dir&gt;/&lt;tokenId&gt;.csv</c> atomically; returns its path.</summary>
    public static string Write(string dir, string tokenId, IEnumerable<PricePoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var path = PathOf(dir, tokenId);
        Directory.CreateDirectory(dir);
        var clean = Normalize(points);
        var sb = new StringBuilder(Header.Length + 1 + (clean.Count * 24));
        sb.Append(Header).Append('\n');
        foreach (var pt in clean)
        {
            if (!double.IsFinite(pt.P))
            {
                throw new ArgumentException($"token {tokenId}: price at t={pt.T} is not finite", nameof(points));
            }

            sb.Append(pt.T.ToString(CultureInfo.InvariantCulture)).Append(',').Append(pt.P.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        var tmp = path + ".tmp";
        File.WriteAllText(tmp, sb.ToString());
        File.Move(tmp, path, overwrite: true);
        return path;
    }

    /// <summary>Sorted by t (stable), duplicate t removed keeping the first.</summary>
    public static List<PricePoint> Normalize(IEnumerable<PricePoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var sorted = points.Select((p, i) => (p, i)).OrderBy(x => x.p.T).ThenBy(x => x.i).Select(x => x.p);
        var result = new List<PricePoint>();
        foreach (var p in sorted)
        {
            if (result.Count == 0 || result[^1].T != p.T)
            {
                result.Add(p);
            }
        }

        return result;
    }

    /// <summary>Reads the history of <paramref name="tokenId"/>, or null when the folder has no file for it.</summary>
    public static IReadOnlyList<PricePoint>? TryRead(string dir, string tokenId)
    {
        var path = PathOf(dir, tokenId);
        return File.Exists(path) ? Read(path) : null;
    }

    /// <summary>
    /// Reads one history file. A missing header, a malformed line, a price outside [0, 1] or t out of order
    /// throws <see cref="InvalidDataException"/> naming <c>file:line</c>.
    /// </summary>
    public static IReadOnlyList<PricePoint> Read(string path)
    {
        var result = new List<PricePoint>();
        using var reader = new StreamReader(path);
        var header = reader.ReadLine();
        if (header is null || header.Trim().TrimStart('\uFEFF') != Header)
        {
            throw new InvalidDataException($"{path}:1: expected header '{Header}', found '{header}'");
        }

        var lineNo = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }

            var comma = line.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || line.IndexOf(',', comma + 1) >= 0)
            {
                throw new InvalidDataException($"{path}:{lineNo}: expected two fields t,p, found '{line}'");
            }

            if (!long.TryParse(line.AsSpan(0, comma), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var t))
            {
                throw new InvalidDataException($"{path}:{lineNo}: t '{line[..comma]}' is not an integer (unix seconds)");
            }

            if (!double.TryParse(line.AsSpan(comma + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var p) || !(p >= 0 && p <= 1))
            {
                throw new InvalidDataException($"{path}:{lineNo}: p '{line[(comma + 1)..]}' is not a price in [0, 1]");
            }

            if (result.Count > 0 && t <= result[^1].T)
            {
                throw new InvalidDataException($"{path}:{lineNo}: t {t} is not after the previous t {result[^1].T} (files are sorted, duplicate t removed)");
            }

            result.Add(new PricePoint(t, p));
        }

        return result;
    }
}
