using Pipeline.Vocabulary;

namespace Pipeline.Dropout;

/// <summary>How DropAttention renormalises the kept weights (paper footnote 1).</summary>
public enum AttentionNormalization
{
    /// <summary>w' = w̄ / NoGrad(Σ w̄): the paper's "DropAttention" (gradient noise, Eq. 8–9).</summary>
    [YamlName("stop_gradient"), AppliesTo(DropPosition.AttentionWeights, Patterns = [DropPattern.Element, DropPattern.Column, DropPattern.Span])]
    StopGradient,

    /// <summary>w' = w̄ / Σ w̄ with the gradient: forward and backward equal to DropKey (the paper counts it as DropKey).</summary>
    [YamlName("with_gradient"), AppliesTo(DropPosition.AttentionWeights, Patterns = [DropPattern.Element, DropPattern.Column, DropPattern.Span])]
    WithGradient,
}

/// <summary>
/// One dropout of a plan: a position, a structural pattern and a rate, in some layers.
/// A rate of 0 makes the spec inert: the forward pass is bit-identical to having no spec.
/// </summary>
/// <param name="Position">Where it drops.</param>
/// <param name="Pattern">What structure it drops.</param>
/// <param name="Rate">Probability of dropping (element, column, feature) or expected dropped fraction (span); in [0, 1).</param>
/// <param name="Layers">
/// For per-layer positions; null = not given, the model's default (<see cref="LayerSelection.Default"/>: all layers
/// of an encoder, the latter half of a decoder's). Input and output have no layers and must leave it unset.
/// </param>
/// <param name="SpanStart">Where its [AppliesTo] says (the span pattern); null = not given, <see cref="SpanStart.Uniform"/>.</param>
/// <param name="Normalization">
/// Where its [AppliesTo] says (attention_weights); null = not given, <see cref="AttentionNormalization.StopGradient"/>.
/// Null and the default are kept apart so that a value given where it means nothing is an error, as in YAML.
/// </param>
public sealed record DropSpec(
    DropPosition Position,
    DropPattern Pattern,
    double Rate,
    LayerSelection? Layers = null,
    SpanStart? SpanStart = null,
    AttentionNormalization? Normalization = null)
{
    public LayerSelection Layers { get; init; } = Layers ?? LayerSelection.Default;

    public bool IsActive => Rate > 0;

    /// <summary>The span start in effect: the one given, else uniform.</summary>
    public SpanStart EffectiveSpanStart => SpanStart ?? Dropout.SpanStart.Uniform;

    /// <summary>The normalisation in effect: the one given, else stop-gradient (the paper's DropAttention).</summary>
    public AttentionNormalization EffectiveNormalization => Normalization ?? AttentionNormalization.StopGradient;

    /// <summary>Problems with this spec (DropRules, the generator's rules too); empty when valid.</summary>
    public IEnumerable<string> Validate() =>
        DropRules.CheckSpec(YamlVocabulary.Written(this), YamlVocabulary.Drops).Select(problem => problem.Message);

    /// <summary>In YAML's names, as run logs and config.json show it: "attention_logits/column@0.1".</summary>
    public override string ToString()
    {
        string text = $"{YamlVocabulary.NameOf(Position)}/{YamlVocabulary.NameOf(Pattern)}@{Rate:0.###}";
        if (Layers != LayerSelection.Default) text += $" layers={Layers}";
        if (SpanStart is { } start) text += $" span_start={YamlVocabulary.NameOf(start)}";
        if (Normalization is { } normalization) text += $" normalization={YamlVocabulary.NameOf(normalization)}";
        return text;
    }
}
