using Pipeline.Compensation;
using Pipeline.Data;
using Pipeline.Metrics;
using Pipeline.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Tasks;

/// <summary>
/// One number per example (STS-B): MSE on the head's single output; every consistency divergence becomes the MSE
/// between the passes' representations (<see cref="Divergences.RepresentationMse"/>: a softmax over one output
/// means nothing); companions Pearson and Spearman.
/// </summary>
public sealed class RegressionTask : PredictionTask
{
    public RegressionTask(TaskMetric? primary = null) => Primary = Checked(primary ?? TaskMetric.Pearson, Metrics, "regression");

    public override TaskMetric Primary { get; }
    public override IReadOnlyList<TaskMetric> Metrics => [TaskMetric.Pearson, TaskMetric.Spearman, TaskMetric.Mse];
    public override int HeadOutputs => 1;

    public override Tensor Targets(IReadOnlyList<Target> targets, Device device) =>
        tensor(targets.Select(t => Expect<NumberTarget>(t, "regression target").Value).ToArray(), device: device);

    public override Tensor Loss(ModelOutput output, Tensor targets) =>
        functional.mse_loss(output.Logits.squeeze(-1), targets.to(output.Logits.dtype));

    public override Tensor Divergence(ConsistencyDivergence kind, ModelOutput output, ModelOutput reference, Tensor targets,
        DivergenceReduction reduction = DivergenceReduction.Mean) =>
        Divergences.RepresentationMse(output.Representation, reference.Representation, reduction);

    public override IReadOnlyList<Target> Decode(IReadOnlyList<float[]> outputs) =>
        outputs.Select(o => (Target)new NumberTarget(o[0])).ToList();

    public override IReadOnlyDictionary<string, double> Score(IReadOnlyList<Target> predicted, IReadOnlyList<Target> gold) =>
        Compute([Primary, TaskMetric.Pearson, TaskMetric.Spearman], Numbers(predicted, "prediction"), Numbers(gold, "gold value"));

    /// <summary>The values.</summary>
    public override double[] Numbers(IReadOnlyList<Target> targets, string what) =>
        targets.Select(t => (double)Expect<NumberTarget>(t, what).Value).ToArray();
}
