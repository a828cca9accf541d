using Pipeline.Data;
using Pipeline.Metrics;

namespace Pipeline.Tests.Metrics;

public class TaskMetricTests
{
    static DatasetSplits Splits(TaskKind kind, string? metric = null)
    {
        Example[] one = [new("a", null, new ClassTarget(0))];
        return DatasetSplits.Create("t", kind, kind == TaskKind.Regression ? [] : ["x", "y"], one, one, one, SplitDefinition.Hashed("text")) with { Metric = metric };
    }

    [Fact]
    public void Classification_defaults_to_accuracy_and_regression_to_pearson()
    {
        Assert.Same(TaskMetric.Accuracy, TaskMetric.For(Splits(TaskKind.SingleSentence)));
        Assert.Same(TaskMetric.Accuracy, TaskMetric.For(Splits(TaskKind.SentencePair)));
        Assert.Same(TaskMetric.Pearson, TaskMetric.For(Splits(TaskKind.Regression)));
        Assert.True(TaskMetric.Pearson.HigherIsBetter);
    }

    [Fact]
    public void Cola_is_scored_by_matthews_correlation()
    {
        Assert.Same(TaskMetric.Mcc, TaskMetric.For(Splits(TaskKind.SingleSentence, metric: "mcc")));
        Assert.Equal("mcc", TaskMetric.Mcc.Name);
    }

    [Fact]
    public void Compute_takes_class_indices_as_doubles()
    {
        Assert.Equal(0.5, TaskMetric.Accuracy.Compute([0, 1, 1, 0], [0, 1, 0, 1]), 12);
        var bad = Assert.Throws<ArgumentException>(() => TaskMetric.Accuracy.Compute([0.5], [0]));
        Assert.Contains("prediction 0 is 0.5, not a class index", bad.Message);
    }

    [Fact]
    public void Better_means_strictly_higher_so_ties_keep_the_earlier_epoch()
    {
        Assert.True(TaskMetric.Accuracy.IsBetter(0.8, 0.7));
        Assert.False(TaskMetric.Accuracy.IsBetter(0.8, 0.8));
    }

    [Fact]
    public void Unknown_metric_names_list_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => TaskMetric.ByName("auc"));
        Assert.Contains("accuracy, f1, macro-f1, mcc, pearson, spearman", e.Message);
    }
}
