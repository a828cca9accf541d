using Pipeline.Models.Bert;
using Pipeline.Engine;
using Pipeline.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Weights;

/// <summary>Small random encoders and inputs for import tests: every parameter random, LayerNorms included, so a swapped name shows.</summary>
static class TinyEncoders
{
    public static BertConfig Bert { get; } = new(VocabSize: 100, HiddenSize: 16, NumHiddenLayers: 2, NumAttentionHeads: 4,
        IntermediateSize: 32, MaxPositionEmbeddings: 24, TypeVocabSize: 2);

    public static BertConfig Roberta { get; } = new(VocabSize: 100, HiddenSize: 16, NumHiddenLayers: 2, NumAttentionHeads: 4,
        IntermediateSize: 32, MaxPositionEmbeddings: 26, TypeVocabSize: 1, LayerNormEps: 1e-5, PadTokenId: 1, Variant: BertVariant.Roberta);

    public static BertModel Random(BertConfig config, long seed = 7)
    {
        TorchRuntime.Initialize();
        manual_seed(seed);
        var model = new BertModel(config);
        using (no_grad())
        {
            foreach (var parameter in model.parameters())
                parameter.uniform_(-0.5, 0.5);
        }
        model.eval();
        return model;
    }

    /// <summary>Two padded examples with both token types (RoBERTa: one type) and ids above the pad id.</summary>
    public static EncoderBatch Batch(BertConfig config)
    {
        long[] shape = [2, 6];
        var ids = tensor(new long[] { 2, 5, 9, 13, 3, 4, 2, 7, 3, config.PadTokenId, config.PadTokenId, config.PadTokenId }, shape);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, shape);
        var types = config.TypeVocabSize > 1 ? tensor(new long[] { 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0 }, shape) : zeros(shape, ScalarType.Int64);
        return new EncoderBatch(ids, mask, types);
    }

    /// <summary>The encoder's state dict as separate tensors (HF names, no prefix).</summary>
    public static Dictionary<string, Tensor> StateDict(nn.Module model) =>
        model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
}
