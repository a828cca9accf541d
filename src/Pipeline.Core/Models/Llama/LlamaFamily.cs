using System.Text.Json.Nodes;
using Pipeline.Lora;
using Pipeline.Text;
using Pipeline.Weights;

namespace Pipeline.Models.Llama;

/// <summary>
/// LLaMA (pre-RMSNorm causal decoders, rotary positions, grouped-query attention, SwiGLU, an own or tied LM head), model
/// type <c>llama</c>. The shape keys of config.json are required; the others take HF's LlamaConfig defaults. Any option
/// that would make HF compute a different function than <see cref="LlamaModel"/> is refused, naming the file and the key:
/// an activation other than silu, and rope_scaling of any kind (only the default rotary embedding is implemented).
/// </summary>
public sealed class LlamaFamily : ModelFamily
{
    public const string SentencePieceFile = "tokenizer.model";
    public const string TokenizerConfigFile = "tokenizer_config.json";

    public static LlamaFamily Instance { get; } = new();

    LlamaFamily() { }

    public override string Name => "LLaMA family";

    public override IReadOnlyList<string> ModelTypes { get; } = ["llama"];

    // attention_dropout is read by nobody: a run's dropout is its DropoutPlan's. pretraining_tp > 1 only splits HF's matmuls
    // into slices (the same function up to rounding), so it is accepted as well.
    public override IModelConfig ReadConfig(JsonObject json, string modelType, string source)
    {
        string activation = JsonFields.String(json, "hidden_act", source) ?? "silu";
        if (activation != "silu")
            throw new InvalidDataException($"{source}: hidden_act '{activation}' is not supported; LLaMA here computes SwiGLU with silu");
        if (json["rope_scaling"] is JsonObject scaling)
        {
            string kind = JsonFields.String(scaling, "rope_type", source) ?? JsonFields.String(scaling, "type", source) ?? "(none given)";
            if (kind != "default")
                throw new InvalidDataException($"{source}: rope_scaling of kind '{kind}' is not supported; only the default rotary " +
                    "embedding is implemented (rope_scaling null)");
        }
        else if (json["rope_scaling"] is { } other)
            throw new InvalidDataException($"{source}: 'rope_scaling' should be null or an object, found {other.ToJsonString()}");

        var config = new LlamaConfig(
            VocabSize: JsonFields.Int(json, "vocab_size", source),
            HiddenSize: JsonFields.Int(json, "hidden_size", source),
            IntermediateSize: JsonFields.Int(json, "intermediate_size", source),
            NumHiddenLayers: JsonFields.Int(json, "num_hidden_layers", source),
            NumAttentionHeads: JsonFields.Int(json, "num_attention_heads", source),
            NumKeyValueHeads: Optional(json, "num_key_value_heads", source),
            HeadDimension: Optional(json, "head_dim", source),
            MaxPositionEmbeddings: JsonFields.Int(json, "max_position_embeddings", source, 2048),
            RmsNormEps: JsonFields.Double(json, "rms_norm_eps", source, 1e-6),
            RopeTheta: JsonFields.Double(json, "rope_theta", source, 10000),
            TieWordEmbeddings: JsonFields.Bool(json, "tie_word_embeddings", source, fallback: false),
            AttentionBias: JsonFields.Bool(json, "attention_bias", source, fallback: false),
            MlpBias: JsonFields.Bool(json, "mlp_bias", source, fallback: false),
            BosTokenId: JsonFields.Int(json, "bos_token_id", source, 1),
            EosTokenId: JsonFields.Int(json, "eos_token_id", source, 2),
            PadToken: Optional(json, "pad_token_id", source));
        var errors = config.Validate().ToList();
        if (errors.Count > 0) throw new InvalidDataException($"{source}: {string.Join("; ", errors)}");
        return config;
    }

    static int? Optional(JsonObject json, string key, string source) => json[key] is null ? null : JsonFields.Int(json, key, source);

    /// <summary>As LlamaConfig.to_dict writes it; num_key_value_heads, head_dim and pad_token_id only where the config gives them.</summary>
    public override JsonObject WriteConfig(IModelConfig config)
    {
        var c = Llama(config);
        var json = new JsonObject
        {
            ["model_type"] = c.ModelType,
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["vocab_size"] = c.VocabSize,
            ["hidden_size"] = c.HiddenSize,
            ["intermediate_size"] = c.IntermediateSize,
            ["num_hidden_layers"] = c.NumHiddenLayers,
            ["num_attention_heads"] = c.NumAttentionHeads,
            ["max_position_embeddings"] = c.MaxPositionEmbeddings,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = c.RmsNormEps,
            ["rope_theta"] = c.RopeTheta,
            ["rope_scaling"] = null,
            ["tie_word_embeddings"] = c.TieWordEmbeddings,
            ["attention_bias"] = c.AttentionBias,
            ["mlp_bias"] = c.MlpBias,
            ["bos_token_id"] = c.BosTokenId,
            ["eos_token_id"] = c.EosTokenId,
        };
        if (c.NumKeyValueHeads is { } kv) json["num_key_value_heads"] = kv;
        if (c.HeadDimension is { } headDim) json["head_dim"] = headDim;
        if (c.PadToken is { } pad) json["pad_token_id"] = pad;
        return json;
    }

