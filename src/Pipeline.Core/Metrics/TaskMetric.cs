using Pipeline.Data;
using Pipeline.Vocabulary;

namespace Pipeline.Metrics;

/// <summary>
/// The score a task is judged by: its name, its direction, and how it is computed from predictions and gold
/// labels (class indices for classification, values for regression, as the task decodes its targets).
/// The paper's choice for GLUE: accuracy, Matthews correlation for CoLA, Pearson for STS-B.
/// </summary>
public sealed class TaskMetric
{
    readonly Func<IReadOnlyList<double>, IReadOnlyList<double>, double> compute;

    // YAML's task.metric names. A metric's own name (tables, metrics.json) spells '_' as '-': macro_f1 → macro-f1.
    [CatalogName] public const string AccuracyName = "accuracy";
    [CatalogName] public const string F1Name = "f1";
    [CatalogName] public const string MacroF1Name = "macro_f1";
    [CatalogName] public const string MccName = "mcc";
    [CatalogName] public const string PearsonName = "pearson";
    [CatalogName] public const string SpearmanName = "spearman";
    [CatalogName] public const string MseName = "mse";
    [CatalogName] public const string PerplexityName = "perplexity";
    [CatalogName] public const string TokenAccuracyName = "token_accuracy";
    [CatalogName] public const string BleuName = "bleu";
    [CatalogName] public const string NistName = "nist";
    [CatalogName] public const string MeteorName = "meteor";
    [CatalogName] public const string RougeLName = "rouge_l";
    [CatalogName] public const string CiderName = "cider";
    [CatalogName] public const string TerName = "ter";

    TaskMetric(string yamlName, string description, bool higherIsBetter, Func<IReadOnlyList<double>, IReadOnlyList<double>, double>? compute)
    {
        YamlName = yamlName;
        Name = yamlName.Replace('_', '-');
        Description = description;
        HigherIsBetter = higherIsBetter;
        this.compute = compute ?? ((_, _) => throw new InvalidOperationException(
            $"{Name} is scored from generated texts against their references (Metrics/Nlg/NlgScorer), not from numbers"));
        ScoresText = compute is null;
    }

    /// <summary>Short name for tables and configuration: accuracy, f1, macro-f1, mcc, pearson, spearman, mse, perplexity, token-accuracy, bleu, nist, meteor, rouge-l, cider, ter.</summary>
    public string Name { get; }
    /// <summary>How YAML's <c>task.metric</c> names it (macro_f1).</summary>
    public string YamlName { get; }
    public string Description { get; }

    /// <summary>True for the NLG metrics (BLEU, NIST, …): scored on generated texts by NlgScorer, under the same <see cref="Name"/>.</summary>
    public bool ScoresText { get; }

    /// <summary>False for errors (mse, perplexity); the code that picks the best epoch asks, it never assumes.</summary>
    public bool HigherIsBetter { get; }

    public static TaskMetric Accuracy { get; } = Classification(AccuracyName, "fraction of correct predictions", ClassificationMetrics.Accuracy);
    public static TaskMetric F1 { get; } = Classification(F1Name, "F1 of class 1 (binary tasks)", (p, g) => ClassificationMetrics.F1(p, g));
    public static TaskMetric MacroF1 { get; } = Classification(MacroF1Name, "mean F1 over the classes present", ClassificationMetrics.MacroF1);
    public static TaskMetric Mcc { get; } = Classification(MccName, "Matthews correlation coefficient", ClassificationMetrics.MatthewsCorrelation);
    public static TaskMetric Pearson { get; } = new(PearsonName, "Pearson correlation", true, CorrelationMetrics.Pearson);
    public static TaskMetric Spearman { get; } = new(SpearmanName, "Spearman rank correlation (ties: average ranks)", true, CorrelationMetrics.Spearman);
    public static TaskMetric Mse { get; } = new(MseName, "mean squared error (lower is better)", false, CorrelationMetrics.MeanSquaredError);


    /// <summary>
    /// exp(Σ NLL / Σ tokens) over a split's target tokens (lower is better). A language model's scores are sums per
    /// example, so this metric reads <c>predicted</c> as each example's summed negative log-likelihood and <c>gold</c>
    /// as its number of target tokens.
    /// </summary>
    public static TaskMetric Perplexity { get; } = new(PerplexityName, "exp(mean negative log-likelihood per target token), lower is better", false,
        (nll, tokens) => Math.Exp(nll.Sum() / Math.Max(1, tokens.Sum())));

