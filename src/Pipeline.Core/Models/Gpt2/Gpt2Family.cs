using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipeline.Lora;
using Pipeline.Text;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Models.Gpt2;

/// <summary>
/// GPT-2 (pre-LayerNorm causal decoders, tanh GELU, learned positions, tied LM head). The shape keys of
/// config.json are required; the others take HF's GPT2Config defaults. Any option that would make HF compute a
/// different function than <see cref="Gpt2Model"/> is refused rather than silently run differently.
/// <para>
/// Conv1D: HF's GPT-2 projections are <c>Conv1D</c> modules whose weights are stored [in, out]. Here they are
/// plain nn.Linear [out, in] built by the <see cref="LinearFactory"/>, so LoRA injection, freezing and every
/// nn.Linear code path work unchanged; the family transposes those four weights per layer on import
/// (<see cref="FromCheckpoint"/>) and back on export (<see cref="ToCheckpoint"/>).
/// </para>
/// </summary>
public sealed partial class Gpt2Family : ModelFamily
{
    public static Gpt2Family Instance { get; } = new();

    Gpt2Family() { }

    public override string Name => "GPT-2 family";

    public override IReadOnlyList<string> ModelTypes { get; } = ["gpt2"];

    // resid_pdrop, embd_pdrop, attn_pdrop and summary_first_dropout are read by nobody: every dropout of a run is
    // its DropoutPlan's (the paper's baselines have all dropout off), so HF's own dropout settings do not apply.
    public override IModelConfig ReadConfig(JsonObject json, string modelType, string source)
    {
        string activation = JsonFields.String(json, "activation_function", source) ?? "gelu_new";
        if (activation != "gelu_new")
            throw new InvalidDataException($"{source}: activation_function '{activation}' is not supported; GPT-2 here computes tanh-approximated GELU, HF's \"gelu_new\"");
        Require(json, "scale_attn_weights", true, source, "attention logits are always divided by √head_dim");
        Require(json, "scale_attn_by_inverse_layer_idx", false, source, "the extra 1/(layer+1) scaling is not implemented");
        Require(json, "reorder_and_upcast_attn", false, source, "attention is computed in the model's dtype");

        var config = new Gpt2Config(
            VocabSize: JsonFields.Int(json, "vocab_size", source),
            NPositions: JsonFields.Int(json, "n_positions", source),
            NEmbd: JsonFields.Int(json, "n_embd", source),
            NLayer: JsonFields.Int(json, "n_layer", source),
            NHead: JsonFields.Int(json, "n_head", source),
            NInner: json["n_inner"] is null ? null : JsonFields.Int(json, "n_inner", source),
            LayerNormEpsilon: JsonFields.Double(json, "layer_norm_epsilon", source, 1e-5),
            BosTokenId: JsonFields.Int(json, "bos_token_id", source, 50256),
            EosTokenId: JsonFields.Int(json, "eos_token_id", source, 50256),
            PadToken: json["pad_token_id"] is null ? null : JsonFields.Int(json, "pad_token_id", source));
        var errors = config.Validate().ToList();
        if (errors.Count > 0) throw new InvalidDataException($"{source}: {string.Join("; ", errors)}");
        return config;
    }

    static void Require(JsonObject json, string key, bool supported, string source, string why)
    {
        bool value = JsonFields.Bool(json, key, source, fallback: supported);
        if (value != supported)
            throw new InvalidDataException($"{source}: {key} {(value ? "true" : "false")} is not supported ({why}); it must be {(supported ? "true" : "false")}");
    }

    /// <summary>As GPT2Config.to_dict writes it (the dropout keys left out: HF fills its defaults, and a run's dropout is its plan's).</summary>
    public override JsonObject WriteConfig(IModelConfig config)
    {
        var c = Gpt2(config);
        var json = new JsonObject
        {
            ["model_type"] = c.ModelType,
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["vocab_size"] = c.VocabSize,
            ["n_positions"] = c.NPositions,
            ["n_embd"] = c.NEmbd,
            ["n_layer"] = c.NLayer,
            ["n_head"] = c.NHead,
            ["n_inner"] = c.NInner,
            ["activation_function"] = "gelu_new",
            ["layer_norm_epsilon"] = c.LayerNormEpsilon,
            ["scale_attn_weights"] = true,
            ["scale_attn_by_inverse_layer_idx"] = false,
            ["reorder_and_upcast_attn"] = false,
            ["bos_token_id"] = c.BosTokenId,
            ["eos_token_id"] = c.EosTokenId,
        };
        if (c.PadToken is { } pad) json["pad_token_id"] = pad;
        return json;
    }

    public override IWeightLayout Layout(IModelConfig config) => new Gpt2WeightLayout(Gpt2(config));

