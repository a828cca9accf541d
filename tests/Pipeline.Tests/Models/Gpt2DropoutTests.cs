using Pipeline.Dropout;
using Pipeline.Models;
using Pipeline.Tests.Dropout;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>The dropout plan at every position of a GPT-2 block, under the causal mask.</summary>
public class Gpt2DropoutTests
{
    static Tensor Logits(DropoutPlan? plan, long seed = 99, ScalarType? dtype = null)
    {
        using var model = TinyGpt2.Classifier();
        if (dtype is { } t) model.Backbone.to(t);
        manual_seed(seed);
        using var scope = NewDisposeScope();
        return model.Forward(TinyGpt2.Batch(), plan).Logits.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    [Theory]
    [MemberData(nameof(PlanTests.EveryPositionAndPattern), MemberType = typeof(PlanTests))]
    public void A_plan_with_rate_zero_is_bit_identical_to_no_plan(DropPosition position, DropPattern pattern)
    {
        Assert.True(TinyModels.Same(Logits(null), Logits(new DropoutPlan(new DropSpec(position, pattern, 0.0)))), $"{position}/{pattern} at rate 0 changed the output");
    }

    [Theory]
    [MemberData(nameof(PlanTests.EveryPositionAndPattern), MemberType = typeof(PlanTests))]
    public void Every_configured_dropout_changes_the_training_output(DropPosition position, DropPattern pattern)
    {
        var dropped = Logits(new DropoutPlan(new DropSpec(position, pattern, 0.3)));
        Assert.False(Logits(null).allclose(dropped, rtol: 1e-6, atol: 1e-7), $"{position}/{pattern} left the output unchanged");
        Assert.False(dropped.isnan().any().item<bool>(), $"{position}/{pattern} gave NaN");
    }

    [Fact]
    public void Attention_guided_HiddenCut_and_DropAttention_with_gradient_are_wired()
    {
        Assert.False(Logits(null).allclose(Logits(Presets.HiddenCut(0.3))));
        var spec = new DropSpec(DropPosition.AttentionWeights, DropPattern.Column, 0.3, Normalization: AttentionNormalization.WithGradient);
        Assert.False(Logits(null).allclose(Logits(new DropoutPlan(spec))));
    }

    [Theory]
    [InlineData(DropPattern.Element)]
    [InlineData(DropPattern.Column)]
    [InlineData(DropPattern.Span)]
    public void DropKey_on_the_fused_path_and_DropAttention_on_the_explicit_path_agree_under_the_causal_mask(DropPattern pattern)
    {
        var dropKey = Logits(Presets.DropKey(0.3, pattern));
        var dropAttention = Logits(Presets.DropAttention(0.3, pattern));
        Assert.True(dropKey.allclose(dropAttention, rtol: 1e-4, atol: 1e-5));
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Column_DropKey_at_a_high_rate_never_leaves_a_query_without_keys(ScalarType dtype)
    {
        foreach (var plan in new[] { Presets.DropKey(0.95, DropPattern.Column), Presets.DropAttention(0.95, DropPattern.Column) })
            for (long seed = 0; seed < 5; seed++)
                Assert.False(Logits(plan, seed, dtype).isnan().any().item<bool>(), $"{plan} in {dtype}, seed {seed}: NaN");
    }

    [Fact]
    public void The_causal_guard_keeps_every_visible_key_of_a_query_that_would_lose_them_all()
    {
        using var scope = NewDisposeScope();
        var real = tensor(new[,] { { true, true, true, false } });
        var visible = DropMasks.CausalVisible(real);
        manual_seed(0);
        // Rate just below 1: every key is dropped, so every query falls back to all the keys it can see.
        var keep = DropMasks.AttentionKeep(new DropSpec(DropPosition.AttentionLogits, DropPattern.Column, 0.999999), real, heads: 2, queryLength: 4, visible);
        Assert.Equal([1L, 2, 4, 4], keep.shape);
        Assert.True(keep.logical_and(visible).any(-1).all().item<bool>(), "some query kept none of its visible keys");

        // Without the causal visibility, query 0 could keep only later keys and would see nothing under the causal mask.
        var keepSomeLater = zeros(1, 2, 1, 4, dtype: ScalarType.Bool);
        keepSomeLater[.., .., .., 1] = true;
        Assert.False(keepSomeLater.logical_and(visible).any(-1)[0, 0, 0].item<bool>());
    }

    [Fact]
    public void The_backbone_says_which_attention_path_each_layer_takes_dropping_in_the_latter_half_unless_told()
    {
        using var backbone = TinyGpt2.Random();
        AttentionPath[] Paths(DropoutPlan plan) => Enumerable.Range(0, backbone.LayerCount).Select(l => backbone.AttentionPathOf(plan, l)).ToArray();
        Assert.Equal([AttentionPath.Fused, AttentionPath.Fused], Paths(Presets.HiddenKey()));
        // The decoder default: layers not given means the latter half (layer 1 of 2), as the paper does for decoders.
        Assert.Equal([AttentionPath.Fused, AttentionPath.Explicit], Paths(Presets.DropAttention()));
        Assert.Equal([AttentionPath.Fused, AttentionPath.Explicit], Paths(Presets.HiddenCut()));
        Assert.Equal([AttentionPath.Fused, AttentionPath.Fused], Paths(new DropoutPlan(new DropSpec(DropPosition.AttentionWeights, DropPattern.Head, 0.2))));
        // Written layers override it.
        var everyLayer = new DropoutPlan(new DropSpec(DropPosition.AttentionWeights, DropPattern.Element, 0.1, LayerSelection.All));
        Assert.Equal([AttentionPath.Explicit, AttentionPath.Explicit], Paths(everyLayer));
        Assert.Equal([AttentionPath.Explicit, AttentionPath.Fused], Paths(new DropoutPlan(new DropSpec(DropPosition.AttentionWeights, DropPattern.Element, 0.1, LayerSelection.Of(0)))));
    }

    [Fact]
    public void Only_decoders_default_to_the_latter_half_of_their_layers()
    {
        var plan = new DropoutPlan(new DropSpec(DropPosition.Hidden, DropPattern.Element, 0.1));
        using var decoder = TinyGpt2.Random();
        Assert.Equal([false, true], Enumerable.Range(0, 2).Select(l => decoder.DropsAt(plan, l).Hidden is not null));
        using var encoder = TinyModels.Classifier();
        Assert.All(Enumerable.Range(0, encoder.Backbone.LayerCount), l => Assert.NotNull(encoder.Backbone.DropsAt(plan, l).Hidden));
    }
}
