using static TorchSharp.torch;

namespace Pipeline.Dropout;

/// <summary>
/// The two attention dropouts as functions of the logits g and a keep mask m (true = kept), exactly as the
/// paper writes them. The model's explicit attention path calls these; the fused path folds DropKey into the
/// additive mask of scaled-dot-product attention, which is the same function.
/// </summary>
public static class AttentionDropout
{
    /// <summary>DropKey (Eq. 3): g'ⱼ = gⱼ + (0 or −∞), then softmax; no rescaling.</summary>
    public static Tensor DropKey(Tensor logits, Tensor keep) =>
        logits.masked_fill(keep.logical_not(), DropMasks.LowestFinite(logits.dtype)).softmax(-1);

    /// <summary>
    /// DropAttention (Eq. 1–2): w = softmax(g), w̄ = m·w, w' = w̄ / NoGrad(Σ w̄). With
    /// <see cref="AttentionNormalization.WithGradient"/> the sum keeps its gradient, which makes forward and
    /// backward equal to DropKey (paper footnote 1).
    /// </summary>
    public static Tensor DropAttention(Tensor logits, Tensor keep, AttentionNormalization normalization)
    {
        using var scope = NewDisposeScope();
        var kept = logits.softmax(-1) * keep.to(logits.dtype);
        var sum = kept.sum(-1, keepdim: true);
        if (normalization == AttentionNormalization.StopGradient)
            sum = sum.detach();
        // AttentionKeep guarantees a kept real key per row, so the sum is positive; the clamp only guards underflow.
        return (kept / sum.clamp_min(1e-30)).MoveToOuterDisposeScope();
    }
}
