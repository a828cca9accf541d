using Pipeline.Dropout;

namespace Pipeline.Models;

/// <summary>The active specs of one layer (null = nothing dropped there).</summary>
public sealed record LayerDrops(DropSpec? Logits, DropSpec? Weights, DropSpec? Hidden)
{
    public static LayerDrops None { get; } = new(null, null, null);

    /// <summary>HiddenCut's attention-guided span start ranks tokens by the attention they receive in this layer.</summary>
    public bool NeedsReceivedAttention => Hidden?.EffectiveSpanStart == SpanStart.AttentionGuided;

    public static LayerDrops For(DropoutPlan plan, int layer, int layerCount) => new(
        plan.At(DropPosition.AttentionLogits, layer, layerCount),
        plan.At(DropPosition.AttentionWeights, layer, layerCount),
        plan.At(DropPosition.Hidden, layer, layerCount));
}
