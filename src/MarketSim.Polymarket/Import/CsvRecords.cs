using System.Text;

namespace MarketSim.Polymarket.Import;

/// <summary>
/// A small RFC 4180 reader (quoted fields, doubled quotes, line breaks inside quotes) that keeps the 1-based line
/// where each record starts, so errors can name <c>file:line</c>. An unterminated quote or a stray character after
/// a closing quote throws <see cref="InvalidDataException"/>.
/// </summary>
internal static class CsvRecords
{
    public static IEnumerable<(int Line, string[] Fields)> Read(TextReader reader, string name)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var line = 1;
        var fields = new List<string>();
        var sb = new StringBuilder();
        var start = 1;
        var inQuotes = false;
        var afterQuote = false;
        var any = false;
        int ch;
        while ((ch = reader.Read()) >= 0)
        {
            var c = (char)ch;
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        sb.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                        afterQuote = true;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }

                    sb.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when sb.Length == 0 && !afterQuote:
                    inQuotes = true;
                    any = true;
                    break;
                case ',':
                    fields.Add(sb.ToString());
                    sb.Clear();
                    afterQuote = false;
                    any = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    if (any || sb.Length > 0)
                    {
                        fields.Add(sb.ToString());
                        yield return (start, fields.ToArray());
                    }

                    fields.Clear();
                    sb.Clear();
                    afterQuote = false;
                    any = false;
                    line++;
                    start = line;
                    break;
                default:
                    if (afterQuote)
                    {
                        throw new InvalidDataException($"{name}:{line}: character '{c}' after a closing quote");
                    }

                    sb.Append(c);
                    any = true;
                    break;
            }
        }

        if (inQuotes)
        {
            throw new InvalidDataException($"{name}:{start}: unterminated quoted field");
        }

        if (any || sb.Length > 0)
        {
            fields.Add(sb.ToString());
            yield return (start, fields.ToArray());
        }
    }
}
