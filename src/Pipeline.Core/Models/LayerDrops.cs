using Pipeline.Dropout;

namespace Pipeline.Models;

/// <summary>
/// The active specs of one layer (null = nothing dropped there), as every family's attention reads them. DropHead's
/// specs (pattern head, at either attention position) are kept apart in <see cref="WholeHeads"/>: they scale whole
/// heads' outputs after attention, while <see cref="Logits"/> acts on keys (DropKey) and <see cref="Weights"/> on the
/// weights (DropAttention).
/// </summary>
public sealed record LayerDrops(DropSpec? Logits, DropSpec? Weights, DropSpec? Hidden, IReadOnlyList<DropSpec> WholeHeads)
{
    public static LayerDrops None { get; } = new(null, null, null, []);

    /// <summary>HiddenCut's attention-guided span start ranks tokens by the attention they receive in this layer.</summary>
    public bool NeedsReceivedAttention => Hidden?.EffectiveSpanStart == SpanStart.AttentionGuided;

    /// <summary>Explicit where a method needs the attention weights themselves, fused otherwise.</summary>
    public AttentionPath AttentionPath => Weights is not null || NeedsReceivedAttention ? AttentionPath.Explicit : AttentionPath.Fused;

    /// <summary>The specs of layer <paramref name="layer"/>; unwritten layers resolve to <paramref name="modelDefault"/> (null: all).</summary>
    public static LayerDrops For(DropoutPlan plan, int layer, int layerCount, LayerSelection? modelDefault = null)
    {
        var logits = plan.At(DropPosition.AttentionLogits, layer, layerCount, modelDefault);
        var weights = plan.At(DropPosition.AttentionWeights, layer, layerCount, modelDefault);
        // A head without its logits or without its weights is the same missing head: one function at both positions.
        bool IsHead(DropSpec? spec) => spec?.Pattern == DropPattern.Head;
        DropSpec[] wholeHeads = [.. new[] { logits, weights }.Where(IsHead).Select(s => s!)];
        return new(IsHead(logits) ? null : logits, IsHead(weights) ? null : weights, plan.At(DropPosition.Hidden, layer, layerCount, modelDefault), wholeHeads);
    }
}
