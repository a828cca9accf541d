using Pipeline.Weights;

namespace Pipeline.Models.Bert;

/// <summary>
/// The tensors of a BERT-family encoder in HF naming without the <c>bert.</c>/<c>roberta.</c> prefix
/// (<c>embeddings.word_embeddings.weight</c>, <c>encoder.layer.0.attention.self.query.weight</c>, …) and the
/// shape each must have for a <see cref="BertConfig"/>. Every importer checks against this one list, so an
/// ONNX graph, a safetensors file and <see cref="BertModel"/> agree on names and shapes by construction.
/// </summary>
public sealed class BertWeightLayout(BertConfig config) : IWeightLayout
{
    /// <summary>The pooler (tanh(dense(h[CLS]))): absent from checkpoints exported without it, e.g. arctic-embed-xs.</summary>
    public const string PoolerPrefix = "pooler.";

    public string? OptionalPrefix => PoolerPrefix;

    public IReadOnlySet<string> ComputedBuffers { get; } = new HashSet<string>(["embeddings.position_ids", "embeddings.token_type_ids"], StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long[]> Shapes(bool withOptional = true) => Shapes(config, withOptional);

    public static IReadOnlyDictionary<string, long[]> Shapes(BertConfig config, bool withPooler = true)
    {
        long h = config.HiddenSize, ffn = config.IntermediateSize;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["embeddings.word_embeddings.weight"] = [config.VocabSize, h],
            ["embeddings.position_embeddings.weight"] = [config.MaxPositionEmbeddings, h],
            ["embeddings.token_type_embeddings.weight"] = [config.TypeVocabSize, h],
        };
        void Linear(string name, long inFeatures, long outFeatures)
        {
            shapes[name + ".weight"] = [outFeatures, inFeatures];   // nn.Linear keeps [out, in]
            shapes[name + ".bias"] = [outFeatures];
        }
        void LayerNorm(string name)
        {
            shapes[name + ".weight"] = [h];
            shapes[name + ".bias"] = [h];
        }

        LayerNorm("embeddings.LayerNorm");
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            string layer = $"encoder.layer.{i}.";
            Linear(layer + "attention.self.query", h, h);
            Linear(layer + "attention.self.key", h, h);
            Linear(layer + "attention.self.value", h, h);
            Linear(layer + "attention.output.dense", h, h);
            LayerNorm(layer + "attention.output.LayerNorm");
            Linear(layer + "intermediate.dense", h, ffn);
            Linear(layer + "output.dense", ffn, h);
            LayerNorm(layer + "output.LayerNorm");
        }
        if (withPooler) Linear("pooler.dense", h, h);
        return shapes;
    }

    public static long ParameterCount(BertConfig config, bool withPooler = true) =>
        Shapes(config, withPooler).Values.Sum(TensorShape.NumberOfElements);
}
