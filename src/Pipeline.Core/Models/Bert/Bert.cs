using Pipeline.Dropout;
using Pipeline.Lora;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Models.Bert;

// A BERT-family encoder (BERT, RoBERTa): post-LayerNorm layers, exact GELU FFN. Field names are the HF
// state-dict keys (embeddings.word_embeddings.weight, encoder.layer.0.attention.self.query.weight, …) so
// checkpoints load by name. The dropout plan enters at every position of the paper's Figure 1.

/// <summary>Word + position + token-type embeddings, LayerNorm, then the input dropout position (cutoff).</summary>
public sealed class BertEmbeddings : Module
{
    readonly Embedding word_embeddings, position_embeddings, token_type_embeddings;

    /// <summary>The word embedding matrix [V, D].</summary>
    public Parameter WordEmbeddings => word_embeddings.weight!;
    readonly LayerNorm LayerNorm;
    readonly BertConfig config;

    public BertEmbeddings(BertConfig config) : base(nameof(BertEmbeddings))
    {
        this.config = config;
        word_embeddings = Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        position_embeddings = Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        token_type_embeddings = Embedding(config.TypeVocabSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public Tensor Forward(EncoderBatch batch, Tensor real, DropSpec? input)
    {
        using var scope = NewDisposeScope();
        var ids = batch.InputIds;
        var positions = config.Variant == BertVariant.Roberta
            ? real.to(ScalarType.Int64).cumsum(1) * real + config.PadTokenId   // HF create_position_ids_from_input_ids
            : arange(ids.shape[1], device: ids.device).unsqueeze(0);
        var types = batch.TokenTypeIds ?? zeros_like(ids);
        var x = word_embeddings.call(ids) + position_embeddings.call(positions) + token_type_embeddings.call(types);
        x = LayerNorm.call(x);
        if (input is not null) x = TokenDropout.Apply(x, input, real);
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>dense → (optional drop) → + residual → LayerNorm: BERT's attention.output and output blocks.</summary>
public sealed class DenseResidualNorm : Module
{
    readonly Module<Tensor, Tensor> dense;
    readonly LayerNorm LayerNorm;

    public DenseResidualNorm(Module<Tensor, Tensor> dense, BertConfig config) : base(nameof(DenseResidualNorm))
    {
        this.dense = dense;
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor residual, Func<Tensor, Tensor>? drop = null)
    {
        using var scope = NewDisposeScope();
        var y = dense.call(x);
        if (drop is not null) y = drop(y);
        return LayerNorm.call(y + residual).MoveToOuterDisposeScope();
    }
}

/// <summary>BERT's attention block: self-attention (<see cref="BertSelfAttention"/>) and its output projection.</summary>
public sealed class BertAttention : Module
{
    public readonly BertSelfAttention self;
    public readonly DenseResidualNorm output;

    public BertAttention(BertConfig config, LinearFactory linears) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(config, linears);
        output = new DenseResidualNorm(linears.Create(LoraTarget.AttentionOutput, config.HiddenSize, config.HiddenSize), config);
        RegisterComponents();
    }
}

/// <summary>The FFN up-projection (BERT's "intermediate").</summary>
public sealed class BertIntermediate : Module
{
    public readonly Module<Tensor, Tensor> dense;

    public BertIntermediate(BertConfig config, LinearFactory linears) : base(nameof(BertIntermediate))
    {
        dense = linears.Create(LoraTarget.FfnIn, config.HiddenSize, config.IntermediateSize);
        RegisterComponents();
    }
}

/// <summary>One transformer layer, with the dropout positions of the paper's Figure 1.</summary>
public sealed class BertLayer : Module
{
    readonly BertAttention attention;
    readonly BertIntermediate intermediate;
    readonly DenseResidualNorm output;

    public BertLayer(BertConfig config, LinearFactory linears) : base(nameof(BertLayer))
    {
        attention = new BertAttention(config, linears);
        intermediate = new BertIntermediate(config, linears);
        output = new DenseResidualNorm(linears.Create(LoraTarget.FfnOut, config.IntermediateSize, config.HiddenSize), config);
        RegisterComponents();
    }

    public Tensor Forward(Tensor hidden, Tensor real, Tensor? padding, LayerDrops drops)
    {
        using var scope = NewDisposeScope();
        var (context, received) = attention.self.Forward(hidden, real, padding, drops);
        var h = attention.output.Forward(context, hidden);
        var ffn = functional.gelu(intermediate.dense.call(h));
        // HiddenCut: on the FFN output after the down-projection, before the residual add and LayerNorm.
        Func<Tensor, Tensor>? cut = drops.Hidden is { } spec ? y => TokenDropout.Apply(y, spec, real, received) : null;
        return output.Forward(ffn, h, cut).MoveToOuterDisposeScope();
    }
}

public sealed class BertEncoder : Module
{
    public readonly ModuleList<BertLayer> layer;

    public BertEncoder(BertConfig config, LinearFactory linears) : base(nameof(BertEncoder))
    {
        layer = new ModuleList<BertLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config, linears)).ToArray());
        RegisterComponents();
    }
}

/// <summary>tanh(dense(h[CLS])): BERT's pooler, trained by next-sentence prediction.</summary>
public sealed class BertPooler : Module
{
    readonly Linear dense;

    public BertPooler(BertConfig config) : base(nameof(BertPooler))
    {
        dense = Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    public Tensor Forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return dense.call(hidden[.., 0]).tanh().MoveToOuterDisposeScope();
    }
}

/// <summary>The encoder: embeddings → layers; returns the last hidden state [B, L, D].</summary>
public sealed class BertModel : Backbone
{
    public readonly BertEmbeddings embeddings;
    public readonly BertEncoder encoder;
    public readonly BertPooler pooler;
    readonly BertConfig config;

    public override IModelConfig Config => config;
    public override IEnumerable<Parameter> TokenEmbeddings => [embeddings.WordEmbeddings];

    public BertModel(BertConfig config, LinearFactory? linears = null) : base(nameof(BertModel))
    {
        this.config = Checked(config);
        linears ??= LinearFactory.Plain;
        embeddings = new BertEmbeddings(config);
        encoder = new BertEncoder(config, linears);
        pooler = new BertPooler(config);
        RegisterComponents();
    }

    public override Tensor Forward(EncoderBatch batch, DropoutPlan? plan = null)
    {
        using var scope = NewDisposeScope();
        plan = training ? plan ?? DropoutPlan.None : DropoutPlan.None;
        var real = batch.AttentionMask.to(ScalarType.Bool);
        var hidden = embeddings.Forward(batch, real, plan.At(DropPosition.Input));
        var padding = batch.HasPadding == false ? null : DropMasks.PaddingMask(real, hidden.dtype);
        for (int i = 0; i < LayerCount; i++)
            hidden = encoder.layer[i].Forward(hidden, real, padding, DropsAt(plan, i));
        return hidden.MoveToOuterDisposeScope();
    }

    public override Tensor Pool(Tensor hidden) => pooler.Forward(hidden);

    public override nn.Module? Pooler => pooler;
}
