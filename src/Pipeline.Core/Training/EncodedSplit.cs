using Pipeline.Data;
using Pipeline.Models;
using Pipeline.Tasks;
using Pipeline.Text;
using static TorchSharp.torch;

namespace Pipeline.Training;

/// <summary>
/// One tokenized example (unpadded, already truncated) and its target. For a language model the first
/// <paramref name="PromptLength"/> tokens are context (start and prompt): their own prediction is not learned.
/// </summary>
public sealed record EncodedExample(TokenizedText Tokens, Target Target, int PromptLength = 0);

/// <summary>A batch ready for the model: inputs and targets (as the task's <see cref="FineTuningTask.Targets"/> made them).</summary>
public sealed record TrainingBatch(EncoderBatch Inputs, Tensor Targets);

/// <summary>
/// A split tokenized once, up front; batches are padded to their own longest example (right padding) when
/// they are drawn, so short batches cost less.
/// </summary>
public sealed class EncodedSplit(IReadOnlyList<EncodedExample> examples, int padTokenId = 0)
{
    public IReadOnlyList<EncodedExample> Examples { get; } = examples;
    public int Count => Examples.Count;

    public IReadOnlyList<Target> Targets => Examples.Select(e => e.Target).ToList();

    public TrainingBatch Batch(ReadOnlySpan<int> indices, FineTuningTask task, Device device)
    {
        var examples = new EncodedExample[indices.Length];
        for (int row = 0; row < indices.Length; row++) examples[row] = Examples[indices[row]];
        var inputs = EncoderTokenizer.Pad(examples.Select(e => e.Tokens).ToList(), padTokenId, device) with
        {
            OutputPositions = task.OutputPositions(examples, device),
        };
        return new TrainingBatch(inputs, task.Targets(examples, inputs.Length, device));
    }

    /// <summary>Consecutive index ranges of at most <paramref name="batchSize"/> over <paramref name="order"/>.</summary>
    public static IEnumerable<int[]> Chunks(int[] order, int batchSize)
    {
        for (int start = 0; start < order.Length; start += batchSize)
            yield return order[start..Math.Min(order.Length, start + batchSize)];
    }
}
