using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Data.BuiltIn;

/// <summary>
/// A Pokémon move's record (one entry of @pkmn/dex's <c>data/moves.json</c>, Pokémon Showdown's field names) as an
/// E2E-style meaning representation: <c>attribute[value]</c> pairs joined by <c>", "</c> in the fixed order of
/// <see cref="Order"/>, e.g. <c>name[Flamethrower], type[Fire], category[Special], power[90], accuracy[100], pp[15],
/// secondary[10% burn], flags[metronome mirror protect]</c>. Defaults are left out (power 0, priority 0, target
/// <c>normal</c>, crit ratio 1, an empty effect). An attribute is the field's name in words (<c>volatileStatus</c> →
/// <c>volatile status</c>), except <c>basePower</c> → <c>power</c> and one <c>secondary</c> per entry of
/// <c>secondaries</c>. Stat and status codes are spelt as the texts spell them (<c>spd</c> → <c>Sp. Def</c>,
/// <c>brn</c> → <c>burn</c>), so a model can copy them.
/// </summary>
public static partial class PkmnMoveMeaning
{
    /// <summary>The fields written, in this order; each is written only when the record has it.</summary>
    public static IReadOnlyList<string> Order { get; } =
    [
        "name", "type", "category", "basePower", "accuracy", "pp", "priority", "target",
        "multihit", "multiaccuracy", "critRatio", "willCrit", "damage", "ohko", "drain", "recoil", "heal",
        "status", "volatileStatus", "boosts", "secondary", "secondaries", "self", "selfBoost",
        "selfSwitch", "forceSwitch", "selfdestruct", "weather", "terrain", "pseudoWeather", "sideCondition", "slotCondition",
        "breaksProtect", "thawsTarget", "ignoreAbility", "ignoreDefensive", "ignoreEvasion", "ignoreImmunity",
        "overrideOffensivePokemon", "overrideOffensiveStat", "overrideDefensiveStat", "nonGhostTarget", "smartTarget",
        "tracksTarget", "stealsBoosts", "callsMove", "stallingMove", "sleepUsable", "noPPBoosts", "noDamageVariance",
        "hasCrashDamage", "mindBlownRecoil", "struggleRecoil", "hasSheerForceBoost", "flags",
    ];

    /// <summary>
    /// Fields left out: the texts themselves, bookkeeping (number, legality, the Hidden Power alias), what Z-Moves and
    /// Max Moves make of the move, and the battle engine's event data (<c>condition</c>, handler priorities).
    /// </summary>
    public static IReadOnlyList<string> Ignored { get; } =
    [
        "num", "desc", "shortDesc", "isNonstandard", "realMove", "isZ", "isMax", "zMove", "maxMove",
        "condition", "onDamagePriority", "onTry", "inherit",
    ];

    static readonly Dictionary<string, string> Stats = new(StringComparer.Ordinal)
    {
        ["atk"] = "Attack", ["def"] = "Defense", ["spa"] = "Sp. Atk", ["spd"] = "Sp. Def", ["spe"] = "Speed",
        ["accuracy"] = "accuracy", ["evasion"] = "evasiveness",
    };

    static readonly Dictionary<string, string> Statuses = new(StringComparer.Ordinal)
    {
        ["brn"] = "burn", ["par"] = "paralysis", ["psn"] = "poison", ["tox"] = "bad poison", ["slp"] = "sleep", ["frz"] = "freeze",
    };

    /// <summary>The meaning representation of <paramref name="move"/>; a field this class does not know is an error.</summary>
    public static string Of(string id, IReadOnlyDictionary<string, JsonElement> move)
    {
        foreach (var field in move.Keys)
        {
            if (!Order.Contains(field) && !Ignored.Contains(field))
                throw new InvalidDataException($"move '{id}': field '{field}' is neither written nor known to be left out of the meaning representation (PkmnMoveMeaning.Order, .Ignored)");
        }
        var attributes = new List<string>();
        foreach (var field in Order)
        {
            if (!move.TryGetValue(field, out var value) || value.ValueKind == JsonValueKind.Null) continue;
            foreach (string text in Values(id, field, value)) attributes.Add($"{Attribute(field)}[{text}]");
        }
        return string.Join(", ", attributes);
    }

    /// <summary>The field's name in words; <c>basePower</c> is the E2E-style <c>power</c>, each of <c>secondaries</c> a <c>secondary</c>.</summary>
    static string Attribute(string field) => field switch
    {
        "basePower" => "power",
        "secondaries" => "secondary",
        _ => Words(field),
    };

