using Pipeline.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// Sentence embeddings as sentence-transformers computes them (Transformer → Pooling → Normalize): the pooled
/// last hidden state, L2-normalised, so a dot product is the cosine similarity. Dropout-free (eval mode).
/// </summary>
public static class SentenceEmbeddings
{
    /// <returns>[N, D] unit vectors on the encoder's device.</returns>
    public static Tensor Encode(Backbone encoder, EncoderTokenizer tokenizer, IReadOnlyList<string> texts, Pooling pooling, int? maxLength = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool training = encoder.training;
        encoder.eval();
        try
        {
            var device = encoder.parameters().First().device;
            var batch = tokenizer.Batch(texts, maxLength).To(device);
            var hidden = encoder.Forward(batch);
            var pooled = pooling == Pooling.Mean ? Heads.TaskHead.MeanPool(hidden, batch.AttentionMask) : hidden[.., 0];
            return nn.functional.normalize(pooled, p: 2, dim: 1).MoveToOuterDisposeScope();
        }
        finally
        {
            if (training) encoder.train();
        }
    }

    /// <summary>The cosine similarity of two texts' embeddings.</summary>
    public static double Cosine(Backbone encoder, EncoderTokenizer tokenizer, string a, string b, Pooling pooling)
    {
        using var scope = NewDisposeScope();
        var e = Encode(encoder, tokenizer, [a, b], pooling);
        return (e[0] * e[1]).sum().item<float>();
    }
}
