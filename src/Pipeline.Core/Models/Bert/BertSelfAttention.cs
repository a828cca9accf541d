using Pipeline.Dropout;
using Pipeline.Lora;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Models.Bert;

/// <summary>
/// Multi-head self-attention with the two attention dropout positions. Two paths compute the same function:
/// <list type="bullet">
/// <item>fused: scaled-dot-product attention with one additive float mask holding padding and DropKey
/// (column and span: a broadcast [B, H, 1, L] mask, no L×L tensor; element: [B, H, L, L]);</item>
/// <item>explicit: softmax(q·kᵀ/√d + mask), used only where a method needs the weights themselves —
/// DropAttention, and HiddenCut's attention-guided span start.</item>
/// </list>
/// </summary>
public sealed class BertSelfAttention : Module
{
    readonly Module<Tensor, Tensor> query, key, value;
    readonly long heads, headDim;

    public BertSelfAttention(BertConfig config, LinearFactory linears) : base(nameof(BertSelfAttention))
    {
        heads = config.NumAttentionHeads;
        headDim = config.HeadDim;
        query = linears.Create(LoraTarget.Query, config.HiddenSize, config.HiddenSize);
        key = linears.Create(LoraTarget.Key, config.HiddenSize, config.HiddenSize);
        value = linears.Create(LoraTarget.Value, config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <summary>
    /// Returns the attention output [B, L, D] and, when the layer's drops need it (HiddenCut's attention-guided start),
    /// the attention each token receives [B, L] (summed over heads and real queries). <paramref name="padding"/>: the
    /// <see cref="DropMasks.PaddingMask"/> of <paramref name="real"/>, shared by all layers of a pass (null: no padding).
    /// </summary>
    public (Tensor Context, Tensor? Received) Forward(Tensor hidden, Tensor real, Tensor? padding, LayerDrops drops)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], length = hidden.shape[1];
        var q = SplitHeads(query.call(hidden));
        var k = SplitHeads(key.call(hidden));
        var v = SplitHeads(value.call(hidden));
        var (logits, weights) = (drops.Logits, drops.Weights);

        var mask = logits is null ? padding : DropMasks.WithDroppedKeys(padding, DropMasks.AttentionKeep(logits, real, heads, length), q.dtype);

        Tensor context;
        Tensor? received = null;
        if (drops.AttentionPath == AttentionPath.Fused)
        {
            context = functional.scaled_dot_product_attention(q, k, v, mask);
        }
        else
        {
            var scores = matmul(q, k.transpose(-1, -2)) / Math.Sqrt(headDim);
            if (mask is not null) scores = scores + mask;
            var probs = weights is null
                ? scores.softmax(-1)
                : AttentionDropout.DropAttention(scores, DropMasks.AttentionKeep(weights, real, heads, length), weights.EffectiveNormalization);
            if (drops.NeedsReceivedAttention)
                received = (probs * real.view(batch, 1, length, 1).to(probs.dtype)).sum([1, 2]);
            context = matmul(probs, v);
        }
        // DropHead: whole heads' outputs scaled (0 or H / kept), whichever attention position named it.
        foreach (var spec in drops.WholeHeads) context = HeadDropout.Apply(context, spec);
        var merged = context.transpose(1, 2).reshape(batch, length, heads * headDim);
        return (merged.MoveToOuterDisposeScope(), received?.MoveToOuterDisposeScope());
    }

    Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], heads, headDim).transpose(1, 2);
}
