using Pipeline.Compensation;
using Pipeline.Dropout;
using Pipeline.Vocabulary;
using static TorchSharp.torch;

namespace Pipeline.Tests.Dropout;

/// <summary>Plans are wired: rate 0 is no plan, eval mode ignores the plan, every configured dropout acts.</summary>
public class PlanTests
{
    static Tensor Logits(DropoutPlan? plan, long seed = 99, bool training = true)
    {
        var model = TinyModels.Classifier();
        if (!training) model.eval();
        manual_seed(seed);
        using var scope = NewDisposeScope();
        return model.Forward(TinyModels.Batch(), plan).Logits.MoveToOuterDisposeScope();
    }

    public static TheoryData<DropPosition, DropPattern> EveryPositionAndPattern()
    {
        var data = new TheoryData<DropPosition, DropPattern>();
        foreach (var position in Enum.GetValues<DropPosition>())
            foreach (var pattern in Enum.GetValues<DropPattern>())
                if (!new DropSpec(position, pattern, 0.2).Validate().Any())
                    data.Add(position, pattern);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPositionAndPattern))]
    public void A_plan_with_rate_zero_is_bit_identical_to_no_plan(DropPosition position, DropPattern pattern)
    {
        // Through the plan: a rate-0 spec is inactive (DropSpec.IsActive), so the model never asks for its mask.
        // That the masks themselves drop nothing at rate 0 is the next test's claim.
        var none = Logits(null);
        var zero = Logits(new DropoutPlan(new DropSpec(position, pattern, 0.0)));
        Assert.True(TinyModels.Same(none, zero), $"{position}/{pattern} at rate 0 changed the output");
    }

    [Theory]
    [MemberData(nameof(EveryPositionAndPattern))]
    public void At_rate_zero_the_mask_code_drops_nothing(DropPosition position, DropPattern pattern)
    {
        // The model's own pieces (embeddings, a layer, the head) are handed the rate-0 spec directly, past the
        // plan's filter of inactive specs, so the masks are drawn and applied.
        var model = TinyModels.Classifier();
        var bert = (Pipeline.Models.Bert.BertModel)model.Backbone;
        var batch = TinyModels.Batch();
        var real = batch.AttentionMask.to(ScalarType.Bool);
        var zero = new DropSpec(position, pattern, 0.0);
        using var scope = NewDisposeScope();
        manual_seed(99);
        var embedded = bert.embeddings.Forward(batch, real, null);
        switch (position)
        {
            case DropPosition.Input:
                Assert.True(TinyModels.Same(embedded, bert.embeddings.Forward(batch, real, zero)), $"input/{pattern} at rate 0 changed the embeddings");
                break;
            case DropPosition.Output:
                var hidden = bert.Forward(batch);
                Assert.True(TinyModels.Same(model.Head.Forward(hidden, batch.AttentionMask, null, bert).Logits,
                    model.Head.Forward(hidden, batch.AttentionMask, zero, bert).Logits), $"output/{pattern} at rate 0 changed the logits");
                break;
            default:
                // The layer's drops as the plan routes a spec at this position (DropHead apart), with the rate set to 0.
                var routed = Pipeline.Models.LayerDrops.For(new DropoutPlan(zero with { Rate = 0.5 }), 0, 2);
                DropSpec? Zero(DropSpec? spec) => spec is null ? null : spec with { Rate = 0 };
                var drops = new Pipeline.Models.LayerDrops(Zero(routed.Logits), Zero(routed.Weights), Zero(routed.Hidden), routed.WholeHeads.Select(s => Zero(s)!).ToList());
                var padding = DropMasks.PaddingMask(real, embedded.dtype);
                var layer = bert.encoder.layer[0];
                var plain = layer.Forward(embedded, real, padding, Pipeline.Models.LayerDrops.None);
                var dropped = layer.Forward(embedded, real, padding, drops);
                // The explicit attention path (DropAttention, the attention-guided start) computes the softmax itself:
                // the same function as the fused path, not the same bits.
                if (drops.AttentionPath == Pipeline.Models.AttentionPath.Explicit)
                    Assert.True(plain.allclose(dropped, rtol: 1e-5, atol: 1e-6), $"{position}/{pattern} at rate 0 changed the layer's output");
                else
                    Assert.True(TinyModels.Same(plain, dropped), $"{position}/{pattern} at rate 0 changed the layer's output");
                break;
        }
    }

    [Fact]
    public void At_rate_zero_every_mask_keeps_everything()
    {
        using var scope = NewDisposeScope();
        var real = TinyModels.Batch().AttentionMask.to(ScalarType.Bool);
        manual_seed(1);
        foreach (var pattern in new[] { DropPattern.Element, DropPattern.Column, DropPattern.Span })
        {
            var keep = DropMasks.AttentionKeep(new DropSpec(DropPosition.AttentionLogits, pattern, 0), real, heads: 4, queryLength: 12);
            Assert.True(keep.all().item<bool>(), $"attention {pattern}");
        }
        foreach (var pattern in new[] { DropPattern.Column, DropPattern.Span, DropPattern.Feature })
        {
            var keep = DropMasks.TokenKeep(new DropSpec(DropPosition.Hidden, pattern, 0), real, 32, ScalarType.Float32);
            Assert.True(keep.eq(1).all().item<bool>(), $"token {pattern}");
        }
        Assert.False(DropMasks.Span(real, 0, attentionReceived: rand(4, 12)).any().item<bool>(), "attention-guided span");
        Assert.True(HeadDropout.Scale(new DropSpec(DropPosition.AttentionLogits, DropPattern.Head, 0), 4, 4, ScalarType.Float32, CPU).eq(1).all().item<bool>(), "head");
    }

    [Fact]
    public void HiddenKey_with_rate_zero_is_bit_identical_to_no_plan()
    {
        Assert.True(TinyModels.Same(Logits(null), Logits(Presets.HiddenKey(0, 0))));
    }

    [Theory]
    [MemberData(nameof(EveryPositionAndPattern))]
    public void Every_configured_dropout_changes_the_training_output(DropPosition position, DropPattern pattern)
    {
        var none = Logits(null);
        var dropped = Logits(new DropoutPlan(new DropSpec(position, pattern, 0.3)));
        Assert.False(none.allclose(dropped, rtol: 1e-6, atol: 1e-7), $"{position}/{pattern} left the output unchanged");
    }

    [Fact]
    public void DropAttention_normalization_without_NoGrad_is_wired()
    {
        var spec = new DropSpec(DropPosition.AttentionWeights, DropPattern.Column, 0.3, Normalization: AttentionNormalization.WithGradient);
        Assert.False(Logits(null).allclose(Logits(new DropoutPlan(spec))));
    }

    [Fact]
    public void Attention_guided_HiddenCut_is_wired()
    {
        Assert.False(Logits(null).allclose(Logits(Presets.HiddenCut(0.3))));
    }

    [Fact]
    public void Layer_selection_limits_where_a_plan_drops()
    {
        var allLayers = Logits(new DropoutPlan(new DropSpec(DropPosition.Hidden, DropPattern.Element, 0.3)));
        var lastLayer = Logits(new DropoutPlan(new DropSpec(DropPosition.Hidden, DropPattern.Element, 0.3, LayerSelection.Of(1))));
        var latterHalf = Logits(new DropoutPlan(new DropSpec(DropPosition.Hidden, DropPattern.Element, 0.3, LayerSelection.LatterHalf)));
        Assert.False(allLayers.allclose(lastLayer));
        Assert.True(TinyModels.Same(lastLayer, latterHalf), "with two layers, the latter half is layer 1");
    }

    [Fact]
    public void Eval_mode_is_dropout_free_and_deterministic()
    {
        var plain = Logits(null, seed: 1, training: false);
        var hiddenKey = Logits(Presets.HiddenKey(0.5, 0.5), seed: 2, training: false);
        var again = Logits(Presets.HiddenKey(0.5, 0.5), seed: 3, training: false);
        Assert.True(TinyModels.Same(plain, hiddenKey));
        Assert.True(TinyModels.Same(hiddenKey, again));
    }

    [Fact]
    public void The_same_seed_draws_the_same_masks()
    {
        Assert.True(TinyModels.Same(Logits(Presets.HiddenKey(), seed: 5), Logits(Presets.HiddenKey(), seed: 5)));
        Assert.False(TinyModels.Same(Logits(Presets.HiddenKey(), seed: 5), Logits(Presets.HiddenKey(), seed: 6)));
    }

    [Theory]
    [InlineData(DropPattern.Element)]
    [InlineData(DropPattern.Column)]
    [InlineData(DropPattern.Span)]
    public void In_the_model_DropKey_and_DropAttention_give_the_same_forward_pass(DropPattern pattern)
    {
        // Same seed → same masks; DropKey runs the fused path, DropAttention the explicit one.
        var dropKey = Logits(Presets.DropKey(0.3, pattern));
        var dropAttention = Logits(Presets.DropAttention(0.3, pattern));
        Assert.True(dropKey.allclose(dropAttention, rtol: 1e-4, atol: 1e-5));
        Assert.False(dropKey.allclose(Logits(null), rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Invalid_plans_name_every_problem()
    {
        var plan = new DropoutPlan(
            [new DropSpec(DropPosition.Output, DropPattern.Span, 1.5),
             new DropSpec(DropPosition.Hidden, DropPattern.Element, 0.1),
             new DropSpec(DropPosition.Hidden, DropPattern.Column, 0.1, LayerSelection.Of(0)),
             new DropSpec(DropPosition.Input, DropPattern.Element, 0.1, LayerSelection.LatterHalf)],
            new BidirectionalKl(-1));

        var errors = plan.Validate();
        Assert.Contains("dropout[0] (output): rate 1.5 is outside [0, 1)", errors);
        Assert.Contains("dropout[0] (output): pattern span applies at input, attention_logits, attention_weights or hidden, not at output", errors);
        Assert.Contains("dropout[2] (hidden): dropout[1] already drops at hidden in the same layers; give them disjoint 'layers' or merge them", errors);
        Assert.Contains(errors, e => e.StartsWith("dropout[3] (input): layers apply at the per-layer positions"));
        Assert.Contains(errors, e => e.StartsWith("compensation: weight -1"));
        Assert.Throws<ArgumentException>(() => plan.EnsureValid());
    }

    [Fact]
    public void Presets_are_the_paper_methods()
    {
        var hiddenKey = Presets.HiddenKey(0.1, 0.05, 2);
        Assert.Equal(new DropSpec(DropPosition.AttentionLogits, DropPattern.Column, 0.1), hiddenKey.Drops[0]);
        Assert.Equal(new DropSpec(DropPosition.Hidden, DropPattern.Element, 0.05), hiddenKey.Drops[1]);
        Assert.Equal(new BidirectionalKl(2), hiddenKey.Compensation);
        Assert.Equal(CompensationMeasure.None, Presets.HiddenKeyMinus().Compensation);
        Assert.Empty(Presets.Baseline().Drops);
        Assert.Equal(["baseline", "dropkey", "dropattention", "hiddencut", "hiddenkey_minus", "hiddenkey"], PresetCatalog.Names);
        // (Plans hold lists, compared by reference: compare their text.)
        Assert.Equal(Presets.HiddenKey(0.2, 0.2).ToString(), PresetCatalog.Create("hiddenkey", rate: 0.2)!.ToString()); // 'rate' sets every rate
        Assert.Equal(Presets.DropKey(0.3).ToString(), PresetCatalog.Create("dropkey", rate: 0.3)!.ToString());
        Assert.Equal(Presets.HiddenCut().ToString(), PresetCatalog.Create("hiddencut")!.ToString());
        Assert.Null(PresetCatalog.Create("dropeverything"));
        Assert.Contains("preset baseline has no 'rate'", Assert.Throws<ArgumentException>(() => PresetCatalog.Create("baseline", rate: 0.1)).Message);
    }
}

public class PlanLayerOverlapTests
{
    [Fact]
    public void Layer_overlap_is_exact_for_a_known_layer_count()
    {
        var plan = new DropoutPlan(
            new DropSpec(DropPosition.Hidden, DropPattern.Element, 0.1, LayerSelection.LatterHalf),
            new DropSpec(DropPosition.Hidden, DropPattern.Column, 0.1, LayerSelection.Of(3)));
        Assert.Empty(plan.Validate());                            // the generator's rule: 256 layers, no overlap
        Assert.Contains(plan.Validate(6), e => e.Contains("already drops at hidden in the same layers")); // MiniLM: layers 3–5
        Assert.Empty(plan.Validate(24));                          // 12–23 and 3 are disjoint
    }
}

/// <summary>DropSpec's rules come from the attributes on the enums ([AppliesTo], [PerLayer]); written ≠ default.</summary>
public class DropSpecRuleTests
{
    [Fact]
    public void A_value_written_where_it_does_not_apply_is_an_error_even_when_it_is_the_default()
    {
        Assert.Empty(new DropSpec(DropPosition.Hidden, DropPattern.Element, 0.1).Validate());
        Assert.Equal(["normalization stop_gradient applies to pattern element, column or span at attention_weights, not to pattern element at hidden"],
            new DropSpec(DropPosition.Hidden, DropPattern.Element, 0.1, Normalization: AttentionNormalization.StopGradient).Validate());
        // DropHead drops whole heads: there are no kept weights of a dropped head to renormalise.
        Assert.Equal(["normalization with_gradient applies to pattern element, column or span at attention_weights, not to pattern head at attention_weights"],
            new DropSpec(DropPosition.AttentionWeights, DropPattern.Head, 0.1, Normalization: AttentionNormalization.WithGradient).Validate());
        Assert.Equal(["span_start uniform applies to pattern span, not to pattern element"],
            new DropSpec(DropPosition.Hidden, DropPattern.Element, 0.1, SpanStart: SpanStart.Uniform).Validate());
        Assert.Equal(["span_start attention_guided applies to pattern span at hidden, not to pattern span at input"],
            new DropSpec(DropPosition.Input, DropPattern.Span, 0.1, SpanStart: SpanStart.AttentionGuided).Validate());
        Assert.Empty(new DropSpec(DropPosition.AttentionWeights, DropPattern.Span, 0.1, SpanStart: SpanStart.Uniform, Normalization: AttentionNormalization.WithGradient).Validate());
    }

    [Fact]
    public void The_defaults_in_effect_are_uniform_and_stop_gradient()
    {
        var spec = new DropSpec(DropPosition.AttentionWeights, DropPattern.Span, 0.1);
        Assert.Equal((SpanStart.Uniform, AttentionNormalization.StopGradient), (spec.EffectiveSpanStart, spec.EffectiveNormalization));
    }

    [Fact]
    public void Per_layer_positions_are_the_ones_marked_PerLayer()
    {
        Assert.Equal([DropPosition.AttentionLogits, DropPosition.AttentionWeights, DropPosition.Hidden],
            Enum.GetValues<DropPosition>().Where(p => p.IsPerLayer()));
        Assert.Equal("attention_logits", YamlVocabulary.NameOf(DropPosition.AttentionLogits));
        Assert.Equal(DropPattern.Feature, YamlVocabulary.Parse<DropPattern>("feature"));
        Assert.Equal(["none", "bidirectional_kl", "js_to_inference", "hiddencut_js"], YamlVocabulary.CompensationKinds);
    }
}
