using Pipeline.Dropout;
using Pipeline.Engine;
using static TorchSharp.torch;

namespace Pipeline.Tests.Dropout;

/// <summary>The paper's claims about DropKey and DropAttention (§2.3, Eq. 4–10, App. C), in float64.</summary>
public class AttentionDropoutClaimsTests
{
    const int Dropped = 1, Kept = 3;

    public AttentionDropoutClaimsTests() => TorchRuntime.Initialize();

    static Tensor Logits() => tensor(new[] { 0.3, 2.5, -0.7, 1.1, 0.4 }, dtype: ScalarType.Float64, requires_grad: true);

    static Tensor KeepAllBut(int index, int length = 5)
    {
        var keep = ones(length, dtype: ScalarType.Bool);
        keep[index] = false;
        return keep;
    }

    /// <summary>DropKey (Eq. 3) as the model computes it: the additive mask of the dropped keys, then the softmax.</summary>
    static Tensor DropKey(Tensor logits, Tensor keep) => (logits + DropMasks.WithDroppedKeys(null, keep, logits.dtype)).softmax(-1);

    /// <summary>The gradient of w'_u with respect to every logit.</summary>
    static double[] GradientOf(Func<Tensor, Tensor> weights, int u)
    {
        var g = Logits();
        weights(g)[u].backward();
        return g.grad!.data<double>().ToArray();
    }

    [Theory]
    [InlineData(DropPattern.Element)]
    [InlineData(DropPattern.Column)]
    public void DropKey_and_DropAttention_have_identical_forward_outputs_for_the_same_mask(DropPattern pattern)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var real = ones(2, 6, dtype: ScalarType.Bool);
        real[1, 4..] = false;
        var keep = DropMasks.AttentionKeep(new DropSpec(DropPosition.AttentionLogits, pattern, 0.4), real, heads: 3, queryLength: 6);
        var logits = randn(2, 3, 6, 6, dtype: ScalarType.Float64) + DropMasks.AdditiveAttentionMask(real, null, ScalarType.Float64);

        var dropKey = DropKey(logits, keep);
        var dropAttention = AttentionDropout.DropAttention(logits, keep, AttentionNormalization.StopGradient);

        Assert.True(dropKey.allclose(dropAttention, rtol: 1e-12, atol: 1e-15), "Eq. 4–6: normalized rescaling makes the forward passes equal");
        Assert.True(keep.logical_not().any().item<bool>(), "the mask must drop something for the claim to mean anything");
    }

    [Fact]
    public void DropAttention_without_NoGrad_has_exactly_DropKey_gradients()
    {
        var keep = KeepAllBut(Dropped);
        for (int u = 0; u < 5; u++)
        {
            var dropKey = GradientOf(g => DropKey(g, keep), u);
            var withGradient = GradientOf(g => AttentionDropout.DropAttention(g, keep, AttentionNormalization.WithGradient), u);
            for (int j = 0; j < 5; j++) Assert.Equal(dropKey[j], withGradient[j], 1e-14);
        }
    }

    [Fact]
    public void DropKey_gives_no_gradient_to_a_dropped_logit_and_w_times_1_minus_w_to_a_kept_one()
    {
        var keep = KeepAllBut(Dropped);
        var grad = GradientOf(g => DropKey(g, keep), Kept);
        var w = DropKey(Logits(), keep)[Kept].item<double>();

        Assert.Equal(0.0, grad[Dropped]);
        Assert.Equal(w * (1 - w), grad[Kept], 1e-14); // Eq. 7
    }

    [Fact]
    public void DropAttention_with_NoGrad_leaks_gradient_to_the_dropped_logit_as_Eq_8_says()
    {
        var keep = KeepAllBut(Dropped);
        var grad = GradientOf(g => AttentionDropout.DropAttention(g, keep, AttentionNormalization.StopGradient), Kept);

        var e = Logits().detach().exp().data<double>().ToArray();
        double z = e.Sum(), zm = z - e[Dropped];
        Assert.NotEqual(0.0, grad[Dropped]);
        Assert.Equal(-e[Kept] * e[Dropped] / (z * zm), grad[Dropped], 1e-14);      // Eq. 8
        Assert.Equal(e[Kept] * (z - e[Kept]) / (z * zm), grad[Kept], 1e-14);        // Eq. 9
    }

    [Fact]
    public void DropKey_gradient_is_k_times_DropAttention_gradient_with_k_from_Eq_10()
    {
        var keep = KeepAllBut(Dropped);
        double dropKey = GradientOf(g => DropKey(g, keep), Kept)[Kept];
        double dropAttention = GradientOf(g => AttentionDropout.DropAttention(g, keep, AttentionNormalization.StopGradient), Kept)[Kept];

        double wPrime = DropKey(Logits(), keep)[Kept].item<double>();
        double w = Logits().softmax(-1)[Kept].item<double>();
        double k = (1 - wPrime) / (1 - w);

        Assert.Equal(k * dropAttention, dropKey, 1e-14);
        Assert.True(k < 1, "k < 1: DropKey shrinks the gradient when a large logit is dropped");
    }

    [Fact]
    public void Eq_10_factor_falls_as_the_dropped_logit_grows()
    {
        double K(double droppedLogit)
        {
            var g = tensor(new[] { 0.3, droppedLogit, -0.7, 1.1, 0.4 }, dtype: ScalarType.Float64);
            double wPrime = DropKey(g, KeepAllBut(Dropped))[Kept].item<double>();
            return (1 - wPrime) / (1 - g.softmax(-1)[Kept].item<double>());
        }
        Assert.True(K(3.0) < K(1.0) && K(1.0) < K(-1.0));
    }
}
