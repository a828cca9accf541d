namespace Pipeline.Training;

/// <summary>One evaluation of a run: where it happened, the training losses since the last one, the dev metrics.</summary>
/// <param name="Epoch">1-based epoch the evaluation belongs to.</param>
/// <param name="Step">Optimiser steps done.</param>
/// <param name="TrainLoss">Mean total loss (task + weighted consistency) over the steps since the last evaluation.</param>
/// <param name="TaskLoss">Mean task loss over the same steps.</param>
/// <param name="ConsistencyLoss">Mean weighted consistency loss (0 without compensation).</param>
/// <param name="DevLoss">Task loss on the dev split (eval mode).</param>
/// <param name="Metrics">Dev metrics by name; <see cref="Primary"/> selects the best evaluation.</param>
/// <param name="Primary">The task metric's name.</param>
/// <param name="LearningRate">The learning rate of the last step.</param>
/// <param name="Seconds">Wall time since training started.</param>
/// <param name="ResidentMegabytes">Resident memory of the process (to show it stays flat).</param>
public sealed record EpochRecord(
    int Epoch, int Step, double TrainLoss, double TaskLoss, double ConsistencyLoss, double DevLoss,
    IReadOnlyDictionary<string, double> Metrics, string Primary, double LearningRate, double Seconds, double ResidentMegabytes)
{
    public double Score => Metrics[Primary];
}
