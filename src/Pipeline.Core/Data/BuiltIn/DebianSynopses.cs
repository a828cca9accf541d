using System.Text.Json;

namespace Pipeline.Data.BuiltIn;

/// <summary>
/// Debian package long description → its one-line synopsis: a small real prompt → target set for causal-LM
/// fine-tuning, from the same frozen apt snapshot as <see cref="DebianSections"/> (the 8 topical sections of
/// bookworm main). The prompt is the long description followed by <c>"\nSummary:"</c>; the target is the synopsis
/// with a leading space, as a GPT-2-style tokenizer spells a word after a colon. Grouped by source package.
/// </summary>
public sealed class DebianSynopses : BuiltInDataset
{
    /// <summary>What ends every prompt: the cue that the synopsis comes next.</summary>
    public const string Cue = "\nSummary:";

    public static DebianSynopses Instance { get; } = new()
    {
        Name = DatasetCatalog.DebianSynopsesName,
        Description = "Debian package long description → its synopsis (prompt → target; 8 topical sections of bookworm main)",
        Kind = TaskKind.Generation,
        Labels = [],
        Source = DebianSections.Instance.Source,
        License = DebianSections.Instance.License,
        Version = DebianSections.Instance.Version,
        GroupKey = "source-package",
        ExpectedExamples = null,
        Files = DebianSections.Instance.Files,
    };

    public override IReadOnlyDictionary<string, string>? Fetch(FetchContext context, string folder) => DebianSections.Instance.Fetch(context, folder);

    /// <summary>Packages whose description has a long part; one without (synopsis only) has nothing to summarise.</summary>
    public override List<RawExample> Read(string folder)
    {
        string file = Path.Combine(folder, DebianSections.Instance.Files[0].Path);
        var rows = new List<RawExample>();
        int line = 0;
        foreach (var text in File.ReadLines(file))
        {
            line++;
            using var row = JsonDocument.Parse(text);
            string description = row.RootElement.GetProperty("text").GetString()!;
            string source = row.RootElement.GetProperty("source").GetString()!;
            int split = description.IndexOf('\n');
            if (split < 0 || string.IsNullOrWhiteSpace(description[split..])) continue;
            string synopsis = description[..split].Trim(), body = description[(split + 1)..].Trim();
            rows.Add(new RawExample(file, line, body + Cue, null, " " + synopsis, source));
        }
        return rows;
    }
}
