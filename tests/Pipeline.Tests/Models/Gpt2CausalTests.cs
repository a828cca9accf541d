using Pipeline.Dropout;
using Pipeline.Models;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>A decoder never looks ahead: no query attends to a later token or to padding.</summary>
public class Gpt2CausalTests
{
    [Fact]
    public void Changing_a_later_token_leaves_every_earlier_position_unchanged()
    {
        using var model = TinyGpt2.Random();
        model.eval();
        using var scope = NewDisposeScope();
        var batch = TinyGpt2.Batch();
        var changed = batch.InputIds.clone();
        changed[0, 6] = (changed[0, 6] + 1) % TinyGpt2.Config.VocabSize;

        var before = model.Forward(batch);
        var after = model.Forward(batch with { InputIds = changed });

        TensorAssert.Identical(before[0, ..6], after[0, ..6], "positions before the change");
        Assert.False(before[0, 6].allclose(after[0, 6]), "the changed position itself must change");
        TensorAssert.Identical(before[1..], after[1..], "the other examples");
    }

    [Theory]
    [InlineData(DropPattern.Column)]
    [InlineData(DropPattern.Span)]
    [InlineData(DropPattern.Element)]
    public void Under_DropKey_at_a_high_rate_a_later_token_still_never_reaches_an_earlier_position(DropPattern pattern)
    {
        // The guard: a query whose visible keys would all be dropped keeps them; were it judged against all real keys,
        // query 0 could lose key 0, attend uniformly to every key, and see the future.
        using var model = TinyGpt2.Random();
        model.train();
        using var scope = NewDisposeScope();
        var batch = TinyGpt2.Batch();
        var changed = batch.InputIds.clone();
        changed[.., 8] = (changed[.., 8] + 1) % TinyGpt2.Config.VocabSize;
        var plan = Presets.DropKey(0.9, pattern);

        manual_seed(11);
        var before = model.Forward(batch, plan);
        manual_seed(11);
        var after = model.Forward(batch with { InputIds = changed }, plan);

        TensorAssert.Identical(before[.., ..8], after[.., ..8], "positions before the change");
        Assert.False(before.isnan().any().item<bool>());
    }

    [Fact]
    public void Padding_does_not_change_the_real_positions()
    {
        using var model = TinyGpt2.Random();
        model.eval();
        using var scope = NewDisposeScope();
        var batch = TinyGpt2.Batch(lengths: [10, 4]);
        // The same 4 real tokens alone, then under padding of other ids.
        var alone = model.Forward(new EncoderBatch(batch.InputIds[1..2, ..4], batch.AttentionMask[1..2, ..4]));
        var padded = model.Forward(batch);
        var otherPadding = batch.InputIds.clone();
        otherPadding[1, 4..] = 7;
        var repadded = model.Forward(batch with { InputIds = otherPadding });

        Assert.True(alone[0].allclose(padded[1, ..4], rtol: 1e-5, atol: 1e-6), "the padded example's real tokens differ from the unpadded run");
        TensorAssert.Identical(padded[1, ..4], repadded[1, ..4], "padding ids reached a real token");
    }

    [Fact]
    public void Query_zero_sees_only_key_zero_and_no_query_sees_padding()
    {
        using var scope = NewDisposeScope();
        var real = tensor(new[,] { { true, true, true }, { true, true, false } });
        var visible = DropMasks.CausalVisible(real);

        Assert.Equal([2L, 1, 3, 3], visible.shape);
        Assert.Equal(new[] { true, false, false }, visible[0, 0, 0].data<bool>().ToArray());
        Assert.Equal(new[] { true, true, true }, visible[0, 0, 2].data<bool>().ToArray());
        Assert.Equal(new[] { true, true, false }, visible[1, 0, 2].data<bool>().ToArray());   // the padded query sees the real keys only
    }
}
