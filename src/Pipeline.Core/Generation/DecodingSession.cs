using Pipeline.Models;
using static TorchSharp.torch;

namespace Pipeline.Generation;

/// <summary>
/// The sequences being generated: every token so far [R, L] with its attention mask (prompts left-padded), and,
/// with the cache, the keys and values of all but the tokens not yet read. <see cref="NextLogits"/> reads what is
/// pending and gives each row's next-token logits; <see cref="Append"/> adds a token per row, after choosing the rows
/// to continue (beam search). Without the cache the whole sequence is read again at every step — the same function,
/// so the two give the same tokens (tested). The session owns its tensors, outside every dispose scope.
/// </summary>
sealed class DecodingSession : IDisposable
{
    readonly ICausalLanguageModel model;
    readonly bool useCache;
    Tensor ids, mask;
    KvCache? cache;

    public DecodingSession(ICausalLanguageModel model, Tensor promptIds, Tensor promptMask, bool useCache)
    {
        this.model = model;
        this.useCache = useCache;
        ids = promptIds.clone().DetachFromDisposeScope();
        mask = promptMask.clone().DetachFromDisposeScope();
        PromptLength = ids.shape[1];
    }

    /// <summary>The padded prompt length: what HF's beam search calls decoder_prompt_len.</summary>
    public long PromptLength { get; }

    /// <summary>Tokens per row so far, padding included.</summary>
    public long Length => ids.shape[1];

    /// <summary>Next-token logits [R, V] (float32) at the last token of every row.</summary>
    public Tensor NextLogits()
    {
        using var scope = NewDisposeScope();
        long done = cache?.Length ?? 0;
        var (logits, next) = useCache
            ? model.Decode(ids[.., (int)done..], mask[.., (int)done..], cache)
            : model.Decode(ids, mask);
        if (useCache)
        {
            cache?.Dispose();
            cache = next;
        }
        else next.Dispose();
        return logits[.., -1].to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Continues rows <paramref name="rows"/> (null: all, in order) with one token each, <paramref name="tokens"/> [R] int64.</summary>
    public void Append(Tensor tokens, Tensor? rows = null)
    {
        using var scope = NewDisposeScope();
        var keptIds = rows is null ? ids : ids.index_select(0, rows);
        var keptMask = rows is null ? mask : mask.index_select(0, rows);
        if (rows is not null && cache is not null)
        {
            var selected = cache.Select(rows);
            cache.Dispose();
            cache = selected;
        }
        var newIds = cat([keptIds, tokens.view(-1, 1).to(ids.dtype)], 1).DetachFromDisposeScope();
        var newMask = cat([keptMask, ones_like(keptMask[.., ..1])], 1).DetachFromDisposeScope();
        ids.Dispose();
        mask.Dispose();
        (ids, mask) = (newIds, newMask);
    }

    public void Dispose()
    {
        ids.Dispose();
        mask.Dispose();
        cache?.Dispose();
    }
}
