namespace MarketSim.Simulation.Summary;

/// <summary>Plain aligned text tables: first column left-aligned, the others right-aligned, two spaces apart.</summary>
public static class TextTable
{
    /// <summary>Writes <paramref name="headers"/> and <paramref name="rows"/> as an aligned table.</summary>
    public static void Write(TextWriter output, IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var widths = new int[headers.Count];
        for (var c = 0; c < headers.Count; c++)
        {
            widths[c] = Math.Max(headers[c].Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length));
        }

        string Line(IReadOnlyList<string> cells) =>
            string.Join("  ", cells.Select((x, c) => c == 0 ? x.PadRight(widths[c]) : x.PadLeft(widths[c]))).TrimEnd();

        output.WriteLine(Line(headers));
        foreach (var row in rows)
        {
            output.WriteLine(Line(row));
        }
    }
}
