using Pipeline.Metrics;
using Pipeline.Statistics;

namespace Pipeline.Tests.Statistics;

/// <summary>
/// The significance tests of <c>pipeline report</c>. Reference p-values: SciPy 1.10.1 (Debian 12's python3-scipy),
/// <c>wilcoxon(d, zero_method="wilcox", method="exact")</c> and <c>binomtest(k, n, 0.5)</c>; where SciPy's exact
/// path gives up (zeros, ties) the value comes from enumerating all 2^n sign patterns of the average ranks
/// (<c>scipy.stats.rankdata</c>) in Python, independently of the dynamic programme here.
/// </summary>
public class PairedComparisonTests
{
    [Theory]
    [InlineData(new[] { 0.01, 0.02, 0.03, 0.04, 0.05 }, 0.0625, 0.0625)]
    [InlineData(new[] { 0.012, -0.004, 0.020, 0.007, -0.011, 0.015, 0.003 }, 0.21875, 0.453125)]
    [InlineData(new[] { 0.5, 0.3, -0.1, 0.2, 0.4 }, 0.125, 0.375)]
    [InlineData(new[] { 0.02, -0.02, 0.01, 0.0, 0.03, 0.01, -0.01, 0.04 }, 0.265625, 0.453125)] // a zero and tied magnitudes
    public void Wilcoxon_and_sign_tests_give_the_reference_p_values(double[] differences, double wilcoxon, double sign)
    {
        Assert.Equal(wilcoxon, PairedComparison.WilcoxonSignedRank(differences), 12);
        Assert.Equal(sign, PairedComparison.SignTest(differences), 12);
    }

    [Fact]
    public void Without_a_non_zero_difference_neither_test_finds_anything()
    {
        Assert.Equal(1, PairedComparison.WilcoxonSignedRank([0, 0, 0]));
        Assert.Equal(1, PairedComparison.SignTest([0, 0, 0]));
    }

    // Accuracy of two systems on 200 examples: A right on all, B wrong on every 10th (20 examples).
    static readonly double[] Gold = Enumerable.Range(0, 200).Select(i => (double)(i % 2)).ToArray();
    static readonly double[] A = Gold;
    static readonly double[] B = Gold.Select((g, i) => i % 10 == 0 ? 1 - g : g).ToArray();

    static Func<int[], double> Accuracy(double[] predicted) =>
        indices => TaskMetric.Accuracy.Compute(indices.Select(i => predicted[i]).ToArray(), indices.Select(i => Gold[i]).ToArray());

    [Fact]
    public void A_system_right_where_the_other_errs_is_better_with_an_interval_above_zero()
    {
        var result = PairedComparison.Bootstrap(Gold.Length, Accuracy(A), Accuracy(B), resamples: 2_000, seed: 3);
        Assert.Equal(0.1, result.Difference, 12);
        // Each resample's difference is (B's errors drawn) / 200, about Binomial(200, 0.1) / 200: mean 0.1, sd 0.021.
        Assert.InRange(result.Low, 0.05, 0.08);
        Assert.InRange(result.High, 0.12, 0.15);
        Assert.Equal(0, result.PValue); // no resample can favour B: A is never wrong
        Assert.Equal((2_000, 200), (result.Resamples, result.Examples));
    }

    [Fact]
    public void The_bootstrap_is_deterministic_for_a_seed_and_antisymmetric_in_the_systems()
    {
        // A noisier pair: B also right on some of A's errors.
        var c = Gold.Select((g, i) => i % 7 == 0 ? 1 - g : g).ToArray();
        var once = PairedComparison.Bootstrap(Gold.Length, Accuracy(c), Accuracy(B), resamples: 1_000, seed: 5);
        var again = PairedComparison.Bootstrap(Gold.Length, Accuracy(c), Accuracy(B), resamples: 1_000, seed: 5);
        var swapped = PairedComparison.Bootstrap(Gold.Length, Accuracy(B), Accuracy(c), resamples: 1_000, seed: 5);
        Assert.Equal(once, again);
        Assert.Equal(-once.Difference, swapped.Difference, 12);
        Assert.Equal(-once.High, swapped.Low, 12);
        Assert.Equal(once.PValue, swapped.PValue, 12);
        Assert.InRange(once.PValue, 0.05, 1); // 29 vs 20 errors on 200, partly shared: not a clear difference
        Assert.True(once.Low < once.Difference && once.Difference < once.High);
    }

    [Fact]
    public void Identical_systems_differ_by_nothing_with_p_1()
    {
        var result = PairedComparison.Bootstrap(Gold.Length, Accuracy(B), Accuracy(B), resamples: 500);
        Assert.Equal((0.0, 0.0, 0.0, 1.0), (result.Difference, result.Low, result.High, result.PValue));
    }
}
