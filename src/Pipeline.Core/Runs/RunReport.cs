using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Runs;

/// <summary>
/// One experiment variant over its complete seeds. The paper reports the median over seeds (5 in its tables);
/// mean and standard deviation show the spread. Dev figures are each run's best evaluation (the epoch its
/// adapter was kept from), test figures the test split at those weights. <see cref="Parameters"/> (the first
/// seed's; every seed trains the same model) tells LoRA from full fine-tuning.
/// </summary>
public sealed record VariantSummary(
    string Experiment, string Variant, string Dataset, string Primary, IReadOnlyList<int> Seeds,
    double MedianBestDev, double MeanBestDev, double StdBestDev, double? MedianTest,
    double MedianBestEpoch, double MedianFinalTrainLoss, double MedianFinalDevLoss, Lora.ParameterCounts Parameters);

/// <summary>
/// What <see cref="RunReport.Collect"/> found: the summaries, the run folders that are not complete yet, and the
/// complete runs themselves (<see cref="Runs"/>: left out of the JSON of the summaries; <see cref="RunReport.Export"/>
/// writes them).
/// </summary>
public sealed record RunReportResult(IReadOnlyList<VariantSummary> Variants, IReadOnlyList<string> Incomplete,
    [property: JsonIgnore] IReadOnlyList<RunRecord> Runs);

/// <summary>Each test example's prediction and gold target as the metrics read them (a run's <c>test_examples.csv</c>).</summary>
public sealed record TestExamples(double[] Predicted, double[] Gold);

/// <summary>A generation run's test texts (<c>predictions.jsonl</c>): each example's generated text and its references.</summary>
public sealed record TestTexts(string[] Hypotheses, string[][] References);

/// <summary>
/// One complete run as a report reads it: its <c>metrics.json</c>, the data set it ran on (<c>data.json</c>'s name),
/// and its test examples where it recorded them — numbers (<see cref="TestExamples"/>), or for a generation task
/// the texts (<see cref="TestTexts"/>).
/// </summary>
public sealed record RunRecord(RunMetrics Metrics, string Dataset, TestExamples? TestExamples, TestTexts? TestTexts = null);

/// <summary>
/// The compact file <c>pipeline report --export</c> writes: every complete run's record (configuration of the
/// variant by its name, per-epoch history, best/final/test scores, cost, per-example test predictions), so a
/// report can be made again without the run folders (which are not kept in git).
/// </summary>
public sealed record RunSummaryFile(int Version, IReadOnlyList<RunRecord> Runs)
{
    public const int CurrentVersion = 1;
}

/// <summary>
/// Summarises complete runs: the run folders under a runs root (<c>&lt;root&gt;/&lt;experiment&gt;/&lt;variant&gt;/seed-&lt;n&gt;/</c>),
/// or a summary file written by <see cref="Export"/>.
/// </summary>
public static class RunReport
{
    /// <summary>Writes every complete run of <paramref name="report"/> to a summary file that <see cref="Collect"/> reads back.</summary>
    public static void Export(RunReportResult report, string path) =>
        Storage.AtomicFile.WriteJson(path, new RunSummaryFile(RunSummaryFile.CurrentVersion, report.Runs),
            new JsonSerializerOptions(Storage.AtomicFile.JsonOptions) { WriteIndented = false });

    /// <summary>
    /// Reads every complete run under <paramref name="source"/> — a runs folder, or a summary file (<c>.json</c>) of
    /// <see cref="Export"/> — optionally of one experiment, and groups them by experiment and variant.
    /// </summary>
    public static RunReportResult Collect(string source, string? experiment = null) => Collect([source], experiment);

    /// <summary>
    /// The runs of several sources (runs folders and summary files) as one report — e.g. a committed summary and the
    /// runs of a grid measured later. A run (experiment, variant, seed) found in two sources is an error.
    /// </summary>
    public static RunReportResult Collect(IReadOnlyList<string> sources, string? experiment = null)
    {
        var runs = new List<RunRecord>();
        var incomplete = new List<string>();
        var from = new Dictionary<(string, string, int), string>();
        foreach (string source in sources)
        {
            var (found, unfinished) = File.Exists(source) ? (ReadSummary(source), []) : ReadFolders(source, experiment);
            foreach (var run in found.Where(r => experiment is null || r.Metrics.Experiment == experiment))
            {
                var key = (run.Metrics.Experiment, run.Metrics.Variant, run.Metrics.Seed);
                if (!from.TryAdd(key, source))
                    throw new InvalidDataException($"run {key.Experiment} [{key.Variant}] seed {key.Seed} is in both {from[key]} and {source}: report each run once");
                runs.Add(run);
            }
            incomplete.AddRange(unfinished);
        }
        return Group(runs, incomplete);
    }

    static RunReportResult Group(List<RunRecord> runs, List<string> incomplete)
    {
        runs = runs
            .OrderBy(r => r.Metrics.Experiment, StringComparer.Ordinal).ThenBy(r => r.Metrics.Variant, StringComparer.Ordinal).ThenBy(r => r.Metrics.Seed)
            .ToList();
        var variants = runs
            .GroupBy(r => (r.Metrics.Experiment, r.Metrics.Variant))
            .Select(g => Summarise(g.ToList()))
            .OrderBy(v => v.Experiment, StringComparer.Ordinal)
            .ThenByDescending(v => v.MedianBestDev)
            .ToList();
        return new RunReportResult(variants, incomplete, runs);
    }

