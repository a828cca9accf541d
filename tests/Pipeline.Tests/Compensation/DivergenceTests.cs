using Pipeline.Compensation;
using Pipeline.Engine;
using static TorchSharp.torch;

namespace Pipeline.Tests.Compensation;

public class DivergenceTests
{
    public DivergenceTests() => TorchRuntime.Initialize();

    // Two examples; logits chosen so the softmax is simple: [0, ln 3] → (1/4, 3/4), [0, 0] → (1/2, 1/2).
    static Tensor P => tensor(new[] { 0, Math.Log(3), 0, 0 }, dtype: ScalarType.Float64).view(2, 2);
    static Tensor Q => tensor(new[] { 0, 0, Math.Log(3), 0 }, dtype: ScalarType.Float64).view(2, 2);

    static double Kl(double[] p, double[] q) => p.Zip(q, (a, b) => a * Math.Log(a / b)).Sum();

    static readonly double[][] PRows = [[0.25, 0.75], [0.5, 0.5]];
    static readonly double[][] QRows = [[0.5, 0.5], [0.75, 0.25]];

    [Fact]
    public void The_symmetric_KL_equals_a_hand_computation()
    {
        // Row 1: KL(p‖q) = .25 ln .5 + .75 ln 1.5 = 0.130812; KL(q‖p) = .5 ln 2 + .5 ln(2/3) = 0.143841; ½ sum = 0.137327.
        // Row 2 is row 1 mirrored ((½, ½) against (¾, ¼)), so its symmetric KL is the same number.
        Assert.Equal(0.137327, Divergences.SymmetricKl(P[..1], Q[..1]).item<double>(), 6);
        Assert.Equal(0.137327, Divergences.SymmetricKl(P, Q).item<double>(), 6);
    }

    [Fact]
    public void Sum_reduction_adds_the_rows_where_mean_averages_them()
    {
        // Per row: 0.137327 each (above); two rows.
        Assert.Equal(2 * 0.137327, Divergences.SymmetricKl(P, Q, reduction: DivergenceReduction.Sum).item<double>(), 5);
        double klRows = Kl(PRows[0], QRows[0]) + Kl(PRows[1], QRows[1]);
        Assert.Equal(klRows, Divergences.Kl(P, Q, reduction: DivergenceReduction.Sum).item<double>(), 12);
        Assert.Equal(klRows / 2, Divergences.Kl(P, Q).item<double>(), 12);
    }

    [Fact]
    public void For_token_distributions_sum_adds_every_target_token_of_the_batch_and_mean_averages_them()
    {
        // [B=2, T=2, V=2], each sequence P's two rows: sequence 0 has two target tokens, sequence 1 only its first (the second is padding).
        var p = stack(new[] { P, P }).view(2, 2, 2);
        var q = stack(new[] { Q, Q }).view(2, 2, 2);
        var targets = tensor(new[] { 1L, 1, 1, 0 }).view(2, 2);
        double row0 = Kl(PRows[0], QRows[0]), row1 = Kl(PRows[1], QRows[1]);
        double tokens = row0 + row1 + row0;
        Assert.Equal(tokens, Divergences.Kl(p, q, targets, DivergenceReduction.Sum).item<double>(), 12);
        Assert.Equal(tokens / 3, Divergences.Kl(p, q, targets).item<double>(), 12);
    }

    [Fact]
    public void For_regression_sum_adds_each_examples_mean_squared_difference()
    {
        var a = tensor(new[] { 1f, 2f, 0f, 0f }).view(2, 2);
        var b = tensor(new[] { 0f, 0f, 0f, 4f }).view(2, 2);
        // Example 0: (1 + 4) / 2 = 2.5; example 1: 16 / 2 = 8.
        Assert.Equal(2.5 + 8, Divergences.RepresentationMse(a, b, DivergenceReduction.Sum).item<float>(), 6);
        Assert.Equal((2.5 + 8) / 2, Divergences.RepresentationMse(a, b).item<float>(), 6);
    }

    [Fact]
    public void The_symmetric_KL_is_zero_for_identical_distributions_and_symmetric()
    {
        Assert.Equal(0.0, Divergences.SymmetricKl(P, P).item<double>(), 15);
        Assert.Equal(Divergences.SymmetricKl(P, Q).item<double>(), Divergences.SymmetricKl(Q, P).item<double>(), 15);
    }

    [Fact]
    public void The_paper_JS_of_Eq_12_is_the_one_directional_KL_to_the_inference_output()
    {
        double expected = (Kl(PRows[0], QRows[0]) + Kl(PRows[1], QRows[1])) / 2;
        Assert.Equal(expected, Divergences.Kl(P, Q).item<double>(), 12);
        var (p1, q1) = (P[..1], Q[..1]); // one direction: KL(p‖q) = 0.130812 ≠ KL(q‖p) = 0.143841
        Assert.Equal(0.130812, Divergences.Kl(p1, q1).item<double>(), 6);
        Assert.Equal(0.143841, Divergences.Kl(q1, p1).item<double>(), 6);
        Assert.Equal(0.0, Divergences.Kl(Q, Q).item<double>(), 15);
    }

    [Fact]
    public void HiddenCut_JS_is_half_the_KL_from_the_mixture_to_each_side()
    {
        double Row(double[] p, double[] q)
        {
            var m = p.Zip(q, (a, b) => (a + b) / 2).ToArray();
            return 0.5 * (Kl(m, p) + Kl(m, q));
        }
        double expected = (Row(PRows[0], QRows[0]) + Row(PRows[1], QRows[1])) / 2;
        Assert.Equal(expected, Divergences.HiddenCutJs(P, Q).item<double>(), 12);
        Assert.Equal(0.0, Divergences.HiddenCutJs(P, P).item<double>(), 15);
    }
}
