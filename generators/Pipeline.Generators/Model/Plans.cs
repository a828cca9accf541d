using System.Linq;

namespace Pipeline.Generators.Model;

/// <summary>A compensation after the preset's own one and the YAML's overrides are combined.</summary>
public sealed record EffectiveCompensation(string Kind, double Weight, string Branches)
{
    public static readonly EffectiveCompensation None = new("none", 0, "one");
    public bool IsNone => Kind == "none";
}

/// <summary>Facts about dropout plans that validation, sweeps and the emitter share (one home each).</summary>
public static class Plans
{
    /// <summary>The compensation a preset brings by itself (Presets.HiddenKey: bidirectional KL, weight 1).</summary>
    public static EffectiveCompensation PresetCompensation(string? preset) =>
        preset == "hiddenkey" ? new EffectiveCompensation("bidirectional_kl", 1.0, "one") : EffectiveCompensation.None;

    /// <summary>
    /// The compensation that applies: the preset's own one unless <c>compensation</c> overrides it; a
    /// <c>compensation</c> without <c>kind</c> adjusts the preset's own (weight, branches).
    /// </summary>
    public static EffectiveCompensation Effective(DropoutSection dropout, CompensationSection? compensation)
    {
        var own = PresetCompensation(dropout.Preset);
        if (compensation is null) return own;
        if (compensation.Kind is null)
            return own.IsNone ? own : own with { Weight = compensation.Weight ?? own.Weight, Branches = compensation.Branches ?? own.Branches };
        if (compensation.Kind == "none") return EffectiveCompensation.None;
        return new EffectiveCompensation(compensation.Kind, compensation.Weight ?? 1.0, compensation.Branches ?? "one");
    }

    /// <summary>True when the plan drops anything at all (a rate-0 spec still counts: it is inert, not absent).</summary>
    public static bool HasDrops(DropoutSection dropout) =>
        dropout.IsList ? dropout.Entries!.Value.Count > 0 : dropout.Preset is not null and not "baseline";

    /// <summary>
    /// DropoutPlan.Validate's overlap rule, reproduced exactly: two selections overlap when they share a layer
    /// of a 256-layer model (so latter_half is layers 128 and up there).
    /// </summary>
    public static bool Overlap(LayersValue? a, LayersValue? b)
    {
        const int layerCount = 256;
        return Enumerable.Range(0, layerCount).Any(l => Contains(a, l, layerCount) && Contains(b, l, layerCount));
    }

    static bool Contains(LayersValue? layers, int layer, int layerCount) => layers?.Kind switch
    {
        null or LayersValue.All => true,
        LayersValue.LatterHalf => layer >= layerCount / 2,
        _ => layers.Indices.Contains(layer),
    };
}
