using Pipeline.Vocabulary;

namespace Pipeline.Compensation;

/// <summary>
/// How a consistency divergence is reduced over the rows of a batch. A row is what the task compares: an example
/// of a classifier or a regression model, a target token of a language model (prompt and padding excluded). Each
/// row's divergence is first summed over the classes (the vocabulary, for a language model); the paper does not say
/// how rows are combined (PAPER.md §5, "KL details"), and the two conventions change what the weight α means.
/// </summary>
public enum DivergenceReduction
{
    /// <summary>
    /// The mean over the rows ("batchmean"), like the task loss: α weighs the divergence of one example (one target
    /// token) against its cross-entropy, whatever the batch size or the number of target tokens.
    /// </summary>
    [YamlName("mean")]
    Mean,

    /// <summary>
    /// The sum over the rows, as R-Drop's reference code does (<c>kl_div(…, reduction='none').sum()</c>) beside a
    /// mean cross-entropy: α·Σ = (α·N)·mean with N the rows of the batch, so the divergence weighs N times more
    /// than under <see cref="Mean"/> at the same α — N = batch size for a classifier (R-Drop's α = 1 at batch 32 is
    /// α = 32 under mean), N = the batch's target tokens for a language model (which varies from batch to batch).
    /// Regression sums the per-example mean squared difference of the representations.
    /// </summary>
    [YamlName("sum")]
    Sum,
}
