using Pipeline.Compensation;
using Pipeline.Vocabulary;

namespace Pipeline.Dropout;

/// <summary>
/// The methods of the paper as named plans. Each preset is the method as its authors defined it; the
/// pattern variants of Table 1 are the same presets with another pattern. The [YamlName]s make them YAML
/// presets (parameters included), read by the generator and by <see cref="PresetCatalog"/>.
/// </summary>
public static class Presets
{
    public const double DefaultRate = 0.1;

    /// <summary>All dropout off (the paper's LoRA baseline, Table 1).</summary>
    [YamlName("baseline")]
    public static DropoutPlan Baseline() => DropoutPlan.None;

    /// <summary>DropKey (Li et al. 2023): −∞ on dropped logits before the softmax; element-wise as published.</summary>
    [YamlName("dropkey"), DropsAt(DropPosition.AttentionLogits)]
    public static DropoutPlan DropKey([YamlName("rate")] double rate = DefaultRate, [YamlName("pattern")] DropPattern pattern = DropPattern.Element) =>
        new(new DropSpec(DropPosition.AttentionLogits, pattern, rate));

    /// <summary>DropAttention (Zehui et al. 2019) as the paper defines it: mask after the softmax, renormalise with NoGrad.</summary>
    [YamlName("dropattention"), DropsAt(DropPosition.AttentionWeights)]
    public static DropoutPlan DropAttention([YamlName("rate")] double rate = DefaultRate, [YamlName("pattern")] DropPattern pattern = DropPattern.Element) =>
        new(new DropSpec(DropPosition.AttentionWeights, pattern, rate));

    /// <summary>
    /// HiddenCut (Chen et al. 2021): contiguous spans of the FFN output with the attention-guided start, as
    /// published. Its JS loss is a separate compensation (<see cref="HiddenCutJs"/>); the other patterns use a uniform start.
    /// </summary>
    [YamlName("hiddencut"), DropsAt(DropPosition.Hidden)]
    public static DropoutPlan HiddenCut([YamlName("rate")] double rate = DefaultRate, [YamlName("pattern")] DropPattern pattern = DropPattern.Span) =>
        new(new DropSpec(DropPosition.Hidden, pattern, rate,
            SpanStart: pattern == DropPattern.Span ? SpanStart.AttentionGuided : null));

    /// <summary>HiddenKey⁻: column-wise DropKey + element-wise HiddenCut, no compensation (§2.6).</summary>
    [YamlName("hiddenkey_minus")]
    public static DropoutPlan HiddenKeyMinus([YamlName("key_rate")] double keyRate = DefaultRate, [YamlName("hidden_rate")] double hiddenRate = DefaultRate) =>
        new(new DropSpec(DropPosition.AttentionLogits, DropPattern.Column, keyRate),
            new DropSpec(DropPosition.Hidden, DropPattern.Element, hiddenRate));

    /// <summary>HiddenKey: HiddenKey⁻ + bidirectional KL with one gradient branch (§2.6, Figure 3).</summary>
    [YamlName("hiddenkey")]
    public static DropoutPlan HiddenKey(
        [YamlName("key_rate")] double keyRate = DefaultRate,
        [YamlName("hidden_rate")] double hiddenRate = DefaultRate,
        [CompensationWeight(typeof(BidirectionalKl))] double klWeight = 1.0) =>
        HiddenKeyMinus(keyRate, hiddenRate).With(new BidirectionalKl(klWeight));
}
