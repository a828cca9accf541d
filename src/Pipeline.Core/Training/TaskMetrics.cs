using Pipeline.Data;
using Pipeline.Metrics;

namespace Pipeline.Training;

/// <summary>The dev metrics a run reports: the task's primary metric first (it picks the best evaluation), then companions.</summary>
public static class TaskMetrics
{
    /// <summary>
    /// <paramref name="primaryName"/> overrides the data set's own metric. Companions: accuracy, F1 (binary) or
    /// macro-F1, and MCC for classification; Pearson and Spearman for regression.
    /// </summary>
    public static MetricFunction For(DatasetSplits data, string? primaryName = null)
    {
        // YAML spells metrics in snake_case (macro_f1); the metric names use hyphens (macro-f1).
        var primary = primaryName is null ? TaskMetric.For(data) : TaskMetric.ByName(primaryName.Replace('_', '-'));
        if (!primary.HigherIsBetter)
            throw new ArgumentException($"metric {primary.Name}: best-evaluation selection expects a metric where higher is better");
        IEnumerable<TaskMetric> companions = data.Kind == TaskKind.Regression
            ? [TaskMetric.Pearson, TaskMetric.Spearman]
            : [TaskMetric.Accuracy, data.Labels.Count == 2 ? TaskMetric.F1 : TaskMetric.MacroF1, TaskMetric.Mcc];
        var metrics = companions.Prepend(primary).DistinctBy(m => m.Name).ToList();
        return predictions =>
        {
            var gold = predictions.Labels.Select(l => (double)l).ToArray();
            var predicted = predictions.Predicted;
            return metrics.ToDictionary(m => m.Name, m => m.Compute(predicted, gold));
        };
    }
}
