using Pipeline.Compensation;
using Pipeline.Data;
using Pipeline.Metrics;
using Pipeline.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Tasks;

/// <summary>
/// One class per example: cross-entropy on the logits (optionally label-smoothed), divergences between the class
/// distributions, argmax decoding; companions accuracy, F1 (binary) or macro-F1, and MCC.
/// </summary>
public sealed class ClassificationTask : PredictionTask
{
    readonly TaskMetric[] metrics;
    readonly double labelSmoothing;

    public ClassificationTask(IReadOnlyList<string> labels, TaskMetric? primary = null, double labelSmoothing = 0)
    {
        if (labels.Count < 2) throw new ArgumentException($"classification needs at least 2 labels, got {labels.Count}");
        Labels = labels;
        Primary = Checked(primary ?? TaskMetric.Accuracy, Metrics, "classification");
        this.labelSmoothing = CheckedSmoothing(labelSmoothing);
        metrics = [Primary, TaskMetric.Accuracy, labels.Count == 2 ? TaskMetric.F1 : TaskMetric.MacroF1, TaskMetric.Mcc];
    }

    public IReadOnlyList<string> Labels { get; }
    public override TaskMetric Primary { get; }
    public override IReadOnlyList<TaskMetric> Metrics => [TaskMetric.Accuracy, TaskMetric.F1, TaskMetric.MacroF1, TaskMetric.Mcc];
    public override int HeadOutputs => Labels.Count;

    public override Tensor Targets(IReadOnlyList<Target> targets, Device device) =>
        tensor(targets.Select(t => (long)Expect<ClassTarget>(t, "classification target").Index).ToArray(), device: device);

    public override Tensor Loss(ModelOutput output, Tensor targets) =>
        functional.cross_entropy(output.Logits, targets, label_smoothing: labelSmoothing);

    public override Tensor Divergence(ConsistencyDivergence kind, ModelOutput output, ModelOutput reference, Tensor targets,
        DivergenceReduction reduction = DivergenceReduction.Mean) =>
        Divergences.Of(kind, output.Logits, reference.Logits, reduction: reduction);

    public override IReadOnlyList<Target> Decode(IReadOnlyList<float[]> outputs) =>
        outputs.Select(o => (Target)new ClassTarget(Array.IndexOf(o, o.Max()))).ToList();

    public override IReadOnlyDictionary<string, double> Score(IReadOnlyList<Target> predicted, IReadOnlyList<Target> gold) =>
        Compute(metrics, Numbers(predicted, "prediction"), Numbers(gold, "gold label"));

    /// <summary>Class indices.</summary>
    public override double[] Numbers(IReadOnlyList<Target> targets, string what) =>
        targets.Select(t => (double)Expect<ClassTarget>(t, what).Index).ToArray();
}
