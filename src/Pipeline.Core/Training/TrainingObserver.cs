namespace Pipeline.Training;

/// <summary>What a trainer reports while it runs (progress bars, log lines, tests).</summary>
public interface ITrainingObserver
{
    /// <summary>Training (re)starts at <paramref name="step"/> of <paramref name="totalSteps"/> optimiser steps.</summary>
    void Started(int step, int totalSteps, int epoch, int epochs) { }

    void Stepped(int step, double loss, double learningRate) { }

    void Evaluated(EpochRecord record, bool improved) { }

    void Stopped(string reason) { }
}

/// <summary>Reports nothing.</summary>
public sealed class SilentObserver : ITrainingObserver
{
    public static SilentObserver Instance { get; } = new();
}
