using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// A tokenized batch for an encoder: input ids, attention mask (1 = real token) and token type ids, all [B, L] int64.
/// </summary>
public sealed record EncoderBatch(Tensor InputIds, Tensor AttentionMask, Tensor? TokenTypeIds = null)
{
    public long BatchSize => InputIds.shape[0];
    public long Length => InputIds.shape[1];

    /// <summary>
    /// Whether any token is padding, when the host knows it without reading the mask back from the device
    /// (false: attention runs with no padding mask, so the fused kernels may pick flash attention); null: unknown.
    /// </summary>
    public bool? HasPadding { get; init; }

    /// <summary>
    /// The positions whose outputs the task reads, [B, T] int64 indices into each row (null: every position): a causal
    /// LM's head then projects only the target positions' hidden states onto the vocabulary — a data-to-text prompt
    /// is most of its sequence, and the [·, V] projection most of a small decoder's compute.
    /// </summary>
    public Tensor? OutputPositions { get; init; }

    public EncoderBatch To(Device device) =>
        this with { InputIds = InputIds.to(device), AttentionMask = AttentionMask.to(device), TokenTypeIds = TokenTypeIds?.to(device), OutputPositions = OutputPositions?.to(device) };
}
