using Pipeline.Metrics;

namespace Pipeline.Tests.Metrics;

public class CorrelationMetricsTests
{
    [Fact]
    public void Pearson_matches_a_hand_computed_value()
    {
        // x̄ = 2.5, ȳ = 5; dx = (−1.5, −0.5, 0.5, 1.5), dy = (−3, −1, 0, 4)
        // Σdxdy = 4.5 + 0.5 + 0 + 6 = 11, Σdx² = 5, Σdy² = 26 → r = 11 / √130 = 0.96476…
        Assert.Equal(11 / Math.Sqrt(130), CorrelationMetrics.Pearson([1, 2, 3, 4], [2, 4, 5, 9]), 12);
    }

    [Fact]
    public void Pearson_is_plus_or_minus_one_for_exact_linear_relations()
    {
        Assert.Equal(1.0, CorrelationMetrics.Pearson([1, 2, 3], [10, 20, 30]), 12);
        Assert.Equal(-1.0, CorrelationMetrics.Pearson([1, 2, 3], [3, 1, -1]), 12);
    }

    [Fact]
    public void Tied_values_share_the_average_of_their_ranks()
    {
        Assert.Equal([1, 2.5, 2.5, 4], CorrelationMetrics.Ranks([10, 20, 20, 30]));
        Assert.Equal([4, 2, 2, 2], CorrelationMetrics.Ranks([9, 1, 1, 1])); // ranks 1, 2, 3 → 2 each
    }

    [Fact]
    public void Spearman_with_ties_matches_a_hand_computed_value()
    {
        // ranks x = (1, 2.5, 2.5, 4), ranks y = (1, 3, 2, 4); both means 2.5
        // dx = (−1.5, 0, 0, 1.5), dy = (−1.5, 0.5, −0.5, 1.5)
        // Σdxdy = 2.25 + 0 + 0 + 2.25 = 4.5, Σdx² = 4.5, Σdy² = 5 → ρ = 4.5 / √22.5 = 3 / √10 = 0.94868…
        Assert.Equal(3 / Math.Sqrt(10), CorrelationMetrics.Spearman([1, 2, 2, 3], [1, 3, 2, 4]), 12);
    }

    [Fact]
    public void Spearman_sees_only_the_order()
    {
        // Monotone but far from linear: Pearson < 1, Spearman = 1.
        double[] x = [1, 2, 3, 4, 5];
        double[] y = [1, 10, 100, 1000, 10000];
        Assert.Equal(1.0, CorrelationMetrics.Spearman(x, y), 12);
        Assert.True(CorrelationMetrics.Pearson(x, y) < 0.9);
    }

    [Fact]
    public void A_constant_input_scores_zero()
    {
        Assert.Equal(0.0, CorrelationMetrics.Pearson([2, 2, 2], [1, 2, 3]));
        Assert.Equal(0.0, CorrelationMetrics.Spearman([1, 2, 3], [5, 5, 5]));
        Assert.Equal(0.0, CorrelationMetrics.Pearson([1], [4])); // one example has no variance either
    }

    [Fact]
    public void Empty_mismatched_or_non_finite_inputs_are_errors()
    {
        Assert.Contains("no examples", Assert.Throws<ArgumentException>(() => CorrelationMetrics.Pearson([], [])).Message);
        Assert.Contains("3 predictions for 2 gold", Assert.Throws<ArgumentException>(() => CorrelationMetrics.Spearman([1, 2, 3], [1, 2])).Message);
        Assert.Contains("value 1 is not finite", Assert.Throws<ArgumentException>(() => CorrelationMetrics.Pearson([1, double.NaN], [1, 2])).Message);
    }

    [Fact]
    public void Mean_squared_error_is_the_mean_squared_difference_and_refuses_a_diverged_prediction()
    {
        Assert.Equal((0.25 + 1 + 0) / 3, CorrelationMetrics.MeanSquaredError([1.5, 2, 3], [1, 3, 3]), 1e-12);
        Assert.Throws<ArgumentException>(() => CorrelationMetrics.MeanSquaredError([double.NaN], [1]));
        Assert.False(Pipeline.Metrics.TaskMetric.Mse.HigherIsBetter);
        Assert.Same(Pipeline.Metrics.TaskMetric.MacroF1, Pipeline.Metrics.TaskMetric.ByYamlName("macro_f1"));
        Assert.Equal("macro-f1", Pipeline.Metrics.TaskMetric.MacroF1.Name);
    }
}
