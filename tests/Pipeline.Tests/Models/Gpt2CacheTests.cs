using Pipeline.Generation;
using Pipeline.Models;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>The KV cache: reading a sequence in pieces after cached tokens computes what one pass over it computes.</summary>
public class Gpt2CacheTests
{
    [Fact]
    public void Logits_step_by_step_with_the_cache_equal_one_pass_over_a_left_padded_batch()
    {
        using var model = TinyGpt2.Random();
        model.eval();
        using var scope = NewDisposeScope();
        var (ids, mask) = TextGenerator.LeftPad([[3, 4, 5, 6, 7, 8, 9], [10, 11, 12], [13]], padId: TinyGpt2.Config.EosTokenId);
        var (full, fullCache) = model.Decode(ids, mask);
        fullCache.Dispose();

        // A prompt of 3 tokens, then one token at a time.
        var (logits, cache) = model.Decode(ids[.., ..3], mask[.., ..3]);
        var pieces = new List<Tensor> { logits };
        for (int t = 3; t < ids.shape[1]; t++)
        {
            var (next, extended) = model.Decode(ids[.., t..(t + 1)], mask[.., t..(t + 1)], cache);
            Assert.Equal(t, cache.Length);   // the old cache is left as it was
            cache.Dispose();
            cache = extended;
            pieces.Add(next);
        }
        Assert.Equal(ids.shape[1], cache.Length);
        cache.Dispose();
        var stepwise = cat(pieces, 1);

        var real = mask.to(ScalarType.Bool).unsqueeze(-1);
        double worst = (full - stepwise).abs().masked_select(real).max().item<float>();
        Assert.True(worst < 1e-5, $"largest difference at real tokens: {worst:g3}");
    }

    [Fact]
    public void Decode_without_a_cache_equals_Forward_on_a_right_padded_batch_and_left_padding_gives_each_row_its_own_positions()
    {
        using var model = TinyGpt2.Random();
        model.eval();
        using var scope = NewDisposeScope();
        var batch = TinyGpt2.Batch();
        var (logits, cache) = model.Decode(batch.InputIds, batch.AttentionMask);
        cache.Dispose();
        var forward = model.LmLogits(model.Forward(batch));
        var real = batch.AttentionMask.to(ScalarType.Bool).unsqueeze(-1);
        Assert.True((forward - logits).abs().masked_select(real).max().item<float>() < 1e-5);

        // The same rows left-padded through Forward: each real token's logits as in the right-padded batch.
        int width = (int)batch.Length;
        var lengths = batch.AttentionMask.sum(1).data<long>().ToArray();
        var left = batch.InputIds.clone();
        var leftMask = batch.AttentionMask.clone();
        for (int row = 0; row < lengths.Length; row++)
        {
            int n = (int)lengths[row];
            left[row] = cat([full(width - n, TinyGpt2.Config.EosTokenId, dtype: ScalarType.Int64), batch.InputIds[row, ..n]]);
            leftMask[row] = cat([zeros(width - n, dtype: ScalarType.Int64), ones(n, dtype: ScalarType.Int64)]);
        }
        var leftLogits = model.LmLogits(model.Forward(new Pipeline.Models.EncoderBatch(left, leftMask)));
        for (int row = 0; row < lengths.Length; row++)
        {
            int n = (int)lengths[row];
            Assert.True((forward[row, ..n] - leftLogits[row, (width - n)..]).abs().max().item<float>() < 1e-5, $"row {row}");
        }
    }

    [Fact]
    public void Selecting_rows_of_a_cache_continues_those_rows()
    {
        using var model = TinyGpt2.Random();
        model.eval();
        using var scope = NewDisposeScope();
        var (ids, mask) = TextGenerator.LeftPad([[3, 4, 5], [10, 11], [13]], padId: TinyGpt2.Config.EosTokenId);
        var (_, cache) = model.Decode(ids, mask);
        using var selected = cache.Select(tensor(new long[] { 2, 0 }));
        cache.Dispose();
        var next = tensor(new long[,] { { 20 }, { 21 } });
        var (logits, after) = model.Decode(next, ones_like(next), selected);
        after.Dispose();

        var (whole, wholeCache) = model.Decode(cat([ids.index_select(0, tensor(new long[] { 2, 0 })), next], 1),
            cat([mask.index_select(0, tensor(new long[] { 2, 0 })), ones_like(next)], 1));
        wholeCache.Dispose();
        Assert.True((whole[.., -1] - logits[.., -1]).abs().max().item<float>() < 1e-5);
    }
}