    /// <summary>What one field writes: nothing for a default, one value, or one per secondary effect.</summary>
    static IEnumerable<string> Values(string id, string field, JsonElement value)
    {
        switch (field)
        {
            case "basePower" or "priority" when value.GetInt32() == 0:
            case "critRatio" when value.GetDouble() == 1:
            case "target" when value.GetString() == "normal":
                yield break;
            case "accuracy" when value.ValueKind == JsonValueKind.True:
                yield return "always hits";
                yield break;
            case "priority":
                yield return value.GetInt32().ToString("+0;-0", System.Globalization.CultureInfo.InvariantCulture);
                yield break;
            case "target":
                yield return Words(value.GetString()!);
                yield break;
            case "multihit" when value.ValueKind == JsonValueKind.Array:
                yield return string.Join('-', value.EnumerateArray().Select(n => n.GetRawText()));
                yield break;
            case "drain" or "recoil" or "heal":
                yield return string.Join('/', value.EnumerateArray().Select(n => n.GetRawText()));
                yield break;
            case "status":
                yield return Status(id, value.GetString()!);
                yield break;
            case "boosts":
                yield return Boosts(id, value);
                yield break;
            case "secondary" or "self" or "selfBoost":
                if (Effect(id, value) is { Length: > 0 } effect) yield return effect;
                yield break;
            case "secondaries":
                foreach (var secondary in value.EnumerateArray())
                {
                    if (Effect(id, secondary) is { Length: > 0 } each) yield return each;
                }
                yield break;
            case "ignoreImmunity" when value.ValueKind == JsonValueKind.Object:
                yield return string.Join(' ', value.EnumerateObject().Select(p => p.Name));
                yield break;
            case "flags":
                // Upstream lists flags in no fixed order; sorted, the same flags always read the same.
                if (value.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList() is { Count: > 0 } flags) yield return string.Join(' ', flags);
                yield break;
        }
        yield return value.ValueKind switch
        {
            JsonValueKind.True => "yes",
            JsonValueKind.False => "no",
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new InvalidDataException($"move '{id}': field '{field}' has a {value.ValueKind} ({value.GetRawText()}), which the meaning representation does not know how to write"),
        };
    }

    /// <summary>A secondary or self effect: its chance as a percentage, then what it does, e.g. <c>10% burn</c>, <c>100% self Speed +1</c>.</summary>
    static string Effect(string id, JsonElement effect)
    {
        var parts = new List<string>();
        if (effect.TryGetProperty("chance", out var chance) && chance.ValueKind != JsonValueKind.Null) parts.Add($"{chance.GetRawText()}%");
        foreach (var property in effect.EnumerateObject())
        {
            if (property.Name == "chance" || property.Value.ValueKind == JsonValueKind.Null) continue;
            string part = property.Name switch
            {
                "status" => Status(id, property.Value.GetString()!),
                "boosts" => Boosts(id, property.Value),
                "self" => Effect(id, property.Value) is { Length: > 0 } self ? "self " + self : "",
                "volatileStatus" or "sideCondition" or "pseudoWeather" => property.Value.GetString()!,
                _ => throw new InvalidDataException($"move '{id}': effect field '{property.Name}' is not known to the meaning representation"),
            };
            if (part.Length > 0) parts.Add(part);
        }
        return string.Join(' ', parts);
    }

    static string Boosts(string id, JsonElement boosts) => string.Join(" and ", boosts.EnumerateObject().Select(b =>
        (Stats.TryGetValue(b.Name, out var stat) ? stat : throw new InvalidDataException($"move '{id}': unknown stat '{b.Name}'"))
        + " " + b.Value.GetInt32().ToString("+0;-0", System.Globalization.CultureInfo.InvariantCulture)));

    static string Status(string id, string code) =>
        Statuses.TryGetValue(code, out var status) ? status : throw new InvalidDataException($"move '{id}': unknown status '{code}'");

    /// <summary>camelCase in words: <c>allAdjacentFoes</c> → <c>all adjacent foes</c>, <c>noPPBoosts</c> → <c>no pp boosts</c>.</summary>
    static string Words(string camel) => WordBreak().Replace(camel, " ").ToLowerInvariant();

    [GeneratedRegex("(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")]
    private static partial Regex WordBreak();
}
