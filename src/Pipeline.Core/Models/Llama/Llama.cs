using Pipeline.Dropout;
using Pipeline.Lora;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Models.Llama;

// LLaMA: pre-RMSNorm causal decoder blocks, rotary positions, grouped-query attention, a SwiGLU MLP, a final RMSNorm and
// an LM head (its own lm_head, or tied to embed_tokens). Field names are HF's state-dict keys without the `model.` prefix
// (embed_tokens.weight, layers.0.self_attn.q_proj.weight, …) so checkpoints load by name. The dropout plan enters at every
// position of the paper's Figure 1, exactly where GPT-2 takes it.

/// <summary>HF's LlamaRMSNorm: x · rsqrt(mean(x²) + eps) · weight, the statistic in float32 whatever the model's dtype.</summary>
public sealed class LlamaRmsNorm : Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly double eps;

    public LlamaRmsNorm(long size, double eps) : base(nameof(LlamaRmsNorm))
    {
        weight = new Parameter(ones(size));
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        var normalized = x32 * (x32.pow(2).mean([-1], keepdim: true) + eps).rsqrt();
        return (weight * normalized.to(x.dtype)).MoveToOuterDisposeScope();
    }
}

/// <summary>LLaMA's SwiGLU MLP: down_proj(silu(gate_proj(x)) · up_proj(x)).</summary>
public sealed class LlamaMlp : Module
{
    public readonly Module<Tensor, Tensor> gate_proj, up_proj, down_proj;

    public LlamaMlp(LlamaConfig config, LinearFactory linears) : base(nameof(LlamaMlp))
    {
        gate_proj = linears.Create(LoraTarget.FfnGate, config.HiddenSize, config.IntermediateSize, config.MlpBias);
        up_proj = linears.Create(LoraTarget.FfnIn, config.HiddenSize, config.IntermediateSize, config.MlpBias);
        down_proj = linears.Create(LoraTarget.FfnOut, config.IntermediateSize, config.HiddenSize, config.MlpBias);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return down_proj.call(functional.silu(gate_proj.call(x)) * up_proj.call(x)).MoveToOuterDisposeScope();
    }
}

/// <summary>One block: x + self_attn(input_layernorm(x)), then + mlp(post_attention_layernorm(·)), with the dropout positions.</summary>
public sealed class LlamaDecoderLayer : Module
{
    public readonly LlamaRmsNorm input_layernorm, post_attention_layernorm;
    public readonly LlamaAttention self_attn;
    public readonly LlamaMlp mlp;

    public LlamaDecoderLayer(LlamaConfig config, LinearFactory linears) : base(nameof(LlamaDecoderLayer))
    {
        input_layernorm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps);
        self_attn = new LlamaAttention(config, linears);
        post_attention_layernorm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps);
        mlp = new LlamaMlp(config, linears);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor real, Tensor visible, Tensor mask, LayerDrops drops)
    {
        using var scope = NewDisposeScope();
        var (attended, received) = self_attn.Forward(input_layernorm.call(x), cos, sin, real, visible, mask, drops);
        x = x + attended;
        var y = mlp.Forward(post_attention_layernorm.call(x));
        // HiddenCut: on the MLP output after the down-projection (down_proj), before the residual add — as in GPT-2 and BERT.
        if (drops.Hidden is { } spec) y = TokenDropout.Apply(y, spec, real, received);
        return (x + y).MoveToOuterDisposeScope();
    }

    /// <summary>Generation: the block on new tokens after cached ones (<see cref="LlamaAttention.Decode"/>), dropout-free.</summary>
    public (Tensor Output, Tensor Key, Tensor Value) Decode(Tensor x, Tensor cos, Tensor sin, Tensor mask, (Tensor Key, Tensor Value)? past)
    {
        using var scope = NewDisposeScope();
        var (attended, key, value) = self_attn.Decode(input_layernorm.call(x), cos, sin, mask, past);
        x = x + attended;
        x = x + mlp.Forward(post_attention_layernorm.call(x));
        return (x.MoveToOuterDisposeScope(), key.MoveToOuterDisposeScope(), value.MoveToOuterDisposeScope());
    }
}

