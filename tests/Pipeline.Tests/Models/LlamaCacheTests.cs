using Pipeline.Generation;
using Pipeline.Models;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>LLaMA's KV cache (per key/value head) and rotary positions from the attention mask: pieces after cached tokens
/// compute what one pass computes, and left padding gives each row its own positions.</summary>
public class LlamaCacheTests
{
    [Fact]
    public void Logits_step_by_step_with_the_cache_equal_one_pass_over_a_left_padded_batch()
    {
        using var model = TinyLlama.Random();
        model.eval();
        using var scope = NewDisposeScope();
        var (ids, mask) = TextGenerator.LeftPad([[1, 4, 5, 6, 7, 8, 9], [1, 11, 12], [13]], padId: TinyLlama.Config.EosTokenId);
        var (full, fullCache) = model.Decode(ids, mask);
        Assert.Equal([3L, 2, 7, 8], fullCache[0].Key.shape);   // cached per key/value head, not repeated over the query heads
        fullCache.Dispose();

        var (logits, cache) = model.Decode(ids[.., ..3], mask[.., ..3]);
        var pieces = new List<Tensor> { logits };
        for (int t = 3; t < ids.shape[1]; t++)
        {
            var (next, extended) = model.Decode(ids[.., t..(t + 1)], mask[.., t..(t + 1)], cache);
            Assert.Equal(t, cache.Length);
            cache.Dispose();
            cache = extended;
            pieces.Add(next);
        }
        cache.Dispose();
        var real = mask.to(ScalarType.Bool).unsqueeze(-1);
        double worst = (full - cat(pieces, 1)).abs().masked_select(real).max().item<float>();
        Assert.True(worst < 1e-5, $"largest difference at real tokens: {worst:g3}");
    }

    [Fact]
    public void Decode_equals_Forward_on_a_right_padded_batch_and_a_left_padded_batch_gives_each_row_its_own_logits()
    {
        using var model = TinyLlama.Random();
        model.eval();
        using var scope = NewDisposeScope();
        var batch = TinyLlama.Batch();
        var (logits, cache) = model.Decode(batch.InputIds, batch.AttentionMask);
        cache.Dispose();
        var forward = model.LmLogits(model.Forward(batch));
        var real = batch.AttentionMask.to(ScalarType.Bool).unsqueeze(-1);
        Assert.True((forward - logits).abs().masked_select(real).max().item<float>() < 1e-5);

        int width = (int)batch.Length;
        var lengths = batch.AttentionMask.sum(1).data<long>().ToArray();
        var left = batch.InputIds.clone();
        var leftMask = batch.AttentionMask.clone();
        for (int row = 0; row < lengths.Length; row++)
        {
            int n = (int)lengths[row];
            left[row] = cat([full(width - n, TinyLlama.Config.EosTokenId, dtype: ScalarType.Int64), batch.InputIds[row, ..n]]);
            leftMask[row] = cat([zeros(width - n, dtype: ScalarType.Int64), ones(n, dtype: ScalarType.Int64)]);
        }
        var leftLogits = model.LmLogits(model.Forward(new EncoderBatch(left, leftMask)));
        for (int row = 0; row < lengths.Length; row++)
        {
            int n = (int)lengths[row];
            double worst = (forward[row, ..n] - leftLogits[row, (width - n)..]).abs().max().item<float>();
            Assert.True(worst < 1e-5, $"row {row}: {worst:g3}");
        }
        // Without positions from the mask (0..L−1 for every row), a left-padded row would differ: the test can fail.
        Assert.False(forward[1, ..7].allclose(model.LmLogits(model.Forward(new EncoderBatch(left[1..2], ones_like(leftMask[1..2]))))[0, 3..], atol: 1e-3));
    }

    [Fact]
    public void Selecting_rows_of_a_cache_continues_those_rows()
    {
        using var model = TinyLlama.Random();
        model.eval();
        using var scope = NewDisposeScope();
        var (ids, mask) = TextGenerator.LeftPad([[1, 4, 5], [1, 11], [13]], padId: TinyLlama.Config.EosTokenId);
        var (_, cache) = model.Decode(ids, mask);
        var rows = tensor(new long[] { 2, 0 });
        using var selected = cache.Select(rows);
        cache.Dispose();
        var next = tensor(new long[,] { { 20 }, { 21 } });
        var (logits, after) = model.Decode(next, ones_like(next), selected);
        after.Dispose();
        var (whole, wholeCache) = model.Decode(cat([ids.index_select(0, rows), next], 1), cat([mask.index_select(0, rows), ones_like(next)], 1));
        wholeCache.Dispose();
        Assert.True((whole[.., -1] - logits[.., -1]).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Decoding_past_max_position_embeddings_is_an_error_naming_it()
    {
        using var model = TinyLlama.Random();
        model.eval();
        using var scope = NewDisposeScope();
        var ids = ones(1, 25, dtype: ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => model.Decode(ids, ones_like(ids)));
        Assert.Contains("exceed the model's 24 positions (max_position_embeddings)", e.Message);
    }
}
