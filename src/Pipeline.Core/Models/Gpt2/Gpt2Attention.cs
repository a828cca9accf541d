using Pipeline.Dropout;
using Pipeline.Lora;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Models.Gpt2;

/// <summary>
/// GPT-2's causal self-attention (<c>attn</c>): the fused q/k/v projection <c>c_attn</c>, the heads, and the output
/// projection <c>c_proj</c>; the attention itself, with the two attention dropout positions, is
/// <see cref="MaskedAttention"/>'s, here under the causal mask and padding [B, 1, L, L]. Masks are sampled against the
/// keys each query can see (<see cref="DropMasks.CausalVisible"/>), so no query ever loses all of them.
/// </summary>
public sealed class Gpt2Attention : Module
{
    public readonly Module<Tensor, Tensor> c_attn, c_proj;
    readonly long heads, headDim, width;

    public Gpt2Attention(Gpt2Config config, LinearFactory linears) : base(nameof(Gpt2Attention))
    {
        heads = config.NHead;
        headDim = config.HeadDim;
        width = config.NEmbd;
        // The paper's GPT-2 LoRA (microsoft/LoRA MergedLinear, enable_lora = [q, -, v]): one adapter per targeted slice.
        c_attn = linears.CreateFused([LoraTarget.Query, LoraTarget.Key, LoraTarget.Value], config.NEmbd, config.NEmbd);
        c_proj = linears.Create(LoraTarget.AttentionOutput, config.NEmbd, config.NEmbd);
        RegisterComponents();
    }

    /// <summary>
    /// The attention block's output [B, L, D] (after c_proj) and, when <paramref name="needReceived"/>, the attention
    /// each token receives [B, L] (summed over heads and real queries). <paramref name="visible"/>: the
    /// <see cref="DropMasks.CausalVisible"/> mask of the pass, <paramref name="mask"/> its additive form.
    /// </summary>
    public (Tensor Output, Tensor? Received) Forward(Tensor hidden, Tensor real, Tensor visible, Tensor mask, LayerDrops drops)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], length = hidden.shape[1];
        var qkv = c_attn.call(hidden).split(width, -1);
        var (q, k, v) = (SplitHeads(qkv[0]), SplitHeads(qkv[1]), SplitHeads(qkv[2]));
        var (context, received) = MaskedAttention.Attend(q, k, v, mask, real, visible, drops);
        var merged = context.transpose(1, 2).reshape(batch, length, heads * headDim);
        return (c_proj.call(merged).MoveToOuterDisposeScope(), received?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Generation: attention of the new tokens [B, N, D] to the cached keys and values (<paramref name="past"/>, null
    /// at the start) and their own; <paramref name="mask"/> is the additive [B, 1, N, past + N] mask. Returns the
    /// block's output and the keys and values of all tokens [B, H, past + N, head_dim]. No dropout: the fused path.
    /// </summary>
    public (Tensor Output, Tensor Key, Tensor Value) Decode(Tensor hidden, Tensor mask, (Tensor Key, Tensor Value)? past)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], length = hidden.shape[1];
        var qkv = c_attn.call(hidden).split(width, -1);
        var (q, k, v) = (SplitHeads(qkv[0]), SplitHeads(qkv[1]), SplitHeads(qkv[2]));
        if (past is var (pastKey, pastValue))
        {
            k = cat([pastKey, k], 2);
            v = cat([pastValue, v], 2);
        }
        var context = functional.scaled_dot_product_attention(q, k, v, mask);
        var merged = context.transpose(1, 2).reshape(batch, length, heads * headDim);
        return (c_proj.call(merged).MoveToOuterDisposeScope(), k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }

    Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], heads, headDim).transpose(1, 2);
}
