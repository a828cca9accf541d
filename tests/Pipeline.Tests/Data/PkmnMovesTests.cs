using System.Text.Json;
using Pipeline.Data;
using Pipeline.Data.BuiltIn;

namespace Pipeline.Tests.Data;

/// <summary>
/// pkmn-moves on a small <c>data/moves.json</c> written here in @pkmn/dex's shape (the real one is fetched, never
/// committed; <see cref="BuiltInFetchTests"/> reads it): the meaning representation, the generations merged as the
/// Dex merges them, the moves kept and the references.
/// </summary>
public class PkmnMovesTests
{
    static Dictionary<string, JsonElement> Record(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    const string Flamethrower = """
        {"num": 53, "accuracy": 100, "basePower": 90, "category": "Special", "name": "Flamethrower", "pp": 15, "priority": 0,
         "flags": {"protect": 1, "mirror": 1, "metronome": 1}, "secondary": {"chance": 10, "status": "brn"},
         "target": "normal", "type": "Fire", "desc": "Has a 10% chance to burn the target.", "shortDesc": "10% chance to burn the target."}
        """;

    [Fact]
    public void A_record_is_attribute_value_pairs_in_a_fixed_order_without_defaults()
    {
        Assert.Equal("name[Flamethrower], type[Fire], category[Special], power[90], accuracy[100], pp[15], secondary[10% burn], flags[metronome mirror protect]",
            PkmnMoveMeaning.Of("flamethrower", Record(Flamethrower)));
        Assert.Equal("name[Swords Dance], type[Normal], category[Status], accuracy[always hits], pp[20], priority[+1], target[self], boosts[Attack +2], flags[dance]",
            PkmnMoveMeaning.Of("swordsdance", Record("""
                {"flags": {"dance": 1}, "target": "self", "boosts": {"atk": 2}, "num": 14, "accuracy": true, "basePower": 0,
                 "category": "Status", "name": "Swords Dance", "pp": 20, "priority": 1, "type": "Normal", "zMove": {"effect": "clearnegativeboost"}}
                """)));
        Assert.Equal("name[Fire Fang], type[Fire], category[Physical], power[65], accuracy[95], pp[15], target[all adjacent foes], multihit[2-5], drain[1/2], "
            + "secondary[10% burn], secondary[10% flinch], self[Sp. Atk -2 and Speed -1], self switch[yes], ignore immunity[Ground], no pp boosts[yes]",
            PkmnMoveMeaning.Of("firefang", Record("""
                {"name": "Fire Fang", "type": "Fire", "category": "Physical", "basePower": 65, "accuracy": 95, "pp": 15, "target": "allAdjacentFoes",
                 "secondaries": [{"chance": 10, "status": "brn"}, {"volatileStatus": "flinch", "chance": 10}], "self": {"boosts": {"spa": -2, "spe": -1}},
                 "multihit": [2, 5], "drain": [1, 2], "selfSwitch": true, "ignoreImmunity": {"Ground": true}, "noPPBoosts": true, "flags": {}, "secondary": {}}
                """)));
    }

    [Fact]
    public void A_field_the_linearisation_does_not_know_is_an_error_not_silently_dropped()
    {
        var e = Assert.Throws<InvalidDataException>(() => PkmnMoveMeaning.Of("x", Record("""{"name": "X", "sparkles": 3}""")));
        Assert.Equal("move 'x': field 'sparkles' is neither written nor known to be left out of the meaning representation (PkmnMoveMeaning.Order, .Ignored)", e.Message);
    }

    /// <summary>
    /// Generation 9 in full and the changes of older generations: Flamethrower's generation-8 text with the same
    /// record, its generation-5 power (95, inherited by 1–4) with another text; Bide legal only before generation 9;
    /// moves that are never standard play (Z, Max, CAP, future) or have no text.
    /// </summary>
    static string Moves() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["1"] = new { flamethrower = new { inherit = true, shortDesc = "Burns sometimes." } },
        ["2"] = new { }, ["3"] = new { }, ["6"] = new { }, ["7"] = new { },
        ["4"] = new Dictionary<string, object?> { ["acid"] = null },
        ["5"] = new { flamethrower = new { inherit = true, basePower = 95, shortDesc = "10% burn, stronger." } },
        ["8"] = new { flamethrower = new { inherit = true, shortDesc = "Burns 10% of the time." }, bide = new Dictionary<string, object?> { ["inherit"] = true, ["isNonstandard"] = null } },
        ["9"] = new Dictionary<string, JsonElement>
        {
            ["flamethrower"] = JsonDocument.Parse(Flamethrower).RootElement,
            ["acid"] = JsonDocument.Parse("""{"num": 51, "name": "Acid", "type": "Poison", "category": "Special", "basePower": 40, "accuracy": 100, "pp": 30, "secondary": {"chance": 10, "boosts": {"spd": -1}}, "shortDesc": "10% chance to lower the foe(s) Sp. Def by 1."}""").RootElement,
            ["bide"] = JsonDocument.Parse("""{"num": 117, "name": "Bide", "type": "Normal", "category": "Physical", "basePower": 0, "accuracy": true, "pp": 10, "isNonstandard": "Past", "desc": "Waits 2 turns; deals double the damage taken."}""").RootElement,
            ["breakneckblitz"] = JsonDocument.Parse("""{"num": 622, "name": "Breakneck Blitz", "isZ": "normaliumz", "isNonstandard": "Past", "shortDesc": "Z"}""").RootElement,
            ["gmaxwildfire"] = JsonDocument.Parse("""{"num": 1000, "name": "G-Max Wildfire", "isMax": "Charizard", "isNonstandard": "Gigantamax", "shortDesc": "G"}""").RootElement,
            ["paleowave"] = JsonDocument.Parse("""{"num": 0, "name": "Paleo Wave", "isNonstandard": "CAP", "shortDesc": "CAP"}""").RootElement,
            ["hiddenpowerfire"] = JsonDocument.Parse("""{"num": 237, "name": "Hidden Power Fire", "realMove": "Hidden Power", "isNonstandard": "Past"}""").RootElement,
            ["futuremove"] = JsonDocument.Parse("""{"num": 950, "name": "Future Move", "isNonstandard": "Future", "shortDesc": "Soon."}""").RootElement,
        },
    });

    static string WriteSourceMap(TestPaths.TempDir dir, string moves)
    {
        string file = Path.Combine(dir.Path, PkmnMoves.SourceMap);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, JsonSerializer.Serialize(new
        {
            version = 3,
            sources = new[] { "/build/index.js", "../data/abilities.json", "../data/moves.json" },
            sourcesContent = new[] { null, "{}", moves },
            mappings = "",
        }));
        return file;
    }

    [Fact]
    public void Moves_of_standard_play_with_a_text_are_kept_with_the_references_of_generations_that_read_the_same()
    {
        using var dir = new TestPaths.TempDir();
        string file = WriteSourceMap(dir, Moves());
        var rows = PkmnMoves.Instance.Read(dir.Path);

        Assert.Equal(["flamethrower", "acid", "bide"], rows.Select(r => r.GroupKey));
        var flamethrower = rows[0];
        Assert.Equal(DataToText.Prompt("name[Flamethrower], type[Fire], category[Special], power[90], accuracy[100], pp[15], secondary[10% burn], flags[metronome mirror protect]"),
            flamethrower.Text);
        Assert.Equal((file, 1), (flamethrower.File, flamethrower.Line));
        // The current text first; generation 8's (same record) added; generations 1–5 have power 95, another record.
        Assert.Equal(" 10% chance to burn the target.", flamethrower.Label);
        Assert.Equal([" 10% chance to burn the target.", " Burns 10% of the time."], flamethrower.References);
        // Acid is gone from generations 1-4 (null in generation 4); Bide falls back to desc and is kept for generations 1–8.
        Assert.Equal([" 10% chance to lower the foe(s) Sp. Def by 1."], rows[1].References);
        Assert.Equal([" Waits 2 turns; deals double the damage taken."], rows[2].References);
    }

    [Fact]
    public void A_source_map_without_the_moves_data_says_the_upstream_layout_changed()
    {
        using var dir = new TestPaths.TempDir();
        string file = WriteSourceMap(dir, Moves());
        File.WriteAllText(file, """{"version": 3, "sources": ["../data/items.json"], "sourcesContent": ["{}"]}""");
        var e = Assert.Throws<InvalidDataException>(() => PkmnMoves.Instance.Read(dir.Path));
        Assert.Equal($"{file}: the source map does not carry ../data/moves.json; the upstream layout changed", e.Message);
    }
}
