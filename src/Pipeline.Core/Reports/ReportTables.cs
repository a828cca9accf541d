using Pipeline.Metrics;
using Pipeline.Runs;

namespace Pipeline.Reports;

/// <summary>One cell of the Table 1 layout: a method's best variant on one task, its test scores over seeds.</summary>
public sealed record TaskCell(VariantSummary Variant, double MedianTest, double StdTest);

/// <summary>
/// The paper's Table 1 layout over complete runs: rows = methods (experiments), columns = tasks (data sets), each
/// cell the test score of the method's best variant on that task — best by the median over seeds of the best dev
/// score, in the metric's direction — as median ± standard deviation over seeds.
/// </summary>
public sealed class MethodTable
{
    public IReadOnlyList<string> Methods { get; }
    public IReadOnlyList<string> Tasks { get; }
    public IReadOnlyDictionary<(string Method, string Task), TaskCell> Cells { get; }

    public MethodTable(RunReportResult report)
    {
        var cells = new Dictionary<(string, string), TaskCell>();
        foreach (var group in report.Variants.Where(v => v.MedianTest is not null).GroupBy(v => (v.Experiment, v.Dataset)))
        {
            var best = RunReport.Best(group);
            var tests = report.Runs.Where(r => r.Metrics.Experiment == best.Experiment && r.Metrics.Variant == best.Variant)
                .Select(r => r.Metrics.Test[best.Primary]).ToList();
            cells[group.Key] = new TaskCell(best, RunReport.Median(tests), RunReport.StandardDeviation(tests));
        }
        Cells = cells;
        Methods = cells.Keys.Select(k => k.Item1).Distinct().Order(StringComparer.Ordinal).ToList();
        Tasks = cells.Keys.Select(k => k.Item2).Distinct()
            .OrderBy(t => RunReport.TaskOrder(t).Dataset, StringComparer.Ordinal).ThenBy(t => RunReport.TaskOrder(t).Size).ToList();
    }

    /// <summary>The mean of a method's cells when it has every task, else null.</summary>
    public double? Average(string method) =>
        Tasks.All(t => Cells.ContainsKey((method, t))) ? Tasks.Average(t => Cells[(method, t)].MedianTest) : null;

    /// <summary>The best cell of a task's column, in its metric's direction.</summary>
    public double? BestOf(string task)
    {
        var column = Methods.Where(m => Cells.ContainsKey((m, task))).Select(m => Cells[(m, task)]).ToList();
        if (column.Count == 0) return null;
        bool higher = TaskMetric.ByName(column[0].Variant.Primary).HigherIsBetter;
        return higher ? column.Max(c => c.MedianTest) : column.Min(c => c.MedianTest);
    }
}
