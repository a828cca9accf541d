using Pipeline.Dropout;
using Pipeline.Lora;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Models.Bert;

/// <summary>
/// BERT's multi-head self-attention: the query, key and value projections and the heads; the attention itself, with
/// the two attention dropout positions, is <see cref="MaskedAttention"/>'s. The mask holds padding alone, so column
/// and span DropKey stay a broadcast [B, H, 1, L] mask (no L×L tensor); element DropKey needs [B, H, L, L].
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
        var (context, received) = MaskedAttention.Attend(q, k, v, padding, real, null, drops);
        var merged = context.transpose(1, 2).reshape(batch, length, heads * headDim);
        return (merged.MoveToOuterDisposeScope(), received?.MoveToOuterDisposeScope());
    }

    Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], heads, headDim).transpose(1, 2);
}
