using Pipeline.Metrics;
using Pipeline.Statistics;

namespace Pipeline.Runs;

/// <summary>
/// One method (an experiment's best variant) against the baseline on the test split, over the seeds both have:
/// the paired bootstrap of the examples of those seeds pooled, and the exact Wilcoxon signed-rank and sign tests
/// of the per-seed test scores (<see cref="PairedComparison"/>).
/// </summary>
public sealed record Significance(
    string Experiment, string Variant, string Dataset, string Metric, IReadOnlyList<int> Seeds, BootstrapResult Bootstrap, double Wilcoxon, double Sign);

/// <summary>What <see cref="SignificanceReport.Against"/> found: the baseline (its best variant per task), the comparisons, and why others were left out.</summary>
public sealed record SignificanceResult(IReadOnlyList<VariantSummary> Baselines, IReadOnlyList<Significance> Rows, IReadOnlyList<string> Skipped);

public static class SignificanceReport
{
    /// <summary>
    /// Compares, task by task, every other experiment's best variant on that task with <paramref name="baselineExperiment"/>'s
    /// best variant on it (best: <see cref="RunReport.Best"/>), on the runs' recorded test examples (<c>test_examples.csv</c>).
    /// A comparison needs a baseline run on the task, the same primary metric, at least one common seed, and the same
    /// test split (the same gold targets) for every seed; otherwise it is skipped with the reason.
    /// </summary>
    public static SignificanceResult Against(RunReportResult report, string baselineExperiment, int resamples = 10_000, int seed = 1)
    {
        var best = report.Variants.GroupBy(v => (v.Experiment, v.Dataset)).Select(RunReport.Best)
            .OrderBy(v => v.Dataset, StringComparer.Ordinal).ThenBy(v => v.Experiment, StringComparer.Ordinal).ToList();
        var baselines = best.Where(v => v.Experiment == baselineExperiment).ToDictionary(v => v.Dataset);
        if (baselines.Count == 0)
            throw new ArgumentException($"no complete run of the baseline '{baselineExperiment}'; the experiments with complete runs: {string.Join(", ", best.Select(v => v.Experiment).Distinct())}");

        var rows = new List<Significance>();
        var skipped = new List<string>();
        foreach (var method in best.Where(v => v.Experiment != baselineExperiment))
        {
            string name = $"{method.Experiment} [{method.Variant}] on {method.Dataset}";
            if (!baselines.TryGetValue(method.Dataset, out var baseline))
            {
                skipped.Add($"{name}: the baseline has no complete run on {method.Dataset}");
                continue;
            }
            var seeds = method.Seeds.Intersect(baseline.Seeds).Order().ToList();
            string? problem = method.Primary != baseline.Primary ? $"its metric is {method.Primary}, the baseline's {baseline.Primary}"
                : TaskMetric.ByName(method.Primary).ScoresText ? $"{method.Primary} is scored on texts; the paired tests take per-example numbers only"
                : seeds.Count == 0 ? "no seed in common with the baseline"
                : null;
            if (problem is null && Compare(report.Runs, baseline, method, seeds, resamples, seed, out problem) is { } row) rows.Add(row);
            if (problem is not null) skipped.Add($"{name}: {problem}");
        }
        return new SignificanceResult(baselines.Values.OrderBy(v => v.Dataset, StringComparer.Ordinal).ToList(), rows, skipped);
    }

    static TestExamples? Find(IReadOnlyList<RunRecord> runs, VariantSummary variant, int seed) =>
        runs.Single(r => r.Metrics.Experiment == variant.Experiment && r.Metrics.Variant == variant.Variant && r.Dataset == variant.Dataset
                         && r.Metrics.Seed == seed).TestExamples;

    static Significance? Compare(IReadOnlyList<RunRecord> runs, VariantSummary baseline, VariantSummary method, IReadOnlyList<int> seeds,
        int resamples, int seed, out string? problem)
    {
        var metric = TaskMetric.ByName(method.Primary);
        var (a, b, gold) = (new List<double>(), new List<double>(), new List<double>());
        var perSeed = new List<double>();
        foreach (int s in seeds)
        {
            var mine = Find(runs, method, s);
            var theirs = Find(runs, baseline, s);
            if (mine is null || theirs is null)
            {
                problem = $"seed {s} has no test_examples.csv (runs made before runs recorded their test examples: run them again)";
                return null;
            }
            if (!mine.Gold.SequenceEqual(theirs.Gold))
            {
                problem = $"seed {s}: its test split differs from the baseline's (other gold targets)";
                return null;
            }
            a.AddRange(mine.Predicted);
            b.AddRange(theirs.Predicted);
            gold.AddRange(mine.Gold);
            perSeed.Add(metric.Compute(mine.Predicted, mine.Gold) - metric.Compute(theirs.Predicted, theirs.Gold));
        }

        // For an error metric (lower is better) the difference still reads method − baseline; its sign says which is better.
        Func<int[], double> On(List<double> predicted) => indices => metric.Compute(indices.Select(i => predicted[i]).ToArray(), indices.Select(i => gold[i]).ToArray());
        var bootstrap = PairedComparison.Bootstrap(gold.Count, On(a), On(b), resamples, seed);
        problem = null;
        return new Significance(method.Experiment, method.Variant, method.Dataset, method.Primary, seeds, bootstrap,
            PairedComparison.WilcoxonSignedRank(perSeed), PairedComparison.SignTest(perSeed));
    }
}
