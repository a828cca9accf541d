using Pipeline.Dropout;
using Pipeline.Models;
using Pipeline.Tasks;
using static TorchSharp.torch;

namespace Pipeline.Compensation;

/// <summary>The loss of one training step: the total to back-propagate and its parts (for logging).</summary>
public sealed record StepLoss(Tensor Total, Tensor Task, Tensor? Consistency, ModelOutput Output);

/// <summary>
/// One training step's forward passes and loss under a plan: the task's loss plus the plan's compensation, whose
/// divergence the task computes (<see cref="FineTuningTask.Divergence"/>: class distributions, token
/// distributions, or representations for regression).
/// </summary>
public static class CompensatedLoss
{
    /// <summary>
    /// Runs the passes the compensation needs (the model must be in training mode) and returns the loss.
    /// <paramref name="targets"/>: the batch's targets as <see cref="FineTuningTask.Targets"/> made them.
    /// </summary>
    public static StepLoss Compute(TaskModel model, FineTuningTask task, EncoderBatch batch, Tensor targets, DropoutPlan plan)
    {
        using var scope = NewDisposeScope();
        var reduction = plan.Compensation.Reduction;
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
            new ModelOutput(Out(result.Output.Logits), Out(result.Output.Representation)));

        StepLoss Plain(ModelOutput output)
        {
            var loss = task.Loss(output, targets);
            return new StepLoss(loss, loss, null, output);
        }

        // The paper (Figure 3): the second pass draws fresh masks under no-grad; only the first back-propagates.
        StepLoss OneBranchKl(double weight)
        {
            var first = model.Forward(batch, plan);
            ModelOutput second;
            using (no_grad()) second = model.Forward(batch, plan);
            return Combine(first, task.Loss(first, targets), task.Divergence(ConsistencyDivergence.SymmetricKl, first, second, targets, reduction) * weight);
        }

        // R-Drop: both passes back-propagate; the task loss is their mean.
        StepLoss BothBranchesKl(double weight)
        {
            var first = model.Forward(batch, plan);
            var second = model.Forward(batch, plan);
            var loss = 0.5 * (task.Loss(first, targets) + task.Loss(second, targets));
            return Combine(first, loss, task.Divergence(ConsistencyDivergence.SymmetricKl, first, second, targets, reduction) * weight);
        }

        // Eq. 12: KL(P1‖P) with P the inference output (eval mode: no dropout of any kind), under no-grad.
        StepLoss ToInference(double weight)
        {
            var dropped = model.Forward(batch, plan);
            ModelOutput inference;
            model.eval();
            try
            {
                using (no_grad()) inference = model.Forward(batch);
            }
            finally
            {
                model.train();
            }
            return Combine(dropped, task.Loss(dropped, targets), task.Divergence(ConsistencyDivergence.Kl, dropped, inference, targets, reduction) * weight);
        }

        // HiddenCut's official loss: task(uncut) + task(cut) + w·JS, both passes back-propagate; the uncut
        // pass keeps training mode (other dropout, e.g. lora_dropout, stays on) but applies no plan.
        StepLoss HiddenCut(double weight)
        {
            var uncut = model.Forward(batch, DropoutPlan.None);
            var cut = model.Forward(batch, plan);
            var loss = task.Loss(uncut, targets) + task.Loss(cut, targets);
            return Combine(cut, loss, task.Divergence(ConsistencyDivergence.HiddenCutJs, uncut, cut, targets, reduction) * weight);
        }
    }

    static StepLoss Combine(ModelOutput output, Tensor task, Tensor consistency) =>
        new(task + consistency, task, consistency, output);
}
