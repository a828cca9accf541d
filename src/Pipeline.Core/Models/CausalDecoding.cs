using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// What every causal decoder computes the same way from an attention mask (GPT-2's learned positions and LLaMA's rotary
/// ones alike): each token's position, and which keys the new tokens of a cached step may see.
/// </summary>
public static class CausalDecoding
{
    /// <summary>
    /// Each token's position [B, L]: the number of real tokens before it (HF's position_ids = cumsum(mask) − 1).
    /// With right padding that is 0..L−1 at every real token; padding gets the position of the last real token before
    /// it, or 0 — any position would do, padding is masked out of every real token's attention. So a left-padded batch
    /// gives each row what it gives alone.
    /// </summary>
    public static Tensor Positions(Tensor attentionMask) => (attentionMask.cumsum(1) - 1).clamp_min(0);

    /// <summary>
    /// Which keys the <paramref name="length"/> new tokens see after <paramref name="pastLength"/> cached ones,
    /// [B, 1, N, past + N]: new token i sits at index past + i and sees the real keys at or before it.
    /// <paramref name="mask"/> is the attention mask of all the tokens [B, past + N].
    /// </summary>
    public static Tensor VisibleAfter(long pastLength, long length, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var causal = ones(length, pastLength + length, dtype: ScalarType.Bool, device: mask.device).tril(pastLength);
        return causal.unsqueeze(0).logical_and(mask.to(ScalarType.Bool).unsqueeze(1)).unsqueeze(1).MoveToOuterDisposeScope();
    }
}
