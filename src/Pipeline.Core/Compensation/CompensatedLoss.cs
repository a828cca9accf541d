using Pipeline.Dropout;
using Pipeline.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Compensation;

/// <summary>The loss of one training step: the total to back-propagate and its parts (for logging).</summary>
public sealed record StepLoss(Tensor Total, Tensor Task, Tensor? Consistency, ClassifierOutput Output);

/// <summary>
/// One training step's forward passes and loss under a plan: the task loss plus the plan's compensation.
/// Classification uses cross-entropy and divergences between class distributions; regression uses MSE and
/// <see cref="Divergences.RepresentationMse"/> between pooled representations.
/// </summary>
public static class CompensatedLoss
{
    /// <summary>
    /// Runs the passes the compensation needs (the model must be in training mode) and returns the loss.
    /// <paramref name="labels"/>: int64 class indices [B], or float targets [B] for regression.
    /// </summary>
    public static StepLoss Compute(SequenceClassifier model, EncoderBatch batch, Tensor labels, DropoutPlan plan)
    {
        using var scope = NewDisposeScope();
        bool regression = model.NumLabels == 1;
        var result = plan.Compensation switch
        {
            NoCompensation => Plain(model.Forward(batch, plan)),
            BidirectionalKl { Branches: KlBranches.OneWithGradient } kl => OneBranchKl(kl.Weight),
            BidirectionalKl kl => BothBranchesKl(kl.Weight),
            JsToInference js => ToInference(js.Weight),
            HiddenCutJs js => HiddenCut(js.Weight),
            var other => throw new NotSupportedException($"compensation {other} has no loss"),
        };
        // Total and Task can be the same tensor: moving it out twice would push it past the caller's scope
        // (a leak that keeps the whole autograd graph alive), so each distinct tensor moves once.
        var moved = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        Tensor Out(Tensor t)
        {
            if (moved.Add(t)) t.MoveToOuterDisposeScope();
            return t;
        }
        return new StepLoss(Out(result.Total), Out(result.Task), result.Consistency is null ? null : Out(result.Consistency),
            new ClassifierOutput(Out(result.Output.Logits), Out(result.Output.Pooled)));

        StepLoss Plain(ClassifierOutput output)
        {
            var task = TaskLoss(output, labels, regression);
            return new StepLoss(task, task, null, output);
        }

        // The paper (Figure 3): the second pass draws fresh masks under no-grad; only the first back-propagates.
        StepLoss OneBranchKl(double weight)
        {
            var first = model.Forward(batch, plan);
            ClassifierOutput second;
            using (no_grad()) second = model.Forward(batch, plan);
            return Combine(first, TaskLoss(first, labels, regression), Consistency(first, second, regression, weight));
        }

        // R-Drop: both passes back-propagate; the task loss is their mean.
        StepLoss BothBranchesKl(double weight)
        {
            var first = model.Forward(batch, plan);
            var second = model.Forward(batch, plan);
            var task = 0.5 * (TaskLoss(first, labels, regression) + TaskLoss(second, labels, regression));
            return Combine(first, task, Consistency(first, second, regression, weight));
        }

        // Eq. 12: KL(P1‖P) with P the inference output (eval mode: no dropout of any kind), under no-grad.
        StepLoss ToInference(double weight)
        {
            var dropped = model.Forward(batch, plan);
            ClassifierOutput inference;
            model.eval();
            try
            {
                using (no_grad()) inference = model.Forward(batch);
            }
            finally
            {
                model.train();
            }
            var consistency = regression
                ? Divergences.RepresentationMse(dropped.Pooled, inference.Pooled)
                : Divergences.Kl(dropped.Logits, inference.Logits);
            return Combine(dropped, TaskLoss(dropped, labels, regression), consistency * weight);
        }

        // HiddenCut's official loss: task(uncut) + task(cut) + w·JS, both passes back-propagate; the uncut
        // pass keeps training mode (other dropout, e.g. lora_dropout, stays on) but applies no plan.
        StepLoss HiddenCut(double weight)
        {
            var uncut = model.Forward(batch, DropoutPlan.None);
            var cut = model.Forward(batch, plan);
            var task = TaskLoss(uncut, labels, regression) + TaskLoss(cut, labels, regression);
            var consistency = regression
                ? Divergences.RepresentationMse(uncut.Pooled, cut.Pooled)
                : Divergences.HiddenCutJs(uncut.Logits, cut.Logits);
            return Combine(cut, task, consistency * weight);
        }
    }

    public static Tensor TaskLoss(ClassifierOutput output, Tensor labels, bool regression) =>
        regression
            ? functional.mse_loss(output.Logits.squeeze(-1), labels.to(output.Logits.dtype))
            : functional.cross_entropy(output.Logits, labels);

    static Tensor Consistency(ClassifierOutput first, ClassifierOutput second, bool regression, double weight) =>
        (regression
            ? Divergences.RepresentationMse(first.Pooled, second.Pooled)
            : Divergences.SymmetricKl(first.Logits, second.Logits)) * weight;

    static StepLoss Combine(ClassifierOutput output, Tensor task, Tensor consistency) =>
        new(task + consistency, task, consistency, output);
}
