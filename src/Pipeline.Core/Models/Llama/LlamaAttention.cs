using Pipeline.Dropout;
using Pipeline.Lora;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Models.Llama;

/// <summary>
/// Rotary position embeddings as HF's LlamaRotaryEmbedding computes them (default rope, no scaling): inv_freq =
/// 1 / theta^(2i / head_dim) for i &lt; head_dim / 2, angles = position · inv_freq in float32, repeated over the two halves
/// of a head (<c>cat(freqs, freqs)</c>), and a vector rotated as x·cos + rotate_half(x)·sin with rotate_half(x) =
/// cat(−x₂, x₁) — the halves convention of HF's checkpoints, not the interleaved pairs of Meta's original code.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>cos and sin [B, 1, L, head_dim] in <paramref name="dtype"/> for positions [B, L] (int64).</summary>
    public static (Tensor Cos, Tensor Sin) For(Tensor positions, int headDim, double theta, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var inverseFrequencies = tensor(Enumerable.Range(0, headDim / 2).Select(i => (float)(1 / Math.Pow(theta, 2.0 * i / headDim))).ToArray(),
            device: positions.device);
        var angles = positions.to(ScalarType.Float32).unsqueeze(-1) * inverseFrequencies;   // [B, L, hd/2]
        var both = cat([angles, angles], -1).unsqueeze(1);                                   // [B, 1, L, hd]
        return (both.cos().to(dtype).MoveToOuterDisposeScope(), both.sin().to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>x·cos + rotate_half(x)·sin for x [B, H, L, head_dim].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var rotated = cat([-x[.., .., .., (int)half..], x[.., .., .., ..(int)half]], -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// LLaMA's self-attention (<c>self_attn</c>): q/k/v/o_proj as four separate linears (each its own LoRA target), rotary
/// embeddings on q and k, and grouped-query attention — num_key_value_heads key/value heads, each read by
/// heads / kv_heads query heads (HF's repeat_kv: query head h reads kv head h / group). The attention itself, with the two
/// attention dropout positions, is <see cref="MaskedAttention"/>'s under the causal mask and padding, its masks sampled
/// against the keys each query can see (<see cref="DropMasks.CausalVisible"/>), as in GPT-2.
/// </summary>
public sealed class LlamaAttention : Module
{
    public readonly Module<Tensor, Tensor> q_proj, k_proj, v_proj, o_proj;
    readonly long heads, kvHeads, headDim;

    public LlamaAttention(LlamaConfig config, LinearFactory linears) : base(nameof(LlamaAttention))
    {
        heads = config.NumAttentionHeads;
        kvHeads = config.KeyValueHeads;
        headDim = config.HeadDim;
        long d = config.HiddenSize;
        q_proj = linears.Create(LoraTarget.Query, d, heads * headDim, config.AttentionBias);
        k_proj = linears.Create(LoraTarget.Key, d, kvHeads * headDim, config.AttentionBias);
        v_proj = linears.Create(LoraTarget.Value, d, kvHeads * headDim, config.AttentionBias);
        o_proj = linears.Create(LoraTarget.AttentionOutput, heads * headDim, d, config.AttentionBias);
        RegisterComponents();
    }

    /// <summary>
    /// The attention block's output [B, L, D] (after o_proj) and, when the drops need it, the attention each token receives
    /// [B, L]. <paramref name="cos"/>/<paramref name="sin"/>: the pass's <see cref="RotaryEmbedding"/>; <paramref name="visible"/>:
    /// its <see cref="DropMasks.CausalVisible"/> mask, <paramref name="mask"/> the additive form.
    /// </summary>
    public (Tensor Output, Tensor? Received) Forward(Tensor hidden, Tensor cos, Tensor sin, Tensor real, Tensor visible, Tensor mask, LayerDrops drops)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Project(hidden, cos, sin);
        var (context, received) = MaskedAttention.Attend(q, RepeatKv(k), RepeatKv(v), mask, real, visible, drops);
        return (Merge(context).MoveToOuterDisposeScope(), received?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Generation: the new tokens [B, N, D] attend to the cached keys and values (<paramref name="past"/>, null at the start)
    /// and their own, under the additive [B, 1, N, past + N] <paramref name="mask"/>. Returns the block's output and the keys
    /// and values of all tokens [B, kv_heads, past + N, head_dim] (cached per key/value head, not repeated). No dropout.
    /// </summary>
    public (Tensor Output, Tensor Key, Tensor Value) Decode(Tensor hidden, Tensor cos, Tensor sin, Tensor mask, (Tensor Key, Tensor Value)? past)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Project(hidden, cos, sin);
        if (past is var (pastKey, pastValue))
        {
            k = cat([pastKey, k], 2);
            v = cat([pastValue, v], 2);
        }
        var context = functional.scaled_dot_product_attention(q, RepeatKv(k), RepeatKv(v), mask);
        return (Merge(context).MoveToOuterDisposeScope(), k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }

    /// <summary>q [B, H, L, hd] and k, v [B, KV, L, hd], q and k rotated.</summary>
    (Tensor Q, Tensor K, Tensor V) Project(Tensor hidden, Tensor cos, Tensor sin)
    {
        var q = Split(q_proj.call(hidden), heads);
        var k = Split(k_proj.call(hidden), kvHeads);
        var v = Split(v_proj.call(hidden), kvHeads);
        return (RotaryEmbedding.Apply(q, cos, sin), RotaryEmbedding.Apply(k, cos, sin), v);
    }

    Tensor Split(Tensor x, long count) => x.view(x.shape[0], x.shape[1], count, headDim).transpose(1, 2);

    /// <summary>HF's repeat_kv: [B, KV, L, hd] → [B, H, L, hd], each kv head repeated for the query heads of its group.</summary>
    Tensor RepeatKv(Tensor x) => kvHeads == heads ? x : x.repeat_interleave(heads / kvHeads, dim: 1);

    Tensor Merge(Tensor context) =>
        o_proj.call(context.transpose(1, 2).reshape(context.shape[0], context.shape[2], heads * headDim));
}
