namespace Pipeline.Data.Formats;

/// <summary>
/// Reads a GLUE task folder. Only <c>train.tsv</c> and <c>dev.tsv</c> are read: GLUE's <c>test.tsv</c> has no
/// labels (scores come from the GLUE server), so the dev set doubles as the test set — what the paper reports
/// (PAPER.md: "the dev sets are presumably used"). See <see cref="SplitMaker.Given"/>.
/// </summary>
public static class GlueLoader
{
    public static (List<RawExample> Train, List<RawExample> Dev) Read(GlueLayout layout, string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{folder}: folder not found; for format '{layout.Format}' the path is the GLUE {layout.Task} folder holding train.tsv and dev.tsv");
        }
        return (ReadFile(layout, Path.Combine(folder, "train.tsv")), ReadFile(layout, Path.Combine(folder, "dev.tsv")));
    }

    public static List<RawExample> ReadFile(GlueLayout layout, string file)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: file not found ({layout.Describe()})", file);
        var records = DelimitedText.ReadTsv(file).ToList();
        if (records.Count == 0) throw new InvalidDataException($"{file}: the file is empty ({layout.Describe()})");

        int columns, text, label;
        int? pair = null;
        IEnumerable<TextRecord> rows = records;
        if (layout.Header is null)
        {
            columns = GlueLayout.ColaColumns;
            text = int.Parse(layout.Text);
            label = int.Parse(layout.Label);
        }
        else
        {
            var header = records[0];
            var missing = layout.Header.Where(h => !header.Fields.Contains(h)).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidDataException(
                    $"{file}:{header.Line}: the header lacks {string.Join(", ", missing)}; expected the {layout.Describe()}; found: {string.Join(", ", header.Fields)}");
            }
            columns = header.Fields.Length;
            text = Array.IndexOf(header.Fields, layout.Text);
            label = Array.IndexOf(header.Fields, layout.Label);
            if (layout.Pair is not null) pair = Array.IndexOf(header.Fields, layout.Pair);
            rows = records.Skip(1);
        }

        var examples = new List<RawExample>();
        foreach (var row in rows)
        {
            if (row.Fields.Length != columns)
            {
                throw new InvalidDataException(
                    $"{file}:{row.Line}: expected {columns} tab-separated columns, found {row.Fields.Length} ({layout.Describe()})");
            }
            string first = row.Fields[text];
            string? second = pair is { } p ? row.Fields[p] : null;
            // The group key matters only for subsampling here (the files fix the splits); the texts identify an example.
            examples.Add(new RawExample(file, row.Line, first, second, row.Fields[label].Trim(), second is null ? first : first + "\t" + second));
        }
        if (examples.Count == 0) throw new InvalidDataException($"{file}: no examples after the header ({layout.Describe()})");
        return examples;
    }
}
