using System.Collections.Generic;
using System.Globalization;
using System.Linq;

// Shared source: compiled into Pipeline.Core and, linked, into the netstandard2.0 experiment generator, so a
// YAML file that compiles is a plan the runtime accepts, with the same words. BCL only.
namespace Pipeline.Vocabulary;

/// <summary>A rule broken: which YAML key it is about, which entry (-1 for none) and the message.</summary>
internal readonly record struct RuleProblem(int Entry, string Key, string Message);

/// <summary>
/// The drop-spec, dropout-plan and preset rules, judged on YAML names and the facts the vocabulary attributes
/// declare (<see cref="DropFacts"/>). DropSpec/DropoutPlan.Validate and the generator's validator both call these.
/// </summary>
internal static class DropRules
{
    /// <summary>Without a model, layer overlap is judged on this many layers (so latter_half is layers 128 and up).</summary>
    public const int AssumedLayerCount = 256;

    /// <summary>Problems with one spec, each with the key it is about; messages name no entry.</summary>
    public static IEnumerable<RuleProblem> CheckSpec(WrittenSpec spec, DropFacts facts)
    {
        if (!(spec.Rate >= 0 && spec.Rate < 1))
            yield return new(-1, "rate", $"rate {spec.Rate.ToString("R", CultureInfo.InvariantCulture)} is outside [0, 1)");
        if (facts.Patterns.TryGetValue(spec.Pattern, out var pattern) && !pattern.Allows(spec.Position, spec.Pattern))
            yield return new(-1, "pattern", $"pattern {spec.Pattern} applies {pattern.Describe()}, not {pattern.Describe(spec.Position, spec.Pattern)}");
        if (spec.SpanStart is { } start && facts.SpanStarts.TryGetValue(start, out var startScope) && !startScope.Allows(spec.Position, spec.Pattern))
            yield return new(-1, "span_start", $"span_start {start} applies {startScope.Describe()}, not {startScope.Describe(spec.Position, spec.Pattern)}");
        if (spec.Normalization is { } norm && facts.Normalizations.TryGetValue(norm, out var normScope) && !normScope.Allows(spec.Position, spec.Pattern))
            yield return new(-1, "normalization", $"normalization {norm} applies {normScope.Describe()}, not {normScope.Describe(spec.Position, spec.Pattern)}");
        if (spec.Layers is not null && !facts.PerLayerPositions.Contains(spec.Position))
            yield return new(-1, "layers", $"layers apply at the per-layer positions ({string.Join(", ", facts.PerLayerPositions)}), not at {spec.Position}");
        if (spec.Layers is { IsMalformed: true })
            yield return new(-1, "layers", "layers must list at least one layer index, each ≥ 0");
    }

    /// <summary>
    /// Problems with a plan's entries, each message starting with the entry ("dropout[1] (hidden): …"). Two
    /// entries may share a position only in disjoint layers, so "what do I drop here?" has one answer; with
    /// <paramref name="layerCount"/> that is exact for the model, without it judged on <see cref="AssumedLayerCount"/>.
    /// </summary>
    public static IEnumerable<RuleProblem> CheckPlan(IReadOnlyList<WrittenSpec> specs, DropFacts facts, int? layerCount = null)
    {
        for (int i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            string label = $"dropout[{i.ToString(CultureInfo.InvariantCulture)}] ({spec.Position})";
            foreach (var problem in CheckSpec(spec, facts))
                yield return problem with { Entry = i, Message = $"{label}: {problem.Message}" };
            for (int j = 0; j < i; j++)
            {
                if (specs[j].Position == spec.Position && Overlap(specs[j].Layers, spec.Layers, layerCount))
                {
                    yield return new(i, "position",
                        $"{label}: dropout[{j.ToString(CultureInfo.InvariantCulture)}] already drops at {spec.Position} in the same layers; give them disjoint 'layers' or merge them");
                    break;
                }
            }
        }
    }

    /// <summary>True when two layer selections (null = every layer) share a layer of a <paramref name="layerCount"/>-layer model.</summary>
    public static bool Overlap(LayerSet? a, LayerSet? b, int? layerCount = null)
    {
        int count = layerCount ?? AssumedLayerCount;
        a ??= LayerSet.All;
        b ??= LayerSet.All;
        for (int layer = 0; layer < count; layer++)
            if (a.Contains(layer, count) && b.Contains(layer, count)) return true;
        return false;
    }

    /// <summary>
    /// Problems with a preset's parameters: <paramref name="written"/> are the YAML keys given (rate, key_rate, …),
    /// <paramref name="pattern"/> the pattern it will use (written or its default), checked where it drops.
    /// </summary>
    public static IEnumerable<RuleProblem> CheckPreset(PresetFacts preset, IReadOnlyCollection<string> written, string? pattern, DropFacts facts)
    {
        var keys = preset.Keys;
        string takes = keys.Count == 0 ? "it takes no parameters" : "it takes " + string.Join(", ", keys);
        foreach (var key in written.Where(k => !keys.Contains(k)))
            yield return new(-1, key, $"dropout: preset {preset.Name} has no '{key}' ({takes}); remove it, or write a list of entries");
        if (preset.RateKeys.Count > 1 && written.Contains(PresetFacts.SharedRateKey) && written.Any(preset.RateKeys.Contains))
            yield return new(-1, PresetFacts.SharedRateKey,
                $"dropout: '{PresetFacts.SharedRateKey}' sets every rate of preset {preset.Name}; give either '{PresetFacts.SharedRateKey}' or {string.Join("/", preset.RateKeys.Select(k => $"'{k}'"))}");
        if (pattern is not null && preset.DropsAt is { } position && preset.PatternKey is { } patternKey)
        {
            foreach (var problem in CheckSpec(new WrittenSpec(position, pattern, 0, null, null, null), facts).Where(p => p.Key == "pattern"))
                yield return new(-1, patternKey, $"dropout: preset {preset.Name} drops at {position}, and {problem.Message}");
        }
    }

    /// <summary>"a, b or c".</summary>
    public static string Or(IReadOnlyList<string> names) =>
        names.Count <= 1 ? string.Join("", names) : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[names.Count - 1];
}