    /// <summary>The share of target tokens whose most likely next token is right: <c>predicted</c> = correct tokens, <c>gold</c> = tokens per example.</summary>
    public static TaskMetric TokenAccuracy { get; } = new(TokenAccuracyName, "fraction of target tokens predicted exactly (greedy, teacher-forced)", true,
        (correct, tokens) => correct.Sum() / Math.Max(1, tokens.Sum()));

    // The NLG metrics of the paper's Tables 2–3, as e2e-metrics computes them (docs/metrics.md).
    public static TaskMetric Bleu { get; } = new(BleuName, "corpus BLEU-4 of generated texts (e2e-metrics' mteval), 0–1", true, null);
    public static TaskMetric Nist { get; } = new(NistName, "corpus NIST-5 of generated texts (e2e-metrics' mteval)", true, null);
    public static TaskMetric Meteor { get; } = new(MeteorName, "METEOR 1.5 of generated texts (needs meteor-1.5.jar: PIPELINE_METEOR_JAR)", true, null);
    public static TaskMetric RougeL { get; } = new(RougeLName, "ROUGE-L F (β = 1.2) of generated texts, mean over examples", true, null);
    public static TaskMetric Cider { get; } = new(CiderName, "CIDEr-D of generated texts", true, null);
    public static TaskMetric Ter { get; } = new(TerName, "translation edit rate of generated texts (lower is better)", false, null);

    /// <summary>The metrics of generated text, in the order the paper's tables print them.</summary>
    public static IReadOnlyList<TaskMetric> TextMetrics { get; } = [Bleu, Nist, Meteor, RougeL, Cider, Ter];

    public static IReadOnlyList<TaskMetric> All { get; } = [Accuracy, F1, MacroF1, Mcc, Pearson, Spearman, Mse, Perplexity, TokenAccuracy, .. TextMetrics];

    /// <summary>The data set's own metric when it names one (CoLA: mcc); else accuracy for classification, Pearson for regression.</summary>
    public static TaskMetric For(DatasetSplits splits) =>
        splits.Metric is { } name ? ByName(name) : For(splits.Kind);

    public static TaskMetric For(TaskKind kind) => kind switch
    {
        TaskKind.Regression => Pearson,
        TaskKind.Generation => Bleu,
        _ => Accuracy,
    };

    /// <summary>The metric YAML's <c>task.metric</c> names (macro_f1).</summary>
    public static TaskMetric ByYamlName(string name) =>
        All.FirstOrDefault(m => m.YamlName == name)
        ?? throw new ArgumentException($"unknown metric '{name}'; expected one of: {string.Join(", ", All.Select(m => m.YamlName))}");

    public static TaskMetric ByName(string name) =>
        All.FirstOrDefault(m => m.Name == name)
        ?? throw new ArgumentException($"unknown metric '{name}'; expected one of: {string.Join(", ", All.Select(m => m.Name))}");

    /// <summary>Scores <paramref name="predicted"/> against <paramref name="gold"/>.</summary>
    public double Compute(IReadOnlyList<double> predicted, IReadOnlyList<double> gold) => compute(predicted, gold);

    /// <summary>True when <paramref name="candidate"/> is strictly better than <paramref name="best"/> (ties keep the earlier epoch).</summary>
    public bool IsBetter(double candidate, double best) => HigherIsBetter ? candidate > best : candidate < best;

    public override string ToString() => Name;

    static TaskMetric Classification(string name, string description, Func<IReadOnlyList<int>, IReadOnlyList<int>, double> metric) =>
        new(name, description, true, (p, g) => metric(ClassIndices(p, "prediction"), ClassIndices(g, "gold label")));

    /// <summary>Class indices travel as doubles; anything but a whole non-negative number is a bug upstream.</summary>
    static int[] ClassIndices(IReadOnlyList<double> values, string what)
    {
        var indices = new int[values.Count];
        for (int i = 0; i < values.Count; i++)
        {
            double v = values[i];
            if (!(v >= 0 && v == Math.Floor(v) && v <= int.MaxValue)) throw new ArgumentException($"{what} {i} is {v}, not a class index");
            indices[i] = (int)v;
        }
        return indices;
    }
}
