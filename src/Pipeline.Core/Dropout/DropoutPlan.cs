using Pipeline.Compensation;
using Pipeline.Vocabulary;

namespace Pipeline.Dropout;

/// <summary>
/// A point of the unified framework: a list of dropouts (position × pattern × rate × layers) and one
/// compensation. Every method of the paper is a plan (<see cref="Presets"/>). The model asks the plan,
/// at each position and layer, what to drop (<see cref="At"/>).
/// </summary>
public sealed record DropoutPlan(IReadOnlyList<DropSpec> Drops, CompensationMeasure Compensation)
{
    /// <summary>No dropout at all and no compensation: the paper's baseline.</summary>
    public static DropoutPlan None { get; } = new([], CompensationMeasure.None);

    public DropoutPlan(params DropSpec[] drops) : this(drops, CompensationMeasure.None) { }

    /// <summary>
    /// The active spec at <paramref name="position"/> in layer <paramref name="layer"/> of <paramref name="layerCount"/>,
    /// if any; a spec whose layers are not given acts in <paramref name="modelDefault"/> (null: every layer).
    /// </summary>
    public DropSpec? At(DropPosition position, int layer = 0, int layerCount = 1, LayerSelection? modelDefault = null)
    {
        foreach (var spec in Drops)
        {
            if (spec.Position == position && spec.IsActive
                && (!position.IsPerLayer() || spec.Layers.Resolve(modelDefault ?? LayerSelection.All).Contains(layer, layerCount)))
                return spec;
        }
        return null;
    }

    /// <summary>True when a training step must do something beyond a plain forward pass.</summary>
    public bool IsActive => Drops.Any(d => d.IsActive) || Compensation is not NoCompensation;

    public DropoutPlan With(CompensationMeasure compensation) => this with { Compensation = compensation };

    /// <summary>
    /// Problems with the plan, each naming the offending entry; empty when valid (DropRules, the generator's
    /// rules too). With <paramref name="layerCount"/> the layer overlap check is exact for that model
    /// (latter_half of 6 layers is 3–5); without it, it is judged on a 256-layer model, as the generator does.
    /// </summary>
    public IReadOnlyList<string> Validate(int? layerCount = null)
    {
        var errors = DropRules.CheckPlan(Drops.Select(YamlVocabulary.Written).ToList(), YamlVocabulary.Drops, layerCount)
            .Select(p => p.Message).ToList();
        errors.AddRange(Compensation.Validate().Select(e => $"compensation: {e}"));
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public DropoutPlan EnsureValid(int? layerCount = null)
    {
        var errors = Validate(layerCount);
        if (errors.Count > 0) throw new ArgumentException("invalid dropout plan:\n  " + string.Join("\n  ", errors));
        return this;
    }

    public override string ToString() =>
        (Drops.Count == 0 ? "no dropout" : string.Join(" + ", Drops)) + $"; {Compensation}";
}
