namespace Pipeline.Training;

/// <summary>
/// Everything besides tensors that a resumed run needs to continue exactly where it stopped.
/// </summary>
/// <param name="EpochsDone">Completed epochs.</param>
/// <param name="Step">Optimiser steps done.</param>
/// <param name="History">Every evaluation so far.</param>
/// <param name="BestIndex">Index into <paramref name="History"/> of the best evaluation, or −1.</param>
/// <param name="EvaluationsWithoutImprovement">For early stopping.</param>
/// <param name="StopReason">Why training ended early (early stopping, non-finite loss), or null.</param>
public sealed record TrainerState(
    int EpochsDone,
    int Step,
    IReadOnlyList<EpochRecord> History,
    int BestIndex,
    int EvaluationsWithoutImprovement,
    string? StopReason)
{
    public static TrainerState Fresh { get; } = new(0, 0, [], -1, 0, null);

    public EpochRecord? Best => BestIndex >= 0 ? History[BestIndex] : null;
}
