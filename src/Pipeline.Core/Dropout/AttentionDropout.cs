using static TorchSharp.torch;

namespace Pipeline.Dropout;

/// <summary>
/// DropAttention as a function of the logits g and a keep mask m (true = kept), exactly as the paper writes it;
/// the model's explicit attention path calls it. DropKey (Eq. 3: g'ⱼ = gⱼ + (0 or −∞), then softmax, no
/// rescaling) needs no function of its own: its −∞ is part of the additive mask
/// (<see cref="DropMasks.WithDroppedKeys"/>) that both attention paths add to the logits.
/// </summary>
public static class AttentionDropout
{
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
