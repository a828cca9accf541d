namespace Pipeline.Runs;

/// <summary>
/// One experiment variant over its complete seeds. The paper reports the median over seeds (5 in its tables);
/// mean and standard deviation show the spread. Dev figures are each run's best evaluation (the epoch its
/// adapter was kept from), test figures the test split at those weights. <see cref="Parameters"/> (the first
/// seed's; every seed trains the same model) tells LoRA from full fine-tuning.
/// </summary>
public sealed record VariantSummary(
    string Experiment, string Variant, string Primary, IReadOnlyList<int> Seeds,
    double MedianBestDev, double MeanBestDev, double StdBestDev, double? MedianTest,
    double MedianBestEpoch, double MedianFinalTrainLoss, double MedianFinalDevLoss, Lora.ParameterCounts Parameters);

/// <summary>What <see cref="RunReport.Collect"/> found: the summaries, and the run folders that are not complete yet.</summary>
public sealed record RunReportResult(IReadOnlyList<VariantSummary> Variants, IReadOnlyList<string> Incomplete);

/// <summary>Summarises the run folders under a runs root (<c>&lt;root&gt;/&lt;experiment&gt;/&lt;variant&gt;/seed-&lt;n&gt;/</c>).</summary>
public static class RunReport
{
    /// <summary>
    /// Reads every complete run (its <c>metrics.json</c>, which names its experiment and variant) under
    /// <paramref name="root"/>, optionally of one experiment, and groups them by experiment and variant.
    /// </summary>
    public static RunReportResult Collect(string root, string? experiment = null)
    {
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"no runs folder '{root}' ('pipeline run' writes one; --out chooses another)");
        var complete = new List<RunMetrics>();
        var incomplete = new List<string>();
        // Under the root: <experiment>/<variant>/seed-<n>; under one experiment's folder: <variant>/seed-<n>.
        string top = experiment is null ? root : Path.Combine(root, RunStore.Safe(experiment));
        var levels = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = experiment is null ? 2 : 1 };
        foreach (string seedDirectory in Directory.Exists(top) ? Directory.EnumerateDirectories(top, "seed-*", levels) : [])
        {
            string metrics = Path.Combine(seedDirectory, "metrics.json");
            if (File.Exists(metrics))
                complete.Add(Storage.AtomicFile.ReadJson<RunMetrics>(metrics));
            else
                incomplete.Add(seedDirectory);
        }

        var variants = complete
            .GroupBy(r => (r.Experiment, r.Variant))
            .Select(g => Summarise(g.OrderBy(r => r.Seed).ToList()))
            .OrderBy(v => v.Experiment, StringComparer.Ordinal)
            .ThenByDescending(v => v.MedianBestDev)
            .ToList();
        incomplete.Sort(StringComparer.Ordinal);
        return new RunReportResult(variants, incomplete);
    }

    static VariantSummary Summarise(IReadOnlyList<RunMetrics> runs)
    {
        var dev = runs.Select(r => r.Best.Score).ToList();
        double mean = dev.Average();
        var test = runs.Where(r => r.Test.ContainsKey(r.Primary)).Select(r => r.Test[r.Primary]).ToList();
        return new VariantSummary(
            runs[0].Experiment, runs[0].Variant, runs[0].Primary, runs.Select(r => r.Seed).ToList(),
            Median(dev), mean, Math.Sqrt(dev.Sum(x => (x - mean) * (x - mean)) / Math.Max(1, dev.Count - 1)),
            test.Count == runs.Count ? Median(test) : null,
            Median(runs.Select(r => (double)r.Best.Epoch).ToList()),
            Median(runs.Select(r => r.Final.TrainLoss).ToList()),
            Median(runs.Select(r => r.Final.DevLoss).ToList()),
            runs[0].Parameters);
    }

    /// <summary>The middle value; the mean of the two middle values for an even count.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("the median of no values");
        var sorted = values.Order().ToList();
        int middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
