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

    public EncoderBatch To(Device device) =>
        this with { InputIds = InputIds.to(device), AttentionMask = AttentionMask.to(device), TokenTypeIds = TokenTypeIds?.to(device) };
}