/// <summary>
/// The decoder: embed_tokens → layers → norm; returns the last hidden state [B, L, D]. <see cref="LmLogits"/> applies the
/// LM head: <c>lm_head</c> (held here so that LlamaForCausalLM checkpoints load whole), or embed_tokens' weight when
/// tie_word_embeddings.
/// </summary>
public sealed class LlamaModel : Backbone, ICausalLanguageModel
{
    public readonly Embedding embed_tokens;
    public readonly ModuleList<LlamaDecoderLayer> layers;
    public readonly LlamaRmsNorm norm;
    public readonly Linear? lm_head;
    readonly LlamaConfig config;

    public override IModelConfig Config => config;
    public override IEnumerable<Parameter> TokenEmbeddings => lm_head is null ? [embed_tokens.weight!] : [embed_tokens.weight!, lm_head.weight!];

    public LlamaModel(LlamaConfig config, LinearFactory? linears = null) : base(nameof(LlamaModel))
    {
        this.config = Checked(config);
        linears ??= LinearFactory.Plain;
        embed_tokens = Embedding(config.VocabSize, config.HiddenSize);
        layers = new ModuleList<LlamaDecoderLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new LlamaDecoderLayer(config, linears)).ToArray());
        norm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps);
        // The LM head is no LoRA target (PEFT's LLaMA recipes leave it out too): a plain, frozen linear.
        if (!config.TieWordEmbeddings) lm_head = Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>
    /// Padding may sit on either side: positions count real tokens only (<see cref="CausalDecoding.Positions"/>), so a
    /// left-padded batch gives each row what it gives alone, and the causal mask also excludes padding keys.
    /// </summary>
    public override Tensor Forward(EncoderBatch batch, DropoutPlan? plan = null)
    {
        using var scope = NewDisposeScope();
        plan = training ? plan ?? DropoutPlan.None : DropoutPlan.None;
        var real = batch.AttentionMask.to(ScalarType.Bool);
        var x = embed_tokens.call(batch.InputIds);
        // The input position: the token embeddings (LLaMA adds no position embedding; rotary positions act inside attention).
        if (plan.At(DropPosition.Input) is { } input) x = TokenDropout.Apply(x, input, real);
        var (cos, sin) = RotaryEmbedding.For(CausalDecoding.Positions(batch.AttentionMask), config.HeadDim, config.RopeTheta, x.dtype);
        var visible = DropMasks.CausalVisible(real);
        var mask = DropMasks.VisibleMask(visible, x.dtype);
        for (int i = 0; i < LayerCount; i++)
            x = layers[i].Forward(x, cos, sin, real, visible, mask, DropsAt(plan, i));
        return norm.call(x).MoveToOuterDisposeScope();
    }

    public int MaxPositions => config.MaxPositionEmbeddings;

    /// <inheritdoc/>
    public (Tensor Logits, KvCache Cache) Decode(Tensor ids, Tensor attentionMask, KvCache? past = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long pastLength = past?.Length ?? 0, length = ids.shape[1], total = pastLength + length;
        if (total > config.MaxPositionEmbeddings)
            throw new ArgumentException($"{total} tokens (prompt, padding and generated ones) exceed the model's {config.MaxPositionEmbeddings} positions (max_position_embeddings)");
        var mask = past is null ? attentionMask : cat([past.AttentionMask, attentionMask], 1);
        var x = embed_tokens.call(ids);
        var (cos, sin) = RotaryEmbedding.For(CausalDecoding.Positions(mask)[.., (int)pastLength..], config.HeadDim, config.RopeTheta, x.dtype);
        var additive = DropMasks.VisibleMask(CausalDecoding.VisibleAfter(pastLength, length, mask), x.dtype);
        var cached = new (Tensor Key, Tensor Value)[LayerCount];
        for (int i = 0; i < LayerCount; i++)
        {
            (x, var key, var value) = layers[i].Decode(x, cos, sin, additive, past?[i]);
            cached[i] = (key, value);
        }
        var logits = LmLogits(norm.call(x));
        var cache = new KvCache(cached, mask.clone());   // detaches its tensors from this scope
        return (logits.MoveToOuterDisposeScope(), cache);
    }

    /// <summary>Next-token logits [B, L, V]: lm_head(hidden), or hidden · embed_tokensᵀ when the head is tied.</summary>
    public Tensor LmLogits(Tensor hidden) => lm_head is null ? functional.linear(hidden, embed_tokens.weight!) : lm_head.call(hidden);
}
