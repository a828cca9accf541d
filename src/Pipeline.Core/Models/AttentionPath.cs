namespace Pipeline.Models;

/// <summary>How a layer computes attention under a plan (docs/framework.md §7).</summary>
public enum AttentionPath
{
    /// <summary>Fused scaled-dot-product attention with one additive mask (padding, DropKey); the weights are never materialised.</summary>
    Fused,

    /// <summary>softmax(q·kᵀ/√d + mask) written out, where a method needs the weights themselves (DropAttention, HiddenCut's attention-guided start).</summary>
    Explicit,
}