    public override Backbone CreateBackbone(IModelConfig config, LinearFactory linears) => new Gpt2Model(Gpt2(config), linears);

    /// <summary>query, key and value adapt slices of the one fused Conv1D <c>attn.c_attn</c> (<see cref="FusedLoraLinear"/>).</summary>
    public override string LoraModulePath(IModelConfig config, LoraTarget target, int layer) => $"h.{layer}." + target switch
    {
        LoraTarget.Query or LoraTarget.Key or LoraTarget.Value => "attn.c_attn",
        LoraTarget.AttentionOutput => "attn.c_proj",
        LoraTarget.FfnIn => "mlp.c_fc",
        LoraTarget.FfnOut => "mlp.c_proj",
        _ => throw new ArgumentException($"the {Name} has no LoRA target {target}"),
    };

    /// <summary>GPT2LMHeadModel and GPT2ForSequenceClassification hold the decoder as <c>transformer</c>.</summary>
    public override string BackboneName(IModelConfig config) => "transformer";

    /// <summary>The paper drops only in the latter half of a decoder's layers (its appendix, for GPT-2 and LLaMA).</summary>
    public override Dropout.LayerSelection DefaultDropLayers => Dropout.LayerSelection.LatterHalf;

    /// <summary>
    /// A linear classifier (GPT2ForSequenceClassification's <c>score</c> is one, on the last real token; that
    /// pooling comes with the causal-LM slice, until then the linear head pools as asked).
    /// </summary>
    public override HeadKind DefaultHead(IModelConfig config, bool hasPooler) => HeadKind.Linear;

    /// <summary>Mean over the real tokens: under the causal mask the first token has seen only itself.</summary>
    public override Pooling DefaultPooling(IModelConfig config) => Pooling.Mean;

    /// <summary>
    /// GPT-2's vocab.json + merges.txt have none of RoBERTa's special tokens, so the encoder tokenizer would refuse
    /// them; they make the <see cref="DecoderTokenizer"/> instead (<see cref="LoadDecoderTokenizer"/>).
    /// </summary>
    public override bool UsesEncoderTokenizer => false;

    public override string DecoderTokenizerFiles => $"byte-level BPE {HfCheckpoint.BpeVocabFile} + {HfCheckpoint.BpeMergesFile}";

    /// <summary>GPT-2's tokenizer: vocab.json + merges.txt, &lt;|endoftext|&gt; = eos_token_id, padding with the config's padding id.</summary>
    public override DecoderTokenizer? LoadDecoderTokenizer(string directory, IModelConfig config)
    {
        var c = Gpt2(config);
        string vocabPath = Path.Combine(directory, HfCheckpoint.BpeVocabFile), mergesPath = Path.Combine(directory, HfCheckpoint.BpeMergesFile);
        if (!File.Exists(vocabPath) || !File.Exists(mergesPath)) return null;
        using var vocab = UntrustedFile.OpenRead(vocabPath, UntrustedFile.MaxTokenizerBytes);
        using var merges = UntrustedFile.OpenRead(mergesPath, UntrustedFile.MaxTokenizerBytes);
        return DecoderTokenizer.FromByteLevelBpe(vocab, merges, c.EosTokenId, c.PadTokenId);
    }

    public override Tensor FromCheckpoint(IModelConfig config, string name, string key, Tensor tensor, string source)
    {
        // A layer the config does not have is left as it is: PretrainedWeights reports it as unexpected.
        if (!IsConv1DWeight(name) || !Layout(config).Shapes().TryGetValue(name, out var expected)) return tensor;
        // expected is [out, in], as the module holds it.
        long[] inFile = [expected[1], expected[0]];
        if (!tensor.shape.SequenceEqual(inFile))
            throw new InvalidDataException($"{source}: tensor '{key}' has shape {TensorShape.Format(tensor.shape)}, " +
                $"expected {TensorShape.Format(inFile)} (HF Conv1D, [in, out]) for {config.Describe()}");
        return tensor.t().contiguous();
    }

    public override Tensor ToCheckpoint(IModelConfig config, string name, Tensor tensor) =>
        IsConv1DWeight(name) ? tensor.t().contiguous() : tensor;

    /// <summary>The weights of HF's Conv1D modules: the fused q/k/v, the attention output and the MLP's two projections.</summary>
    public static bool IsConv1DWeight(string name) => Conv1DWeight().IsMatch(name);

    [GeneratedRegex(@"^h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$")]
    private static partial Regex Conv1DWeight();

    static Gpt2Config Gpt2(IModelConfig config) =>
        config as Gpt2Config ?? throw new ArgumentException($"the GPT-2 family cannot build a {config.ModelType} model");
}
