using Pipeline.Vocabulary;

namespace Pipeline.Dropout;

/// <summary>
/// The structure of what is dropped: the paper's second dimension ("structural pattern", Figure 2).
/// Masks are drawn independently per example, per head (attention) and per layer.
/// </summary>
public enum DropPattern
{
    /// <summary>
    /// Each entry independently with probability p. Attention: one (query, key) pair of a head.
    /// Hidden/Input/Output: one unit of one token, kept units rescaled by 1/(1−p) (inverted dropout).
    /// </summary>
    [YamlName("element"), AppliesTo(DropPosition.Input, DropPosition.AttentionLogits, DropPosition.AttentionWeights, DropPosition.Hidden, DropPosition.Output)]
    Element,

    /// <summary>
    /// Whole token positions with probability p each. Attention: one key masked for every query of a head
    /// (the paper's "masked key columns"). Hidden/Input: a whole token vector (all D units; token cutoff).
    /// Not rescaled (like DropKey and HiddenCut's cuts).
    /// </summary>
    [YamlName("column"), AppliesTo(DropPosition.Input, DropPosition.AttentionLogits, DropPosition.AttentionWeights, DropPosition.Hidden)]
    Column,

    /// <summary>
    /// One contiguous run of real (non-padding) tokens per example (and head, for attention) whose expected
    /// length is p × the real length: ⌊p·n⌋ tokens plus one more with probability frac(p·n), start uniform
    /// over the valid positions — so the expected dropped fraction equals the rate. Not rescaled.
    /// HiddenCut's attention-guided start is <see cref="SpanStart.AttentionGuided"/>.
    /// </summary>
    [YamlName("span"), AppliesTo(DropPosition.Input, DropPosition.AttentionLogits, DropPosition.AttentionWeights, DropPosition.Hidden)]
    Span,

    /// <summary>
    /// Whole feature dimensions across every token of an example with probability p (feature cutoff).
    /// Input and Hidden only; the other reading of Figure 2's "column" for HiddenCut. Not rescaled.
    /// </summary>
    [YamlName("feature"), AppliesTo(DropPosition.Input, DropPosition.Hidden)]
    Feature,

    /// <summary>
    /// Whole attention heads per example with probability p, the kept heads rescaled by H / kept (DropHead,
    /// Zhou et al. 2020; <see cref="HeadDropout"/>). At either attention position: a head without its logits and
    /// a head without its weights are the same missing head.
    /// </summary>
    [YamlName("head"), AppliesTo(DropPosition.AttentionLogits, DropPosition.AttentionWeights)]
    Head,
}

/// <summary>How a span's start is chosen.</summary>
public enum SpanStart
{
    /// <summary>Uniform over the valid starts (this project's default; the paper does not say).</summary>
    [YamlName("uniform"), AppliesTo(Patterns = [DropPattern.Span])]
    Uniform,

    /// <summary>
    /// HiddenCut's official rule: uniform among the top 40% of tokens ranked by the attention they receive
    /// (summed over heads and queries) in the same layer. Hidden position only; needs the explicit attention path.
    /// </summary>
    [YamlName("attention_guided"), AppliesTo(DropPosition.Hidden, Patterns = [DropPattern.Span])]
    AttentionGuided,
}