    static (List<RunRecord>, List<string>) ReadFolders(string root, string? experiment)
    {
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"no runs folder '{root}' ('pipeline run' writes one; --out chooses another)");
        var complete = new List<RunRecord>();
        var incomplete = new List<string>();
        // Under the root: <experiment>/<variant>/seed-<n>; under one experiment's folder: <variant>/seed-<n>.
        string top = experiment is null ? root : Path.Combine(root, RunStore.Safe(experiment));
        var levels = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = experiment is null ? 2 : 1 };
        foreach (string seedDirectory in Directory.Exists(top) ? Directory.EnumerateDirectories(top, "seed-*", levels) : [])
        {
            string metrics = Path.Combine(seedDirectory, "metrics.json");
            if (File.Exists(metrics))
                complete.Add(ReadRun(seedDirectory));
            else
                incomplete.Add(seedDirectory);
        }
        incomplete.Sort(StringComparer.Ordinal);
        return (complete, incomplete);
    }

    static RunRecord ReadRun(string directory)
    {
        var metrics = Storage.AtomicFile.ReadJson<RunMetrics>(Path.Combine(directory, "metrics.json"));
        string data = Path.Combine(directory, "data.json");
        string dataset = File.Exists(data) ? Storage.AtomicFile.ReadJson<DataFile>(data).Name : "?";
        return new RunRecord(metrics, ReportedTask(dataset, metrics.Variant), RunStore.ReadTestExamples(Path.Combine(directory, "test_examples.csv")),
            RunStore.ReadTestTexts(Path.Combine(directory, "predictions.jsonl")));
    }

    /// <summary>
    /// The task a run is reported under: its data set, and its training-sample size where its variant comes from a
    /// <c>max_examples</c> sweep axis — e.g. <c>mr-polarity (n=250)</c>. A training-set-size study varies a condition,
    /// not a setting to pick on dev, so each size gets a column of the Table 1 layout and paired tests of its own.
    /// </summary>
    public static string ReportedTask(string dataset, string variant) =>
        VariantAxes(variant).TryGetValue("max_examples", out string? size) ? $"{dataset}{SizeMark}{size})" : dataset;

    const string SizeMark = " (n=";

    /// <summary>How report columns sort: by data set, then by training-sample size ("(n=250)" before "(n=1000)").</summary>
    public static (string Dataset, int Size) TaskOrder(string task) =>
        task.Split(SizeMark) is [var dataset, var n] && int.TryParse(n.TrimEnd(')'), out int size) ? (dataset, size) : (task, 0);

    /// <summary>A variant's name parsed into its sweep axes: <c>"rate=0.1,weight=1"</c> → {rate: 0.1, weight: 1}; <c>default</c> → none.</summary>
    public static Dictionary<string, string> VariantAxes(string variant) =>
        variant.Split(',').Select(axis => axis.Split('=', 2)).Where(axis => axis.Length == 2).ToDictionary(axis => axis[0], axis => axis[1]);

    /// <summary>The part of <c>data.json</c> a report reads.</summary>
    sealed record DataFile(string Name);

    static List<RunRecord> ReadSummary(string path)
    {
        var file = Storage.AtomicFile.ReadJson<RunSummaryFile>(path);
        if (file.Version != RunSummaryFile.CurrentVersion)
            throw new InvalidDataException($"{path}: a run summary of version {file.Version}; this pipeline reads version {RunSummaryFile.CurrentVersion}");
        return file.Runs.ToList();
    }

    static VariantSummary Summarise(IReadOnlyList<RunRecord> records)
    {
        var runs = records.Select(r => r.Metrics).ToList();
        var dev = runs.Select(r => r.Best.Score).ToList();
        double mean = dev.Average();
        var test = runs.Where(r => r.Test.ContainsKey(r.Primary)).Select(r => r.Test[r.Primary]).ToList();
        return new VariantSummary(
            runs[0].Experiment, runs[0].Variant, records[0].Dataset, runs[0].Primary, runs.Select(r => r.Seed).ToList(),
            Median(dev), mean, StandardDeviation(dev),
            test.Count == runs.Count ? Median(test) : null,
            Median(runs.Select(r => (double)r.Best.Epoch).ToList()),
            Median(runs.Select(r => r.Final.TrainLoss).ToList()),
            Median(runs.Select(r => r.Final.DevLoss).ToList()),
            runs[0].Parameters);
    }

    /// <summary>The variant with the best median dev score, in the metric's direction (ties: the first by name).</summary>
    public static VariantSummary Best(IEnumerable<VariantSummary> variants)
    {
        var list = variants.OrderBy(v => v.Variant, StringComparer.Ordinal).ToList();
        bool higher = Metrics.TaskMetric.ByName(list[0].Primary).HigherIsBetter;
        return list.Aggregate((best, v) => (higher ? v.MedianBestDev > best.MedianBestDev : v.MedianBestDev < best.MedianBestDev) ? v : best);
    }

    /// <summary>The sample standard deviation (n − 1); 0 for a single value.</summary>
    public static double StandardDeviation(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / Math.Max(1, values.Count - 1));
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
