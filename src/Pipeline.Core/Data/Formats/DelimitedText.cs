using System.Text;

namespace Pipeline.Data.Formats;

/// <summary>One record of a delimited file and the 1-based line it starts on (for error messages).</summary>
public sealed record TextRecord(int Line, string[] Fields);

/// <summary>
/// Readers for the two delimited dialects the loaders need. Blank lines are skipped in both (trailing newlines
/// are common and carry nothing); a UTF-8 byte-order mark is dropped (the pattern corpora start with one).
/// </summary>
public static class DelimitedText
{
    /// <summary>
    /// RFC 4180 CSV: a field that starts with a quote runs to the matching quote, may contain the delimiter and
    /// line breaks (MR polarity's sentences end with one), and writes a quote as "". Unquoted fields are taken as they are.
    /// </summary>
    public static IEnumerable<TextRecord> ReadCsv(string path, char delimiter = ',')
    {
        string text = ReadText(path);
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1, i = 0;
        bool atFieldStart = true;

        while (i < text.Length)
        {
            char c = text[i];
            if (atFieldStart && c == '"')
            {
                int quoteLine = line;
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new InvalidDataException($"{path}:{quoteLine}: a quoted field is never closed (missing '\"')");
                    char q = text[i];
                    if (q == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    if (q == '\n') line++;
                    field.Append(q);
                    i++;
                }
                if (i < text.Length && text[i] != delimiter && text[i] != '\n' && text[i] != '\r')
                {
                    throw new InvalidDataException($"{path}:{line}: unexpected '{text[i]}' after a closing quote; a quote inside a quoted field is written \"\"");
                }
                atFieldStart = false;
                continue;
            }
            if (c == delimiter)
            {
                fields.Add(field.ToString());
                field.Clear();
                atFieldStart = true;
                i++;
                continue;
            }
            if (c == '\r' || c == '\n')
            {
                i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                if (fields.Count > 0 || field.Length > 0 || !atFieldStart) yield return new TextRecord(recordLine, [.. fields, field.ToString()]);
                fields.Clear();
                field.Clear();
                atFieldStart = true;
                line++;
                recordLine = line;
                continue;
            }
            field.Append(c);
            atFieldStart = false;
            i++;
        }
        if (fields.Count > 0 || field.Length > 0 || !atFieldStart) yield return new TextRecord(recordLine, [.. fields, field.ToString()]);
    }

    /// <summary>
    /// GLUE's TSV: one record per line, fields split on tabs, no quoting at all — GLUE's files are written that way
    /// (SST-2 sentences contain bare quotes), so quote handling would corrupt them.
    /// </summary>
    public static IEnumerable<TextRecord> ReadTsv(string path)
    {
        using var reader = new StringReader(ReadText(path));
        int line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0) continue;
            yield return new TextRecord(line, text.Split('\t'));
        }
    }

    /// <summary>The whole file as text; a missing file is reported by path with what to check.</summary>
    public static string ReadText(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        // UTF-8 unless a BOM says otherwise; the BOM itself is not part of the first field.
        return File.ReadAllText(path, Encoding.UTF8);
    }
}
