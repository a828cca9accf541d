namespace Pipeline.Generators.Model;

/// <summary>A compensation after the preset's own one and the YAML's overrides are combined; Kind null = none.</summary>
public sealed record EffectiveCompensation(string? Kind, double Weight, string? Branches, string? Reduction = null)
{
    public static readonly EffectiveCompensation None = new(null, 0, null);
    public bool IsNone => Kind is null;
}

/// <summary>Facts about dropout plans that validation, sweeps and the emitter share (one home each).</summary>
public static class Plans
{
    /// <summary>The YAML's weight for a compensation kind written without one.</summary>
    public const double DefaultWeight = 1.0;

    /// <summary>The compensation a preset brings by itself ([CompensationWeight] on its weight parameter).</summary>
    public static EffectiveCompensation PresetCompensation(string? preset, VocabularyModel vocabulary) =>
        vocabulary.Preset(preset)?.Compensation is { } own
            ? new EffectiveCompensation(own.Kind, own.Weight, vocabulary.Compensation(own.Kind)?.DefaultBranches, vocabulary.Compensation(own.Kind)?.DefaultReduction)
            : EffectiveCompensation.None;

    /// <summary>
    /// The compensation that applies: the preset's own one unless <c>compensation</c> overrides it; a
    /// <c>compensation</c> without <c>kind</c> adjusts the preset's own (weight, branches, reduction).
    /// </summary>
    public static EffectiveCompensation Effective(DropoutSection dropout, CompensationSection? compensation, VocabularyModel vocabulary)
    {
        var own = PresetCompensation(dropout.Preset, vocabulary);
        if (compensation is null) return own;
        if (compensation.Kind is null)
            return own.IsNone ? own : own with
            {
                Weight = compensation.Weight ?? own.Weight, Branches = compensation.Branches ?? own.Branches, Reduction = compensation.Reduction ?? own.Reduction,
            };
        if (vocabulary.Compensation(compensation.Kind) is not { HasWeight: true } kind) return EffectiveCompensation.None;
        return new EffectiveCompensation(kind.Yaml, compensation.Weight ?? DefaultWeight, compensation.Branches ?? kind.DefaultBranches,
            compensation.Reduction ?? kind.DefaultReduction);
    }

    /// <summary>True when the plan drops anything at all (a rate-0 spec still counts: it is inert, not absent).</summary>
    public static bool HasDrops(DropoutSection dropout, VocabularyModel vocabulary) =>
        dropout.IsList ? dropout.Entries!.Value.Count > 0 : dropout.Preset is not null && dropout.Preset != vocabulary.Baseline;
}
