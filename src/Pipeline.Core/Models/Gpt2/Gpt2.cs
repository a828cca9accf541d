using Pipeline.Dropout;
using Pipeline.Lora;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Models.Gpt2;

// GPT-2: pre-LayerNorm causal decoder blocks, learned positions, tanh GELU, a final LayerNorm and the LM head tied
// to the token embeddings. Field names are HF's state-dict keys without the `transformer.` prefix (wte.weight,
// h.0.attn.c_attn.weight, …) so checkpoints load by name. The dropout plan enters at every position of the
// paper's Figure 1, as in the BERT family.

/// <summary>GPT-2's MLP: c_fc (D→F), tanh GELU, c_proj (F→D).</summary>
public sealed class Gpt2Mlp : Module
{
    public readonly Module<Tensor, Tensor> c_fc, c_proj;

    public Gpt2Mlp(Gpt2Config config, LinearFactory linears) : base(nameof(Gpt2Mlp))
    {
        c_fc = linears.Create(LoraTarget.FfnIn, config.NEmbd, config.InnerSize);
        c_proj = linears.Create(LoraTarget.FfnOut, config.InnerSize, config.NEmbd);
        RegisterComponents();
    }

    /// <summary>HF's "gelu_new": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), which is torch's tanh-approximated GELU.</summary>
    public Tensor Forward(Tensor x) => c_proj.call(functional.gelu(c_fc.call(x), approximate: TorchSharp.Modules.GELU.Approximate.tanh));
}

/// <summary>One block: x + attn(ln_1(x)), then + mlp(ln_2(·)), with the dropout positions of the paper's Figure 1.</summary>
public sealed class Gpt2Block : Module
{
    public readonly LayerNorm ln_1, ln_2;
    public readonly Gpt2Attention attn;
    public readonly Gpt2Mlp mlp;

    public Gpt2Block(Gpt2Config config, LinearFactory linears) : base(nameof(Gpt2Block))
    {
        ln_1 = LayerNorm(config.NEmbd, config.LayerNormEpsilon);
        attn = new Gpt2Attention(config, linears);
        ln_2 = LayerNorm(config.NEmbd, config.LayerNormEpsilon);
        mlp = new Gpt2Mlp(config, linears);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor real, Tensor visible, Tensor mask, LayerDrops drops)
    {
        using var scope = NewDisposeScope();
        var (attended, received) = attn.Forward(ln_1.call(x), real, visible, mask, drops);
        x = x + attended;
        var y = mlp.Forward(ln_2.call(x));
        // HiddenCut: on the MLP output after the down-projection (mlp.c_proj), before the residual add — the same
        // place as in BERT; a pre-LayerNorm block has no LayerNorm after the add.
        if (drops.Hidden is { } spec) y = TokenDropout.Apply(y, spec, real, received);
        return (x + y).MoveToOuterDisposeScope();
    }

    /// <summary>Generation: the block on new tokens after cached ones (<see cref="Gpt2Attention.Decode"/>), dropout-free.</summary>
    public (Tensor Output, Tensor Key, Tensor Value) Decode(Tensor x, Tensor mask, (Tensor Key, Tensor Value)? past)
    {
        using var scope = NewDisposeScope();
        var (attended, key, value) = attn.Decode(ln_1.call(x), mask, past);
        x = x + attended;
        x = x + mlp.Forward(ln_2.call(x));
        return (x.MoveToOuterDisposeScope(), key.MoveToOuterDisposeScope(), value.MoveToOuterDisposeScope());
    }
}

/// <summary>The decoder: wte + wpe → blocks → ln_f; returns the last hidden state [B, L, D].</summary>
public sealed class Gpt2Model : Backbone, ICausalLanguageModel
{
    public readonly Embedding wte, wpe;
    public readonly ModuleList<Gpt2Block> h;
    public readonly LayerNorm ln_f;
    readonly Gpt2Config config;

    public override IModelConfig Config => config;
    public override IEnumerable<Parameter> TokenEmbeddings => [wte.weight!]; // the LM head is tied to it

    public Gpt2Model(Gpt2Config config, LinearFactory? linears = null) : base(nameof(Gpt2Model))
    {
        this.config = Checked(config);
        linears ??= LinearFactory.Plain;
        wte = Embedding(config.VocabSize, config.NEmbd);
        wpe = Embedding(config.NPositions, config.NEmbd);
        h = new ModuleList<Gpt2Block>(Enumerable.Range(0, config.NLayer).Select(_ => new Gpt2Block(config, linears)).ToArray());
        ln_f = LayerNorm(config.NEmbd, config.LayerNormEpsilon);
        RegisterComponents();
    }

    /// <summary>
    /// Padding may sit on either side. Positions count real tokens only (<see cref="CausalDecoding.Positions"/>), so a right-padded
    /// batch reads positions 0..L−1 as before and a left-padded one (generation's) gives each real token the position
    /// it would have alone; the causal mask also excludes padding keys.
    /// </summary>
    public override Tensor Forward(EncoderBatch batch, DropoutPlan? plan = null)
    {
        using var scope = NewDisposeScope();
        plan = training ? plan ?? DropoutPlan.None : DropoutPlan.None;
        var ids = batch.InputIds;
        if (ids.shape[1] > config.NPositions)
            throw new ArgumentException($"input of {ids.shape[1]} tokens is longer than the model's {config.NPositions} positions (n_positions)");
        var real = batch.AttentionMask.to(ScalarType.Bool);
        var x = wte.call(ids) + wpe.call(CausalDecoding.Positions(batch.AttentionMask));
        // The input position: the embedding sum, where GPT-2 applies its embd_pdrop.
        if (plan.At(DropPosition.Input) is { } input) x = TokenDropout.Apply(x, input, real);
        var visible = DropMasks.CausalVisible(real);
        var mask = DropMasks.VisibleMask(visible, x.dtype);
        for (int i = 0; i < LayerCount; i++)
            x = h[i].Forward(x, real, visible, mask, DropsAt(plan, i));
        return ln_f.call(x).MoveToOuterDisposeScope();
    }

    public int MaxPositions => config.NPositions;

    /// <inheritdoc/>
    public (Tensor Logits, KvCache Cache) Decode(Tensor ids, Tensor attentionMask, KvCache? past = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long pastLength = past?.Length ?? 0, length = ids.shape[1], total = pastLength + length;
        if (total > config.NPositions)
            throw new ArgumentException($"{total} tokens (prompt, padding and generated ones) do not fit the model's {config.NPositions} positions (n_positions)");
        var mask = past is null ? attentionMask : cat([past.AttentionMask, attentionMask], 1);
        var x = wte.call(ids) + wpe.call(CausalDecoding.Positions(mask)[.., (int)pastLength..]);
        var additive = DropMasks.VisibleMask(CausalDecoding.VisibleAfter(pastLength, length, mask), x.dtype);
        var layers = new (Tensor Key, Tensor Value)[LayerCount];
        for (int i = 0; i < LayerCount; i++)
        {
            (x, var key, var value) = h[i].Decode(x, additive, past?[i]);
            layers[i] = (key, value);
        }
        var logits = LmLogits(ln_f.call(x));
        var cache = new KvCache(layers, mask.clone());   // detaches its tensors from this scope
        return (logits.MoveToOuterDisposeScope(), cache);
    }

    /// <summary>Next-token logits [B, L, V] of a last hidden state: hidden · wteᵀ (GPT2LMHeadModel's lm_head is tied to wte).</summary>
    public Tensor LmLogits(Tensor hidden) => functional.linear(hidden, wte.weight!);
}
