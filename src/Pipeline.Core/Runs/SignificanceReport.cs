using Pipeline.Metrics;
using Pipeline.Metrics.Nlg;
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
    /// best variant on it (best: <see cref="RunReport.Best"/>), on the runs' recorded test examples: the numbers of
    /// <c>test_examples.csv</c>, or for generation tasks scored by BLEU the texts of <c>predictions.jsonl</c> (corpus
    /// BLEU recomputed on every resample of the segments). A comparison needs a baseline run on the task, the same
    /// primary metric, at least one common seed, and the same test split (the same gold targets or references) for
    /// every seed; otherwise it is skipped with the reason.
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
            var metric = TaskMetric.ByName(method.Primary);
            string? problem = method.Primary != baseline.Primary ? $"its metric is {method.Primary}, the baseline's {baseline.Primary}"
                : metric.ScoresText && metric != TaskMetric.Bleu ? $"{method.Primary} is scored on texts; of the text metrics the paired tests take BLEU, whose corpus score is a sum over segments"
                : seeds.Count == 0 ? "no seed in common with the baseline"
                : null;
            if (problem is null && Compare(report.Runs, baseline, method, seeds, resamples, seed, out problem) is { } row) rows.Add(row);
            if (problem is not null) skipped.Add($"{name}: {problem}");
        }
        return new SignificanceResult(baselines.Values.OrderBy(v => v.Dataset, StringComparer.Ordinal).ToList(), rows, skipped);
    }

    static RunRecord Find(IReadOnlyList<RunRecord> runs, VariantSummary variant, int seed) =>
        runs.Single(r => r.Metrics.Experiment == variant.Experiment && r.Metrics.Variant == variant.Variant && r.Dataset == variant.Dataset
                         && r.Metrics.Seed == seed);

    /// <summary>
    /// The test examples of both sides over the common seeds, pooled: how many, and each side's metric on any
    /// subset of them (by index), plus the per-seed differences of the metric (method − baseline).
    /// </summary>
    sealed record Pooled(int Count, Func<int[], double> Method, Func<int[], double> Baseline, List<double> PerSeed);

    static Significance? Compare(IReadOnlyList<RunRecord> runs, VariantSummary baseline, VariantSummary method, IReadOnlyList<int> seeds,
        int resamples, int seed, out string? problem)
    {
        var metric = TaskMetric.ByName(method.Primary);
        var pooled = metric.ScoresText
            ? PoolTexts(runs, baseline, method, seeds, out problem)
            : PoolNumbers(runs, baseline, method, seeds, metric, out problem);
        if (pooled is null) return null;
        // For an error metric (lower is better) the difference still reads method − baseline; its sign says which is better.
        var bootstrap = PairedComparison.Bootstrap(pooled.Count, pooled.Method, pooled.Baseline, resamples, seed);
        return new Significance(method.Experiment, method.Variant, method.Dataset, method.Primary, seeds, bootstrap,
            PairedComparison.WilcoxonSignedRank(pooled.PerSeed), PairedComparison.SignTest(pooled.PerSeed));
    }

    static Pooled? PoolNumbers(IReadOnlyList<RunRecord> runs, VariantSummary baseline, VariantSummary method, IReadOnlyList<int> seeds,
        TaskMetric metric, out string? problem)
    {
        var (a, b, gold) = (new List<double>(), new List<double>(), new List<double>());
        var perSeed = new List<double>();
        foreach (int s in seeds)
        {
            var mine = Find(runs, method, s).TestExamples;
            var theirs = Find(runs, baseline, s).TestExamples;
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
        Func<int[], double> On(List<double> predicted) => indices => metric.Compute(indices.Select(i => predicted[i]).ToArray(), indices.Select(i => gold[i]).ToArray());
        problem = null;
        return new Pooled(gold.Count, On(a), On(b), perSeed);
    }

    /// <summary>BLEU: each segment's statistics computed once (<see cref="Bleu.SegmentStatistics"/>); a resample's corpus BLEU sums them.</summary>
    static Pooled? PoolTexts(IReadOnlyList<RunRecord> runs, VariantSummary baseline, VariantSummary method, IReadOnlyList<int> seeds, out string? problem)
    {
        var (a, b) = (new List<Bleu.SegmentStatistics>(), new List<Bleu.SegmentStatistics>());
        var perSeed = new List<double>();
        foreach (int s in seeds)
        {
            var mine = Find(runs, method, s).TestTexts;
            var theirs = Find(runs, baseline, s).TestTexts;
            if (mine is null || theirs is null)
            {
                problem = $"seed {s} has no predictions.jsonl (the generated test texts)";
                return null;
            }
            if (mine.References.Length != theirs.References.Length || !mine.References.Zip(theirs.References).All(p => p.First.SequenceEqual(p.Second)))
            {
                problem = $"seed {s}: its test split differs from the baseline's (other references)";
                return null;
            }
            var (mineSegments, theirSegments) = (Bleu.Segments(mine.Hypotheses, mine.References), Bleu.Segments(theirs.Hypotheses, theirs.References));
            a.AddRange(mineSegments);
            b.AddRange(theirSegments);
            perSeed.Add(Bleu.Corpus(mineSegments) - Bleu.Corpus(theirSegments));
        }
        Func<int[], double> On(List<Bleu.SegmentStatistics> segments) => indices => Bleu.Corpus(indices.Select(i => segments[i]));
        problem = null;
        return new Pooled(a.Count, On(a), On(b), perSeed);
    }
}
