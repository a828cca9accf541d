using Pipeline.Dropout;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Models;

/// <summary>
/// Attention of split heads under one layer's drops, for every family. Two paths compute the same function:
/// fused scaled-dot-product attention with one additive mask (padding, the causal mask, DropKey folded in), or
/// softmax(q·kᵀ/√d + mask) written out where a method needs the weights themselves (DropAttention, HiddenCut's
/// attention-guided start); <see cref="LayerDrops.AttentionPath"/> chooses. DropHead then scales whole heads.
/// </summary>
public static class MaskedAttention
{
    /// <param name="q">Queries, keys, values [B, H, L, d].</param>
    /// <param name="mask">The additive mask of the pass (padding, causal), or null for none.</param>
    /// <param name="real">[B, L] bool, true for real tokens.</param>
    /// <param name="visible">Which keys each query may see (<see cref="DropMasks.CausalVisible"/>); null: the real keys.</param>
    /// <returns>The context [B, H, L, d] and, when the drops need it, the attention each token receives [B, L].</returns>
    public static (Tensor Context, Tensor? Received) Attend(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor real, Tensor? visible, LayerDrops drops)
    {
        using var scope = NewDisposeScope();
        long batch = q.shape[0], heads = q.shape[1], length = k.shape[2];
        var (logits, weights) = (drops.Logits, drops.Weights);
        var passMask = mask;
        var logitsKeep = logits is null ? null : DropMasks.AttentionKeep(logits, real, heads, length, visible);
        if (logitsKeep is not null)
            mask = DropMasks.WithDroppedKeys(mask, logitsKeep, q.dtype);
        // Drawn here rather than in the explicit branch: the same draw in the same order, and visible to the probe.
        var weightsKeep = weights is null ? null : DropMasks.AttentionKeep(weights, real, heads, length, visible);
        if (AttentionProbe.IsObserving)
            Observe(q, k, passMask, real, visible, logitsKeep, weightsKeep);

        Tensor context;
        Tensor? received = null;
        if (drops.AttentionPath == AttentionPath.Fused)
        {
            context = functional.scaled_dot_product_attention(q, k, v, mask);
        }
        else
        {
            var scores = matmul(q, k.transpose(-1, -2)) / Math.Sqrt(q.shape[^1]);
            if (mask is not null) scores = scores + mask;
            var probs = weights is null
                ? scores.softmax(-1)
                : AttentionDropout.DropAttention(scores, weightsKeep!, weights.EffectiveNormalization);
            if (drops.NeedsReceivedAttention)
                received = (probs * real.view(batch, 1, length, 1).to(probs.dtype)).sum([1, 2]);
            context = matmul(probs, v);
        }
        // DropHead: whole heads' outputs scaled (0 or H / kept), whichever attention position named it.
        foreach (var spec in drops.WholeHeads) context = HeadDropout.Apply(context, spec);
        return (context.MoveToOuterDisposeScope(), received?.MoveToOuterDisposeScope());
    }

    /// <summary>Hands <see cref="AttentionProbe"/> the undropped logits and the keys this call drops (both positions' drops together).</summary>
    static void Observe(Tensor q, Tensor k, Tensor? passMask, Tensor real, Tensor? visible, Tensor? logitsKeep, Tensor? weightsKeep)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var scores = matmul(q, k.transpose(-1, -2)) / Math.Sqrt(q.shape[^1]);
        if (passMask is not null) scores = scores + passMask;
        var keep = (logitsKeep, weightsKeep) switch
        {
            ({ } a, { } b) => a.logical_and(b),
            _ => logitsKeep ?? weightsKeep,
        };
        AttentionProbe.Report(new AttentionSample(scores, keep, real, visible));
    }
}
