using System.Text.Json.Nodes;
using Pipeline.Lora;
using Pipeline.Weights;

namespace Pipeline.Models.Bert;

/// <summary>
/// BERT and RoBERTa (post-LayerNorm encoders, exact GELU). The shape keys of config.json are required; the others
/// take HF's defaults for the model type. Anything the encoder does not compute (another activation, relative
/// positions) is refused rather than silently run differently.
/// </summary>
public sealed class BertFamily : ModelFamily
{
    public static BertFamily Instance { get; } = new();

    BertFamily() { }

    public override string Name => "BERT family";

    public override IReadOnlyList<string> ModelTypes { get; } = ["bert", "roberta", "xlm-roberta"];

    public override IModelConfig ReadConfig(JsonObject json, string modelType, string source)
    {
        var variant = modelType == "bert" ? BertVariant.Bert : BertVariant.Roberta;
        string activation = JsonFields.String(json, "hidden_act", source) ?? "gelu";
        if (activation != "gelu")
            throw new InvalidDataException($"{source}: hidden_act '{activation}' is not supported; the encoder computes exact (erf) GELU, HF's \"gelu\"");
        string positions = JsonFields.String(json, "position_embedding_type", source) ?? "absolute";
        if (positions != "absolute")
            throw new InvalidDataException($"{source}: position_embedding_type '{positions}' is not supported; only absolute position embeddings are");

        bool roberta = variant == BertVariant.Roberta;
        var config = new BertConfig(
            VocabSize: JsonFields.Int(json, "vocab_size", source),
            HiddenSize: JsonFields.Int(json, "hidden_size", source),
            NumHiddenLayers: JsonFields.Int(json, "num_hidden_layers", source),
            NumAttentionHeads: JsonFields.Int(json, "num_attention_heads", source),
            IntermediateSize: JsonFields.Int(json, "intermediate_size", source),
            MaxPositionEmbeddings: JsonFields.Int(json, "max_position_embeddings", source, 512),
            TypeVocabSize: JsonFields.Int(json, "type_vocab_size", source, 2),
            LayerNormEps: JsonFields.Double(json, "layer_norm_eps", source, roberta ? 1e-5 : 1e-12),
            PadTokenId: JsonFields.Int(json, "pad_token_id", source, roberta ? 1 : 0),
            Variant: variant);
        var errors = config.Validate().ToList();
        if (errors.Count > 0) throw new InvalidDataException($"{source}: {string.Join("; ", errors)}");
        if (config.PadTokenId < 0 || config.PadTokenId >= config.VocabSize)
            throw new InvalidDataException($"{source}: pad_token_id {config.PadTokenId} is outside the vocabulary of {config.VocabSize}");
        return config;
    }

    public override JsonObject WriteConfig(IModelConfig config)
    {
        var c = Bert(config);
        return new JsonObject
        {
            ["model_type"] = c.ModelType,
            ["architectures"] = new JsonArray(c.Variant == BertVariant.Roberta ? "RobertaModel" : "BertModel"),
            ["vocab_size"] = c.VocabSize,
            ["hidden_size"] = c.HiddenSize,
            ["num_hidden_layers"] = c.NumHiddenLayers,
            ["num_attention_heads"] = c.NumAttentionHeads,
            ["intermediate_size"] = c.IntermediateSize,
            ["hidden_act"] = "gelu",
            ["max_position_embeddings"] = c.MaxPositionEmbeddings,
            ["type_vocab_size"] = c.TypeVocabSize,
            ["layer_norm_eps"] = c.LayerNormEps,
            ["pad_token_id"] = c.PadTokenId,
            ["position_embedding_type"] = "absolute",
        };
    }

    public override IWeightLayout Layout(IModelConfig config) => new BertWeightLayout(Bert(config));

    public override Backbone CreateBackbone(IModelConfig config, LinearFactory linears) => new BertModel(Bert(config), linears);

    public override string LoraModulePath(IModelConfig config, LoraTarget target, int layer) => $"encoder.layer.{layer}." + target switch
    {
        LoraTarget.Query => "attention.self.query",
        LoraTarget.Key => "attention.self.key",
        LoraTarget.Value => "attention.self.value",
        LoraTarget.AttentionOutput => "attention.output.dense",
        LoraTarget.FfnIn => "intermediate.dense",
        LoraTarget.FfnOut => "output.dense",
        _ => throw new ArgumentException($"the {Name} has no LoRA target {target}"),
    };

    public override string BackboneName(IModelConfig config) => Bert(config).Variant == BertVariant.Roberta ? "roberta" : "bert";

    /// <summary>As HF: RobertaClassificationHead for RoBERTa, BERT's pooler + linear where the checkpoint has one.</summary>
    public override HeadKind DefaultHead(IModelConfig config, bool hasPooler) =>
        Bert(config).Variant == BertVariant.Roberta ? HeadKind.Roberta : hasPooler ? HeadKind.Pooler : HeadKind.Linear;

    static BertConfig Bert(IModelConfig config) =>
        config as BertConfig ?? throw new ArgumentException($"the BERT family cannot build a {config.ModelType} model");
}