    public override IWeightLayout Layout(IModelConfig config) => new LlamaWeightLayout(Llama(config));

    public override Backbone CreateBackbone(IModelConfig config, LinearFactory linears) => new LlamaModel(Llama(config), linears);

    /// <summary>LoRA on all seven projections: q/k/v/o_proj and the SwiGLU's gate_proj (ffn_gate), up_proj (ffn_in), down_proj (ffn_out).</summary>
    public override IReadOnlyList<LoraTarget> LoraTargets { get; } = Enum.GetValues<LoraTarget>();

    public override string LoraModulePath(IModelConfig config, LoraTarget target, int layer) => $"layers.{layer}." + target switch
    {
        LoraTarget.Query => "self_attn.q_proj",
        LoraTarget.Key => "self_attn.k_proj",
        LoraTarget.Value => "self_attn.v_proj",
        LoraTarget.AttentionOutput => "self_attn.o_proj",
        LoraTarget.FfnGate => "mlp.gate_proj",
        LoraTarget.FfnIn => "mlp.up_proj",
        LoraTarget.FfnOut => "mlp.down_proj",
        _ => throw new ArgumentException($"the {Name} has no LoRA target {target}"),
    };

    /// <summary>LlamaForCausalLM and LlamaForSequenceClassification hold the decoder as <c>model</c>.</summary>
    public override string BackboneName(IModelConfig config) => "model";

    /// <summary>The paper drops only in the latter half of a decoder's layers (its LLaMA2-7B runs included).</summary>
    public override Dropout.LayerSelection DefaultDropLayers => Dropout.LayerSelection.LatterHalf;

    /// <summary>LlamaForCausalLM keeps <c>lm_head</c> beside <c>model</c>, not inside it: its key has no prefix.</summary>
    public override string CheckpointKey(IModelConfig config, string name, string keyPrefix) =>
        name.StartsWith("lm_head.", StringComparison.Ordinal) ? name : keyPrefix + name;

    /// <summary>A linear classifier (LlamaForSequenceClassification's <c>score</c> is one, on the last real token).</summary>
    public override HeadKind DefaultHead(IModelConfig config, bool hasPooler) => HeadKind.Linear;

    /// <summary>Mean over the real tokens: under the causal mask the first token has seen only itself.</summary>
    public override Pooling DefaultPooling(IModelConfig config) => Pooling.Mean;

    /// <summary>LLaMA's SentencePiece model is no WordPiece or byte-level BPE vocabulary: it makes the <see cref="DecoderTokenizer"/>.</summary>
    public override bool UsesEncoderTokenizer => false;

    public override string DecoderTokenizerFiles => $"SentencePiece {SentencePieceFile}";

    /// <summary>
    /// LLaMA's tokenizer: <c>tokenizer.model</c> (SentencePiece), &lt;s&gt; = bos_token_id before every sequence unless
    /// tokenizer_config.json says <c>"add_bos_token": false</c>, &lt;/s&gt; = eos_token_id, padding with the config's padding id.
    /// </summary>
    public override DecoderTokenizer? LoadDecoderTokenizer(string directory, IModelConfig config)
    {
        var c = Llama(config);
        string path = Path.Combine(directory, SentencePieceFile);
        if (!File.Exists(path)) return null;
        bool addBos = true;
        string settings = Path.Combine(directory, TokenizerConfigFile);
        if (File.Exists(settings))
        {
            var json = UntrustedFile.ReadJsonObject(settings);
            addBos = JsonFields.Bool(json, "add_bos_token", settings, fallback: true);
        }
        using var model = UntrustedFile.OpenRead(path, UntrustedFile.MaxTokenizerBytes);
        return DecoderTokenizer.FromSentencePiece(model, c.BosTokenId, c.EosTokenId, c.PadTokenId, addBos, SentencePieceFile);
    }

    static LlamaConfig Llama(IModelConfig config) =>
        config as LlamaConfig ?? throw new ArgumentException($"the LLaMA family cannot build a {config.ModelType} model");
}
