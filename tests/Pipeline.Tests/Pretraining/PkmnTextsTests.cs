using System.Text.Json;
using Pipeline.Data.BuiltIn;
using Pipeline.Pretraining;

namespace Pipeline.Tests.Pretraining;

/// <summary>The Pokémon texts of the cpu-pkmn pretraining mix, read from a small source map written here.</summary>
public class PkmnTextsTests
{
    static string WriteSourceMap(TestPaths.TempDir dir, string abilities, string items, string moves)
    {
        string file = Path.Combine(dir.Path, PkmnMoves.SourceMap);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, JsonSerializer.Serialize(new
        {
            version = 3,
            sources = new[] { "/build/index.js", "../data/abilities.json", "../data/items.json", "../data/moves.json" },
            sourcesContent = new[] { null, abilities, items, moves },
        }));
        return file;
    }

    [Fact]
    public void Ability_and_item_descriptions_of_every_generation_are_read_once_each_without_any_move_text()
    {
        using var dir = new TestPaths.TempDir();
        WriteSourceMap(dir,
            abilities: """{"8": {"blaze": {"inherit": true, "shortDesc": "Fire moves get 1.5x power at low HP."}}, "9": {"blaze": {"name": "Blaze", "desc": "  When this Pokemon has 1/3 or less of its maximum HP, its Fire-type moves have 1.5x power. ", "shortDesc": "At 1/3 or less of its max HP, this Pokemon's Fire-type moves have 1.5x power."}, "noability": {"shortDesc": "No competitive use."}, "gone": null}}""",
            items: """{"9": {"leftovers": {"shortDesc": "At the end of every turn, holder restores 1/16 of its max HP.", "fling": {"basePower": 10}}, "copy": {"shortDesc": "Fire moves get 1.5x power at low HP.", "desc": ""}}}""",
            moves: """{"1": {"splash": {"inherit": true, "desc": "No competitive use."}}, "9": {"splash": {"shortDesc": "No effect."}}}""");

        var documents = PkmnTexts.Instance.Read(dir.Path);

        // File order (abilities, then items; generations and entries as written), shortDesc before desc, trimmed,
        // each text once, and "No competitive use." left out because a move's description says the same.
        Assert.Equal(
        [
            "Fire moves get 1.5x power at low HP.",
            "At 1/3 or less of its max HP, this Pokemon's Fire-type moves have 1.5x power.",
            "When this Pokemon has 1/3 or less of its maximum HP, its Fire-type moves have 1.5x power.",
            "At the end of every turn, holder restores 1/16 of its max HP.",
        ], documents.Select(d => d.Text));
        Assert.All(documents, d => Assert.Equal("pkmn-texts", d.Source));
        Assert.All(documents, d => Assert.Matches("^[0-9a-f]{16}$", d.Key));
        Assert.Equal(documents.Count, documents.Select(d => d.Key).Distinct().Count());
    }

    [Fact]
    public void A_source_map_without_the_items_data_says_the_upstream_layout_changed()
    {
        using var dir = new TestPaths.TempDir();
        string file = Path.Combine(dir.Path, PkmnMoves.SourceMap);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, """{"version": 3, "sources": ["../data/moves.json", "../data/abilities.json"], "sourcesContent": ["{}", "{}"]}""");
        var e = Assert.Throws<InvalidDataException>(() => PkmnTexts.Instance.Read(dir.Path));
        Assert.Equal($"{file}: the source map does not carry ../data/items.json; the upstream layout changed", e.Message);
    }
}
