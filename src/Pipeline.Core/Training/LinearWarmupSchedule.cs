namespace Pipeline.Training;

/// <summary>
/// Linear warmup from 0 to the peak over the first ⌈ratio·total⌉ steps, then linear decay to 0 at the last
/// step (HF's get_linear_schedule_with_warmup, the paper's "warmup ratio 0.06, linear").
/// </summary>
public sealed record LinearWarmupSchedule(double PeakLearningRate, int TotalSteps, double WarmupRatio)
{
    public int WarmupSteps => (int)Math.Ceiling(WarmupRatio * TotalSteps);

    /// <summary>The learning rate for optimiser step <paramref name="step"/> (0-based).</summary>
    public double At(int step)
    {
        if (step < WarmupSteps)
            return PeakLearningRate * step / Math.Max(1, WarmupSteps);
        return PeakLearningRate * Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps));
    }
}
