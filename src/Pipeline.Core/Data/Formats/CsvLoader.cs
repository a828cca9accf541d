namespace Pipeline.Data.Formats;

/// <summary>
/// Reads a CSV file (RFC 4180 quoting) with the columns named in <see cref="DataOptions"/>: by header name, or by
/// 0-based index when the file has no header.
/// </summary>
public static class CsvLoader
{
    public static List<RawExample> Read(string file, DataOptions options)
    {
        var records = DelimitedText.ReadCsv(file, options.Delimiter).ToList();
        if (records.Count == 0) throw new InvalidDataException($"{file}: the file is empty");

        IReadOnlyList<string>? header = options.HasHeader ? records[0].Fields : null;
        int headerLine = records[0].Line;
        int text = Column(file, headerLine, header, options.TextColumn, "text");
        int label = Column(file, headerLine, header, options.LabelColumn, "label");
        int? pair = options.PairColumn is null ? null : Column(file, headerLine, header, options.PairColumn, "pair");
        int? group = options.GroupColumn is null ? null : Column(file, headerLine, header, options.GroupColumn, "group");
        int needed = new[] { text, label, pair ?? 0, group ?? 0 }.Max() + 1;
        int? expected = header?.Count;

        var examples = new List<RawExample>();
        foreach (var row in options.HasHeader ? records.Skip(1) : records)
        {
            // With a header every row must match it; without one, a row must at least reach the columns used.
            if (expected is { } count ? row.Fields.Length != count : row.Fields.Length < needed)
            {
                string want = expected is { } c ? $"{c} columns as in the header" : $"at least {needed} columns";
                throw new InvalidDataException($"{file}:{row.Line}: expected {want}, found {row.Fields.Length}");
            }
            string first = row.Fields[text];
            string? second = pair is { } p ? row.Fields[p] : null;
            string key = group is { } g ? row.Fields[g] : second is null ? first : first + "\t" + second;
            examples.Add(new RawExample(file, row.Line, first, second, row.Fields[label].Trim(), key));
        }
        if (examples.Count == 0) throw new InvalidDataException($"{file}: no examples{(options.HasHeader ? " after the header" : "")}");
        return examples;
    }

    static int Column(string file, int headerLine, IReadOnlyList<string>? header, string column, string role)
    {
        if (header is null)
        {
            if (int.TryParse(column, out int index) && index >= 0) return index;
            throw new ArgumentException($"{file}: the {role} column '{column}' must be a 0-based column number, because the file has no header (has_header: false)");
        }
        for (int i = 0; i < header.Count; i++)
        {
            if (header[i].Trim() == column) return i;
        }
        throw new InvalidDataException($"{file}:{headerLine}: no {role} column '{column}' in the header; found: {string.Join(", ", header)}");
    }
}
