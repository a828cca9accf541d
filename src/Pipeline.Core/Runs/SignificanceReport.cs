using Pipeline.Metrics;
using Pipeline.Statistics;

namespace Pipeline.Runs;

/// <summary>
/// One method (an experiment's best variant) against the baseline on the test split, over the seeds both have:
/// the paired bootstrap of the examples of those seeds pooled, and the exact Wilcoxon signed-rank and sign tests
/// of the per-seed test scores (<see cref="PairedComparison"/>).
/// </summary>
public sealed record Significance(
    string Experiment, string Variant, string Metric, IReadOnlyList<int> Seeds, BootstrapResult Bootstrap, double Wilcoxon, double Sign);

/// <summary>What <see cref="SignificanceReport.Against"/> found: the baseline compared with, the comparisons, and why others were left out.</summary>
public sealed record SignificanceResult(VariantSummary Baseline, IReadOnlyList<Significance> Rows, IReadOnlyList<string> Skipped);

public static class SignificanceReport
{
    /// <summary>
    /// Compares every other experiment's best variant (the first of its variants in <paramref name="report"/>) with
    /// <paramref name="baselineExperiment"/>'s best variant, on the runs' recorded test examples
    /// (<c>test_examples.csv</c>). A comparison needs the same primary metric, at least one common seed, and the same
    /// test split (the same gold targets) for every seed; otherwise it is skipped with the reason.
    /// </summary>
    public static SignificanceResult Against(string root, RunReportResult report, string baselineExperiment, int resamples = 10_000, int seed = 1)
    {
        var best = report.Variants.GroupBy(v => v.Experiment).Select(g => g.First()).ToList();
        var baseline = best.FirstOrDefault(v => v.Experiment == baselineExperiment)
            ?? throw new ArgumentException($"no complete run of the baseline '{baselineExperiment}' in {root}; the experiments there: {string.Join(", ", best.Select(v => v.Experiment))}");

        var rows = new List<Significance>();
        var skipped = new List<string>();
        foreach (var method in best.Where(v => v != baseline))
        {
            string name = $"{method.Experiment} [{method.Variant}]";
            var seeds = method.Seeds.Intersect(baseline.Seeds).Order().ToList();
            string? problem = method.Primary != baseline.Primary ? $"its metric is {method.Primary}, the baseline's {baseline.Primary}"
                : TaskMetric.ByName(method.Primary).ScoresText ? $"{method.Primary} is scored on texts; the paired tests take per-example numbers only"
                : seeds.Count == 0 ? "no seed in common with the baseline"
                : null;
            if (problem is null && Compare(root, baseline, method, seeds, resamples, seed, out problem) is { } row) rows.Add(row);
            if (problem is not null) skipped.Add($"{name}: {problem}");
        }
        return new SignificanceResult(baseline, rows, skipped);
    }

    static Significance? Compare(string root, VariantSummary baseline, VariantSummary method, IReadOnlyList<int> seeds,
        int resamples, int seed, out string? problem)
    {
        var metric = TaskMetric.ByName(method.Primary);
        var (a, b, gold) = (new List<double>(), new List<double>(), new List<double>());
        var perSeed = new List<double>();
        foreach (int s in seeds)
        {
            var mine = new RunStore(root, method.Experiment, method.Variant, s).ReadTestExamples();
            var theirs = new RunStore(root, baseline.Experiment, baseline.Variant, s).ReadTestExamples();
            if (mine is null || theirs is null)
            {
                problem = $"seed {s} has no test_examples.csv (runs made before runs recorded their test examples: run them again)";
                return null;
            }
            if (!mine.Value.Gold.SequenceEqual(theirs.Value.Gold))
            {
                problem = $"seed {s}: its test split differs from the baseline's (other gold targets)";
                return null;
            }
            a.AddRange(mine.Value.Predicted);
            b.AddRange(theirs.Value.Predicted);
            gold.AddRange(mine.Value.Gold);
            perSeed.Add(metric.Compute(mine.Value.Predicted, mine.Value.Gold) - metric.Compute(theirs.Value.Predicted, theirs.Value.Gold));
        }

        // For an error metric (lower is better) the difference still reads method − baseline; its sign says which is better.
        Func<int[], double> On(List<double> predicted) => indices => metric.Compute(indices.Select(i => predicted[i]).ToArray(), indices.Select(i => gold[i]).ToArray());
        var bootstrap = PairedComparison.Bootstrap(gold.Count, On(a), On(b), resamples, seed);
        problem = null;
        return new Significance(method.Experiment, method.Variant, method.Primary, seeds, bootstrap,
            PairedComparison.WilcoxonSignedRank(perSeed), PairedComparison.SignTest(perSeed));
    }
}
