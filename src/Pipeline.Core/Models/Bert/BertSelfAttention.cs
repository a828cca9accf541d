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
    /// Returns the attention output [B, L, D] and, when <paramref name="needReceived"/>, the attention each
    /// token receives [B, L] (summed over heads and real queries). <paramref name="padding"/>: the
    /// <see cref="DropMasks.PaddingMask"/> of <paramref name="real"/>, shared by all layers of a pass (null: no padding).
    /// </summary>
    public (Tensor Context, Tensor? Received) Forward(Tensor hidden, Tensor real, Tensor? padding, DropSpec? logits, DropSpec? weights, bool needReceived = false)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], length = hidden.shape[1];
        var q = SplitHeads(query.call(hidden));
        var k = SplitHeads(key.call(hidden));
        var v = SplitHeads(value.call(hidden));
        // DropHead removes whole heads whichever attention position names it: it scales each head's output below.
        DropSpec?[] wholeHeads = [logits?.Pattern == DropPattern.Head ? logits : null, weights?.Pattern == DropPattern.Head ? weights : null];
        if (wholeHeads[0] is not null) logits = null;
        if (wholeHeads[1] is not null) weights = null;

        var mask = logits is null ? padding : DropMasks.WithDroppedKeys(padding, DropMasks.AttentionKeep(logits, real, heads, length), q.dtype);

        Tensor context;
        Tensor? received = null;
        if (Path(weights, needReceived) == AttentionPath.Fused)
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
            if (needReceived)
                received = (probs * real.view(batch, 1, length, 1).to(probs.dtype)).sum([1, 2]);
            context = matmul(probs, v);
        }
        foreach (var spec in wholeHeads)
            if (spec is not null) context = HeadDropout.Apply(context, spec);
        var merged = context.transpose(1, 2).reshape(batch, length, heads * headDim);
        return (merged.MoveToOuterDisposeScope(), received?.MoveToOuterDisposeScope());
    }

    /// <summary>The path a layer takes: explicit where the weights themselves are needed, fused otherwise.</summary>
    public static AttentionPath PathFor(LayerDrops drops) => Path(drops.Weights, drops.NeedsReceivedAttention);

    // DropHead at the weights position scales whole heads' outputs: it needs no weights.
    static AttentionPath Path(DropSpec? weights, bool needReceived) =>
        weights is { Pattern: not DropPattern.Head } || needReceived ? AttentionPath.Explicit : AttentionPath.Fused;

    Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], heads, headDim).transpose(1, 2);
}
