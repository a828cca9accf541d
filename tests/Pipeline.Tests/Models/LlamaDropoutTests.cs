using Pipeline.Dropout;
using Pipeline.Models;
using Pipeline.Tests.Dropout;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>The dropout plan at every position of a LLaMA block, under the causal mask and grouped-query attention.</summary>
public class LlamaDropoutTests
{
    static Tensor Logits(DropoutPlan? plan, long seed = 99, ScalarType? dtype = null)
    {
        using var model = TinyLlama.Classifier();
        if (dtype is { } t) model.Backbone.to(t);
        manual_seed(seed);
        using var scope = NewDisposeScope();
        return model.Forward(TinyLlama.Batch(), plan).Logits.to(ScalarType.Float32).MoveToOuterDisposeScope();
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
    public void In_eval_mode_the_plan_is_ignored()
    {
        using var model = TinyLlama.Classifier();
        model.eval();
        using var scope = NewDisposeScope();
        var batch = TinyLlama.Batch();
        TensorAssert.Identical(model.Forward(batch).Logits, model.Forward(batch, Presets.HiddenKey(0.5, 0.5)).Logits);
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
    public void Under_a_column_DropKey_at_rate_near_one_query_zero_still_attends_to_itself()
    {
        // Query 0 sees only key 0. Were that key dropped, its all-masked row would attend uniformly to every key, the
        // future included: the first token's hidden state would then depend on later tokens.
        using var model = TinyLlama.Random();
        model.train();
        using var scope = NewDisposeScope();
        var batch = TinyLlama.Batch(lengths: [6]);
        var changed = batch.InputIds.clone();
        changed[0, 3] = (changed[0, 3] + 1) % TinyLlama.Config.VocabSize;
        var plan = Presets.DropKey(0.999999, DropPattern.Column);
        manual_seed(4);
        var first = model.Forward(batch, plan)[0, 0];
        manual_seed(4);
        var second = model.Forward(batch with { InputIds = changed }, plan)[0, 0];
        TensorAssert.Identical(first, second, "token 0 under a later change");
    }

    [Fact]
    public void Hidden_dropout_acts_only_in_the_latter_half_of_the_layers_when_the_plan_says_so()
    {
        var latter = new DropoutPlan(new DropSpec(DropPosition.Hidden, DropPattern.Element, 0.3, Layers: Pipeline.Dropout.LayerSelection.LatterHalf));
        using var backbone = TinyLlama.Random();
        Assert.Null(LayerDrops.For(latter, 0, backbone.LayerCount).Hidden);
        Assert.NotNull(LayerDrops.For(latter, 1, backbone.LayerCount).Hidden);
        Assert.False(Logits(null).allclose(Logits(latter)));
    }

    [Fact]
    public void The_backbone_says_which_attention_path_each_layer_takes_dropping_in_the_latter_half_unless_told()
    {
        using var backbone = TinyLlama.Random();
        AttentionPath[] Paths(DropoutPlan plan) => Enumerable.Range(0, backbone.LayerCount).Select(l => backbone.AttentionPathOf(plan, l)).ToArray();
        Assert.Equal([AttentionPath.Fused, AttentionPath.Fused], Paths(Presets.HiddenKey()));
        Assert.Equal([AttentionPath.Fused, AttentionPath.Explicit], Paths(Presets.DropAttention()));
        Assert.Equal([AttentionPath.Fused, AttentionPath.Explicit], Paths(Presets.HiddenCut()));
        var everyLayer = new DropoutPlan(new DropSpec(DropPosition.AttentionWeights, DropPattern.Element, 0.1, LayerSelection.All));
        Assert.Equal([AttentionPath.Explicit, AttentionPath.Explicit], Paths(everyLayer));
    }
}
