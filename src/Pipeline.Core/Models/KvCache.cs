using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// The keys and values a causal decoder has computed for the tokens it has read, per layer [B, H, L, head_dim] (H: the
/// key/value heads, fewer than the query heads under LLaMA's grouped-query attention), and
/// their attention mask [B, L] (1 = real token, 0 = padding), so that the next tokens attend to them without
/// recomputing them (<see cref="ICausalLanguageModel.Decode"/>). The cache owns its tensors: they are detached from
/// every dispose scope when it is made, and <see cref="Dispose"/> frees them.
/// </summary>
public sealed class KvCache : IDisposable
{
    readonly (Tensor Key, Tensor Value)[] layers;

    public KvCache(IEnumerable<(Tensor Key, Tensor Value)> layers, Tensor attentionMask)
    {
        this.layers = [.. layers.Select(l => (l.Key.DetachFromDisposeScope(), l.Value.DetachFromDisposeScope()))];
        AttentionMask = attentionMask.DetachFromDisposeScope();
    }

    public (Tensor Key, Tensor Value) this[int layer] => layers[layer];

    public int LayerCount => layers.Length;

    /// <summary>[B, L] int64: which cached tokens are real.</summary>
    public Tensor AttentionMask { get; }

    /// <summary>How many tokens (padding included) each row holds.</summary>
    public long Length => AttentionMask.shape[1];

    public long BatchSize => AttentionMask.shape[0];

    /// <summary>
    /// A new cache of the rows <paramref name="rows"/> [N] (int64) of this one, in that order — beam search keeps the
    /// rows its surviving beams came from. This cache stays valid; dispose both.
    /// </summary>
    public KvCache Select(Tensor rows) =>
        new(layers.Select(l => (l.Key.index_select(0, rows), l.Value.index_select(0, rows))), AttentionMask.index_select(0, rows));

    public void Dispose()
    {
        foreach (var (key, value) in layers)
        {
            key.Dispose();
            value.Dispose();
        }
        AttentionMask.Dispose();
    }
}
