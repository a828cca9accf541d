using Pipeline.Models;
using static TorchSharp.torch;

namespace Pipeline.Training;

/// <summary>One tokenized example: ids and token types (unpadded, already truncated) and its label.</summary>
public sealed record EncodedExample(long[] InputIds, long[] TokenTypeIds, float Label);

/// <summary>A batch ready for the model: inputs and labels (int64 classes, or float targets for regression).</summary>
public sealed record TrainingBatch(EncoderBatch Inputs, Tensor Labels);

/// <summary>
/// A split tokenized once, up front; batches are padded to their own longest example (right padding) when
/// they are drawn, so short batches cost less.
/// </summary>
public sealed class EncodedSplit(IReadOnlyList<EncodedExample> examples, bool regression, long padTokenId = 0)
{
    public IReadOnlyList<EncodedExample> Examples { get; } = examples;
    public bool Regression { get; } = regression;
    public int Count => Examples.Count;

    public float[] Labels => Examples.Select(e => e.Label).ToArray();

    public TrainingBatch Batch(ReadOnlySpan<int> indices, Device device)
    {
        int width = 0;
        foreach (int i in indices) width = Math.Max(width, Examples[i].InputIds.Length);
        var ids = new long[indices.Length * width];
        var types = new long[ids.Length];
        var mask = new long[ids.Length];
        var labels = new float[indices.Length];
        Array.Fill(ids, padTokenId);
        for (int row = 0; row < indices.Length; row++)
        {
            var example = Examples[indices[row]];
            example.InputIds.CopyTo(ids, row * width);
            example.TokenTypeIds.CopyTo(types, row * width);
            Array.Fill(mask, 1L, row * width, example.InputIds.Length);
            labels[row] = example.Label;
        }
        long[] shape = [indices.Length, width];
        var inputs = new EncoderBatch(tensor(ids, shape, device: device), tensor(mask, shape, device: device), tensor(types, shape, device: device));
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
