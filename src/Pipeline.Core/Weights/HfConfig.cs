using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Models;

namespace Pipeline.Weights;

/// <summary>
/// HF <c>config.json</c> ↔ <see cref="BertConfig"/> for BERT and RoBERTa. The shape keys are required;
/// the others take HF's defaults for the model type when absent. Anything our encoder does not compute
/// (another activation, relative positions) is refused rather than silently run differently.
/// </summary>
public static class HfConfig
{
    public static BertConfig Read(string path)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        return Parse(json, path);
    }

    public static BertConfig Parse(JsonObject json, string source)
    {
        string modelType = String(json, "model_type", source) ?? throw new InvalidDataException($"{source}: no 'model_type' (expected bert or roberta)");
        var variant = modelType switch
        {
            "bert" => BertVariant.Bert,
            "roberta" or "xlm-roberta" => BertVariant.Roberta,
            _ => throw new InvalidDataException($"{source}: model_type '{modelType}' is not a BERT-family encoder; supported: bert, roberta, xlm-roberta"),
        };
        string activation = String(json, "hidden_act", source) ?? "gelu";
        if (activation != "gelu")
            throw new InvalidDataException($"{source}: hidden_act '{activation}' is not supported; the encoder computes exact (erf) GELU, HF's \"gelu\"");
        string positions = String(json, "position_embedding_type", source) ?? "absolute";
        if (positions != "absolute")
            throw new InvalidDataException($"{source}: position_embedding_type '{positions}' is not supported; only absolute position embeddings are");

        bool roberta = variant == BertVariant.Roberta;
        var config = new BertConfig(
            VocabSize: Int(json, "vocab_size", source),
            HiddenSize: Int(json, "hidden_size", source),
            NumHiddenLayers: Int(json, "num_hidden_layers", source),
            NumAttentionHeads: Int(json, "num_attention_heads", source),
            IntermediateSize: Int(json, "intermediate_size", source),
            MaxPositionEmbeddings: Int(json, "max_position_embeddings", source, 512),
            TypeVocabSize: Int(json, "type_vocab_size", source, 2),
            LayerNormEps: Double(json, "layer_norm_eps", source, roberta ? 1e-5 : 1e-12),
            PadTokenId: Int(json, "pad_token_id", source, roberta ? 1 : 0),
            Variant: variant);
        var errors = config.Validate().ToList();
        if (errors.Count > 0) throw new InvalidDataException($"{source}: {string.Join("; ", errors)}");
        if (config.PadTokenId < 0 || config.PadTokenId >= config.VocabSize)
            throw new InvalidDataException($"{source}: pad_token_id {config.PadTokenId} is outside the vocabulary of {config.VocabSize}");
        return config;
    }

    /// <summary>The config.json HF's BertModel/RobertaModel would write for <paramref name="config"/>.</summary>
    public static string ToJson(BertConfig config)
    {
        var json = new JsonObject
        {
            ["model_type"] = config.Variant == BertVariant.Roberta ? "roberta" : "bert",
            ["architectures"] = new JsonArray(config.Variant == BertVariant.Roberta ? "RobertaModel" : "BertModel"),
            ["vocab_size"] = config.VocabSize,
            ["hidden_size"] = config.HiddenSize,
            ["num_hidden_layers"] = config.NumHiddenLayers,
            ["num_attention_heads"] = config.NumAttentionHeads,
            ["intermediate_size"] = config.IntermediateSize,
            ["hidden_act"] = "gelu",
            ["max_position_embeddings"] = config.MaxPositionEmbeddings,
            ["type_vocab_size"] = config.TypeVocabSize,
            ["layer_norm_eps"] = config.LayerNormEps,
            ["pad_token_id"] = config.PadTokenId,
            ["position_embedding_type"] = "absolute",
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    static string? String(JsonObject json, string key, string source) => json[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        var other => throw WrongType(source, key, "a string", other),
    };

    static int Int(JsonObject json, string key, string source, int? fallback = null) => json[key] switch
    {
        null when fallback is { } f => f,
        null => throw new InvalidDataException($"{source}: required key '{key}' is missing"),
        JsonValue v when v.TryGetValue(out int i) => i,
        var other => throw WrongType(source, key, "an integer", other),
    };

    static double Double(JsonObject json, string key, string source, double fallback) => json[key] switch
    {
        null => fallback,
        JsonValue v when v.TryGetValue(out double d) => d,
        var other => throw WrongType(source, key, "a number", other),
    };

    static InvalidDataException WrongType(string source, string key, string expected, JsonNode? found) =>
        new($"{source}: '{key}' should be {expected}, found {found?.ToJsonString() ?? "null"}");
}
