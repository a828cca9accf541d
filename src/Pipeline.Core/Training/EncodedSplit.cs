using Pipeline.Models;
using Pipeline.Text;
using static TorchSharp.torch;

namespace Pipeline.Training;

/// <summary>One tokenized example (unpadded, already truncated) and its label.</summary>
public sealed record EncodedExample(TokenizedText Tokens, float Label);

/// <summary>A batch ready for the model: inputs and labels (int64 classes, or float targets for regression).</summary>
public sealed record TrainingBatch(EncoderBatch Inputs, Tensor Labels);

/// <summary>
/// A split tokenized once, up front; batches are padded to their own longest example (right padding) when
/// they are drawn, so short batches cost less.
/// </summary>
public sealed class EncodedSplit(IReadOnlyList<EncodedExample> examples, bool regression, int padTokenId = 0)
{
    public IReadOnlyList<EncodedExample> Examples { get; } = examples;
    public bool Regression { get; } = regression;
    public int Count => Examples.Count;

    public float[] Labels => Examples.Select(e => e.Label).ToArray();

    public TrainingBatch Batch(ReadOnlySpan<int> indices, Device device)
    {
        var tokens = new TokenizedText[indices.Length];
        var labels = new float[indices.Length];
        for (int row = 0; row < indices.Length; row++)
            (tokens[row], labels[row]) = (Examples[indices[row]].Tokens, Examples[indices[row]].Label);
        var inputs = EncoderTokenizer.Pad(tokens, padTokenId, device);
        var target = Regression ? tensor(labels, device: device) : tensor(labels.Select(l => (long)l).ToArray(), device: device);
        return new TrainingBatch(inputs, target);
    }

    /// <summary>Consecutive index ranges of at most <paramref name="batchSize"/> over <paramref name="order"/>.</summary>
    public static IEnumerable<int[]> Chunks(int[] order, int batchSize)
    {
        for (int start = 0; start < order.Length; start += batchSize)
            yield return order[start..Math.Min(order.Length, start + batchSize)];
    }
}
