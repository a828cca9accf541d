using Pipeline.Compensation;

namespace Pipeline.Dropout;

/// <summary>
/// The methods of the paper as named plans. Each preset is the method as its authors defined it; the
/// pattern variants of Table 1 are the same presets with another pattern.
/// </summary>
public static class Presets
{
    public const double DefaultRate = 0.1;

    /// <summary>All dropout off (the paper's LoRA baseline, Table 1).</summary>
    public static DropoutPlan Baseline() => DropoutPlan.None;

    /// <summary>DropKey (Li et al. 2023): −∞ on dropped logits before the softmax; element-wise as published.</summary>
    public static DropoutPlan DropKey(double rate = DefaultRate, DropPattern pattern = DropPattern.Element) =>
        new(new DropSpec(DropPosition.AttentionLogits, pattern, rate));

    /// <summary>DropAttention (Zehui et al. 2019) as the paper defines it: mask after the softmax, renormalise with NoGrad.</summary>
    public static DropoutPlan DropAttention(double rate = DefaultRate, DropPattern pattern = DropPattern.Element) =>
        new(new DropSpec(DropPosition.AttentionWeights, pattern, rate));

    /// <summary>
    /// HiddenCut (Chen et al. 2021): contiguous spans of the FFN output with the attention-guided start, as
    /// published. Its JS loss is a separate compensation (<see cref="HiddenCutJs"/>); the other patterns use a uniform start.
    /// </summary>
    public static DropoutPlan HiddenCut(double rate = DefaultRate, DropPattern pattern = DropPattern.Span) =>
        new(new DropSpec(DropPosition.Hidden, pattern, rate,
            SpanStart: pattern == DropPattern.Span ? SpanStart.AttentionGuided : SpanStart.Uniform));

    /// <summary>HiddenKey⁻: column-wise DropKey + element-wise HiddenCut, no compensation (§2.6).</summary>
    public static DropoutPlan HiddenKeyMinus(double keyRate = DefaultRate, double hiddenRate = DefaultRate) =>
        new(new DropSpec(DropPosition.AttentionLogits, DropPattern.Column, keyRate),
            new DropSpec(DropPosition.Hidden, DropPattern.Element, hiddenRate));

    /// <summary>HiddenKey: HiddenKey⁻ + bidirectional KL with one gradient branch (§2.6, Figure 3).</summary>
    public static DropoutPlan HiddenKey(double keyRate = DefaultRate, double hiddenRate = DefaultRate, double klWeight = 1.0) =>
        HiddenKeyMinus(keyRate, hiddenRate).With(new BidirectionalKl(klWeight));

    /// <summary>The preset names accepted in YAML and on the command line.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["baseline", "dropkey", "dropattention", "hiddencut", "hiddenkey_minus", "hiddenkey"];

    /// <summary>A preset by name (case-insensitive; '-' and '_' ignored) at the given rate; null for an unknown name.</summary>
    public static DropoutPlan? ByName(string name, double rate = DefaultRate)
    {
        return Normalize(name) switch
        {
            "baseline" => Baseline(),
            "dropkey" => DropKey(rate),
            "dropattention" => DropAttention(rate),
            "hiddencut" => HiddenCut(rate),
            "hiddenkeyminus" => HiddenKeyMinus(rate, rate),
            "hiddenkey" => HiddenKey(rate, rate),
            _ => null,
        };
    }

    static string Normalize(string name) => name.Trim().ToLowerInvariant().Replace("-", "").Replace("_", "").Replace("⁻", "minus");
}
