namespace Pipeline.Dropout;

/// <summary>How DropAttention renormalises the kept weights (paper footnote 1).</summary>
public enum AttentionNormalization
{
    /// <summary>w' = w̄ / NoGrad(Σ w̄): the paper's "DropAttention" (gradient noise, Eq. 8–9).</summary>
    StopGradient,

    /// <summary>w' = w̄ / Σ w̄ with the gradient: forward and backward equal to DropKey (the paper counts it as DropKey).</summary>
    WithGradient,
}

/// <summary>
/// One dropout of a plan: a position, a structural pattern and a rate, in some layers.
/// A rate of 0 makes the spec inert: the forward pass is bit-identical to having no spec.
/// </summary>
/// <param name="Position">Where it drops.</param>
/// <param name="Pattern">What structure it drops.</param>
/// <param name="Rate">Probability of dropping (element, column, feature) or expected dropped fraction (span); in [0, 1).</param>
/// <param name="Layers">For per-layer positions; input and output ignore it and must keep the default (all).</param>
/// <param name="SpanStart">Span pattern only.</param>
/// <param name="Normalization">Attention-weights position only.</param>
public sealed record DropSpec(
    DropPosition Position,
    DropPattern Pattern,
    double Rate,
    LayerSelection? Layers = null,
    SpanStart SpanStart = SpanStart.Uniform,
    AttentionNormalization Normalization = AttentionNormalization.StopGradient)
{
    public LayerSelection Layers { get; init; } = Layers ?? LayerSelection.All;

    public bool IsActive => Rate > 0;

    /// <summary>Problems with this spec, each naming the field; empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (!(Rate >= 0 && Rate < 1))
            yield return $"rate {Rate} is outside [0, 1)";
        if (Pattern == DropPattern.Feature && Position is not (DropPosition.Input or DropPosition.Hidden))
            yield return $"pattern feature applies to the input and hidden positions, not {Position}";
        if (Position == DropPosition.Output && Pattern != DropPattern.Element)
            yield return "the output position takes the element pattern only (it drops units of one pooled vector)";
        if (SpanStart == SpanStart.AttentionGuided && !(Pattern == DropPattern.Span && Position == DropPosition.Hidden))
            yield return "span_start attention_guided applies to the span pattern at the hidden position (HiddenCut)";
        if (Normalization != AttentionNormalization.StopGradient && Position != DropPosition.AttentionWeights)
            yield return "normalization applies to the attention_weights position (DropAttention)";
        if (!Position.IsPerLayer() && Layers != LayerSelection.All)
            yield return $"layers apply to per-layer positions (attention_logits, attention_weights, hidden), not {Position}";
        if (Layers is LayerSelection.ListedLayers listed && (listed.Layers.Count == 0 || listed.Layers.Any(l => l < 0)))
            yield return "layers must list at least one layer index, each ≥ 0";
    }

    public override string ToString()
    {
        string text = $"{Position}/{Pattern}@{Rate:0.###}";
        if (Layers != LayerSelection.All) text += $" layers={Layers}";
        if (SpanStart != SpanStart.Uniform) text += $" start={SpanStart}";
        if (Normalization != AttentionNormalization.StopGradient) text += $" norm={Normalization}";
        return text;
    }
}
