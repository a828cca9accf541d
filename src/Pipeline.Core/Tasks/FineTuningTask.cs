using Pipeline.Compensation;
using Pipeline.Data;
using Pipeline.Metrics;
using Pipeline.Models;
using Pipeline.Models.Heads;
using static TorchSharp.torch;

namespace Pipeline.Tasks;

/// <summary>
/// The task seam: what a model is fine-tuned to do. A task owns its head's width, the task loss, the consistency
/// divergence a compensation asks for, how outputs decode into predictions, and the metrics that score them — so
/// the trainer, the evaluation and the compensated loss work for any task. A new task is one subclass.
/// </summary>
public abstract class FineTuningTask
{
    /// <summary>The metric that picks the best evaluation, in its own direction (<see cref="TaskMetric.IsBetter"/>).</summary>
    public abstract TaskMetric Primary { get; }

    /// <summary>Outputs of the head (classes, or 1 for regression).</summary>
    public abstract int HeadOutputs { get; }

    /// <summary>A head of <paramref name="kind"/> for this task on a backbone of width <paramref name="hiddenSize"/>.</summary>
    public TaskHead CreateHead(HeadKind kind, Pooling pooling, long hiddenSize) => TaskHead.Create(kind, pooling, hiddenSize, HeadOutputs);

    /// <summary>The targets of a batch as the tensor <see cref="Loss"/> takes.</summary>
    public abstract Tensor Targets(IReadOnlyList<Target> targets, Device device);

    /// <summary>The task loss of one pass, averaged over the batch.</summary>
    public abstract Tensor Loss(ModelOutput output, Tensor targets);

    /// <summary>The consistency loss between two passes (<paramref name="reference"/> is P2, or the inference pass).</summary>
    public abstract Tensor Divergence(ConsistencyDivergence kind, ModelOutput output, ModelOutput reference);

    /// <summary>Predictions from the head's outputs, one row per example.</summary>
    public abstract IReadOnlyList<Target> Decode(IReadOnlyList<float[]> outputs);

    /// <summary>Metrics by name, the primary one first.</summary>
    public abstract IReadOnlyDictionary<string, double> Score(IReadOnlyList<Target> predicted, IReadOnlyList<Target> gold);

    /// <summary>
    /// The task a data set asks for: classification over its labels, or regression. <paramref name="metric"/>
    /// (YAML spelling, e.g. macro_f1) overrides the data set's own primary metric.
    /// </summary>
    public static FineTuningTask For(DatasetSplits data, string? metric = null)
    {
        var primary = metric is null ? TaskMetric.For(data) : TaskMetric.ByYamlName(metric);
        return data.Kind == TaskKind.Regression ? new RegressionTask(primary) : new ClassificationTask(data.Labels, primary);
    }

    /// <summary>The primary metric, then the companions, each once.</summary>
    protected static IReadOnlyDictionary<string, double> Compute(IEnumerable<TaskMetric> metrics, double[] predicted, double[] gold) =>
        metrics.DistinctBy(m => m.Name).ToDictionary(m => m.Name, m => m.Compute(predicted, gold));

    /// <summary>A prediction of the wrong kind is a bug upstream, named here.</summary>
    protected static T Expect<T>(Target target, string what) where T : Target =>
        target as T ?? throw new ArgumentException($"{what}: expected a {typeof(T).Name}, got {target}");
}
