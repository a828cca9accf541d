namespace Pipeline.Data.Formats;

/// <summary>
/// The E2E NLG challenge's CSV (Novikova et al. 2017): a header naming <c>mr</c> and <c>ref</c> (any case, other
/// columns allowed, as in the cleaned E2E), then one row per (meaning representation, human reference). The rows of
/// one <c>mr</c> are one input: its prompt is <see cref="DataToText.Prompt"/> of the mr, training learns the first
/// reference, evaluation scores against all of them (each once, in file order). Grouped by prompt.
/// </summary>
public static class E2eCsvLoader
{
    public const string MrColumn = "mr", RefColumn = "ref";

    public static List<RawExample> Read(string file)
    {
        var records = DelimitedText.ReadCsv(file).ToList();
        if (records.Count == 0) throw new InvalidDataException($"{file}: the file is empty; expected a header naming the columns {MrColumn} and {RefColumn}");
        var header = records[0];
        int mr = Column(file, header, MrColumn, "");
        int reference = Column(file, header, RefColumn,
            "; e2e_csv needs the references to learn and score texts (the E2E test set without them, testset.csv, cannot be used: take testset_w_refs.csv)");

        // One input per distinct mr, in order of first appearance; its line is the line of its first row.
        var inputs = new Dictionary<string, (int Line, List<string> References)>(StringComparer.Ordinal);
        foreach (var row in records.Skip(1))
        {
            if (row.Fields.Length != header.Fields.Length)
                throw new InvalidDataException($"{file}:{row.Line}: expected {header.Fields.Length} columns as in the header, found {row.Fields.Length}");
            string meaning = row.Fields[mr].Trim(), text = row.Fields[reference].Trim();
            if (meaning.Length == 0) throw new InvalidDataException($"{file}:{row.Line}: empty {MrColumn} (the meaning representation)");
            if (text.Length == 0) throw new InvalidDataException($"{file}:{row.Line}: empty {RefColumn} (the reference text for mr '{meaning}')");
            if (!inputs.TryGetValue(meaning, out var input)) inputs[meaning] = input = (row.Line, []);
            string target = DataToText.Target(text);
            if (!input.References.Contains(target)) input.References.Add(target);
        }
        if (inputs.Count == 0) throw new InvalidDataException($"{file}: no examples after the header");

        return inputs.Select(pair =>
        {
            string prompt = DataToText.Prompt(pair.Key);
            return new RawExample(file, pair.Value.Line, prompt, null, pair.Value.References[0], prompt) { References = pair.Value.References };
        }).ToList();
    }

    static int Column(string file, TextRecord header, string name, string hint)
    {
        int index = Array.FindIndex(header.Fields, f => string.Equals(f.Trim(), name, StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? index
            : throw new InvalidDataException($"{file}:{header.Line}: no column '{name}' in the header; found: {string.Join(", ", header.Fields)}{hint}");
    }
}
