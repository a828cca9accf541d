using Pipeline.Dropout;
using static TorchSharp.torch;

namespace Pipeline.Tests.Dropout;

/// <summary>DropHead (Zhou et al. 2020) as the framework's head pattern: whole heads per example, kept heads rescaled.</summary>
public class DropHeadTests
{
    static readonly DropSpec Heads = new(DropPosition.AttentionLogits, DropPattern.Head, 0.4);

    [Fact]
    public void Each_head_of_each_example_is_dropped_whole_and_the_kept_heads_are_rescaled_to_H_over_kept()
    {
        manual_seed(5);
        using var scope = NewDisposeScope();
        const long heads = 12;
        var perHead = ones(512, heads, 7, 4);
        var dropped = HeadDropout.Apply(perHead, Heads);

        // Within a head every position and unit share the decision.
        var first = dropped[.., .., 0, 0];
        Assert.True(dropped.eq(first.view(512, heads, 1, 1)).all().item<bool>());
        for (int b = 0; b < 512; b++)
        {
            var row = first[b].data<float>().ToArray();
            int kept = row.Count(v => v != 0);
            Assert.InRange(kept, 1, (int)heads);                                      // never every head
            Assert.All(row.Where(v => v != 0), v => Assert.Equal((float)heads / kept, v, 1e-6f));
            Assert.Equal(heads, row.Sum(), 1e-4);                                    // the sum over heads keeps its scale
        }
        // The drop probability is the rate.
        double keptFraction = first.ne(0).to(ScalarType.Float64).mean().item<double>();
        Assert.InRange(keptFraction, 0.6 - 0.03, 0.6 + 0.03);
    }

    [Fact]
    public void An_example_whose_heads_would_all_be_dropped_keeps_them_all()
    {
        manual_seed(6);
        using var scope = NewDisposeScope();
        var almostAll = new DropSpec(DropPosition.AttentionWeights, DropPattern.Head, 0.999);
        var dropped = HeadDropout.Apply(ones(64, 2, 3, 4), almostAll);
        Assert.True(dropped.sum([1, 2, 3]).eq(2 * 3 * 4).all().item<bool>());
        Assert.False(dropped.isnan().any().item<bool>());
    }

    [Fact]
    public void DropHead_at_the_logits_and_at_the_weights_is_the_same_function()
    {
        // Dropping every key of a head (logits) and every weight of it (weights) remove the same head.
        Tensor Output(DropPosition position)
        {
            var model = TinyModels.Classifier();
            manual_seed(11);
            using var scope = NewDisposeScope();
            return model.Forward(TinyModels.Batch(), new DropoutPlan(new DropSpec(position, DropPattern.Head, 0.5))).Logits.MoveToOuterDisposeScope();
        }
        Assert.True(TinyModels.Same(Output(DropPosition.AttentionLogits), Output(DropPosition.AttentionWeights)));
    }

    [Fact]
    public void The_head_pattern_applies_at_the_attention_positions_only()
    {
        Assert.Empty(new DropSpec(DropPosition.AttentionLogits, DropPattern.Head, 0.1).Validate());
        Assert.Empty(new DropSpec(DropPosition.AttentionWeights, DropPattern.Head, 0.1).Validate());
        foreach (var position in new[] { DropPosition.Input, DropPosition.Hidden, DropPosition.Output })
            Assert.Contains(new DropSpec(position, DropPattern.Head, 0.1).Validate(), e => e.Contains("pattern head applies"));
    }
}
