using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// A tokenized batch for an encoder: input ids, attention mask (1 = real token) and token type ids, all [B, L] int64.
/// </summary>
public sealed record EncoderBatch(Tensor InputIds, Tensor AttentionMask, Tensor? TokenTypeIds = null)
{
    public long BatchSize => InputIds.shape[0];
    public long Length => InputIds.shape[1];

    public EncoderBatch To(Device device) =>
        new(InputIds.to(device), AttentionMask.to(device), TokenTypeIds?.to(device));
}
