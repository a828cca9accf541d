using Pipeline.Dropout;
using Pipeline.Engine;
using static TorchSharp.torch;

namespace Pipeline.Tests.Dropout;

/// <summary>The patterns drop what their definitions say, at the rate they are given.</summary>
public class DropMaskTests
{
    public DropMaskTests() => TorchRuntime.Initialize();

    static Tensor AllReal(long batch, long length) => ones(batch, length, dtype: ScalarType.Bool);

    static DropSpec Spec(DropPosition position, DropPattern pattern, double rate, SpanStart start = SpanStart.Uniform) =>
        new(position, pattern, rate, SpanStart: start);

    [Fact]
    public void Column_masks_drop_whole_key_columns_per_head()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var keep = DropMasks.AttentionKeep(Spec(DropPosition.AttentionLogits, DropPattern.Column, 0.3), AllReal(4, 16), heads: 6, queryLength: 16);

        Assert.Equal(new long[] { 4, 6, 1, 16 }, keep.shape); // one decision per (example, head, key), shared by every query
        var perHead = keep.squeeze(2).to(ScalarType.Float32);
        Assert.True(perHead.eq(0).any().item<bool>());
        Assert.False(TinyModels.Same(perHead[0, 0], perHead[0, 1]), "heads draw their own columns");
    }

    [Theory]
    [InlineData(DropPattern.Element, 0.1)]
    [InlineData(DropPattern.Column, 0.1)]
    [InlineData(DropPattern.Span, 0.1)]
    [InlineData(DropPattern.Element, 0.3)]
    [InlineData(DropPattern.Column, 0.3)]
    [InlineData(DropPattern.Span, 0.3)]
    public void Attention_drop_fraction_matches_the_rate(DropPattern pattern, double rate)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        const long batch = 64, heads = 8, length = 37;
        var keep = DropMasks.AttentionKeep(Spec(DropPosition.AttentionLogits, pattern, rate), AllReal(batch, length), heads, length);
        double dropped = 1 - keep.to(ScalarType.Float64).mean().item<double>();

        // Decisions are at least per (example, head) for span: 512 draws; 4 standard errors of the
        // worst case (span length varies by ±1 token) keep the bound loose enough to never flake.
        Assert.InRange(dropped, rate - 0.02, rate + 0.02);
    }

    [Theory]
    [InlineData(DropPattern.Column, 0.2)]
    [InlineData(DropPattern.Span, 0.2)]
    [InlineData(DropPattern.Feature, 0.2)]
    public void Token_drop_fraction_matches_the_rate(DropPattern pattern, double rate)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var keep = DropMasks.TokenKeep(Spec(DropPosition.Hidden, pattern, rate), AllReal(256, 40), dim: 64, ScalarType.Float32);
        double dropped = 1 - keep.expand(256, 40, 64).to(ScalarType.Float64).mean().item<double>();
        Assert.InRange(dropped, rate - 0.02, rate + 0.02);
    }

    [Fact]
    public void Spans_are_contiguous_inside_the_real_tokens_and_their_expected_length_is_rate_times_length()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var real = zeros(500, 20, dtype: ScalarType.Bool);
        real[.., 3..16] = true; // 13 real tokens after 3 left pads, then right pads
        var drop = DropMasks.Span(real, 0.25);

        var rows = drop.to(ScalarType.Int32).data<int>().ToArray();
        double totalLength = 0;
        for (int r = 0; r < 500; r++)
        {
            var row = rows.Skip(r * 20).Take(20).ToArray();
            int first = Array.IndexOf(row, 1), last = Array.LastIndexOf(row, 1), count = row.Sum();
            totalLength += count;
            Assert.InRange(count, 3, 4); // ⌊0.25·13⌋ = 3, plus one with probability 0.25
            Assert.Equal(count, last - first + 1); // contiguous
            Assert.InRange(first, 3, 15);
            Assert.InRange(last, 3, 15);
        }
        Assert.InRange(totalLength / 500, 3.25 - 0.1, 3.25 + 0.1); // E[length] = p·n exactly
    }

    [Fact]
    public void Attention_guided_spans_start_among_the_top_40_percent_of_tokens()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var real = AllReal(200, 10);
        var received = arange(10, dtype: ScalarType.Float32).flip(0).unsqueeze(0).expand(200, 10); // token 0 receives most
        var drop = DropMasks.Span(real, 0.1, received); // span length 1: the start is the dropped token

        var starts = drop.to(ScalarType.Int64).argmax(-1).data<long>().ToArray();
        Assert.All(starts, s => Assert.InRange(s, 0, 3)); // top 40% of 10 tokens = tokens 0..3
        Assert.Equal(4, starts.Distinct().Count());
    }

    [Fact]
    public void A_query_never_loses_every_real_key()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var real = zeros(300, 8, dtype: ScalarType.Bool);
        real[.., ..2] = true; // two real keys: at rate 0.9 most rows would lose both
        foreach (var pattern in new[] { DropPattern.Element, DropPattern.Column, DropPattern.Span })
        {
            var keep = DropMasks.AttentionKeep(Spec(DropPosition.AttentionLogits, pattern, 0.9), real, heads: 2, queryLength: 8);
            var keptReal = keep.logical_and(real.view(300, 1, 1, 8)).any(-1);
            Assert.True(keptReal.all().item<bool>(), $"{pattern}: every row keeps a real key");
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Heavily_masked_attention_has_no_NaN(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var real = zeros(16, 6, dtype: ScalarType.Bool);
        real[.., ..1] = true; // one real key, five pads
        var keep = DropMasks.AttentionKeep(Spec(DropPosition.AttentionLogits, DropPattern.Element, 0.99), real, heads: 2, queryLength: 6);
        var mask = DropMasks.AdditiveAttentionMask(real, keep, dtype);
        var q = randn(16, 2, 6, 4).to(dtype);

        var fused = nn.functional.scaled_dot_product_attention(q, q, q, mask);
        var logits = matmul(q, q.transpose(-1, -2)) + mask;
        var explicitPath = AttentionDropout.DropAttention(logits, keep, AttentionNormalization.StopGradient);

        Assert.False(fused.isnan().any().item<bool>());
        Assert.False(explicitPath.isnan().any().item<bool>());
        // Everything lands on the one real key: no leak onto padding.
        Assert.True((logits + DropMasks.WithDroppedKeys(null, keep, logits.dtype)).softmax(-1)[.., .., .., 0].to(ScalarType.Float32).allclose(ones(16, 2, 6), atol: 1e-2));
    }
}
