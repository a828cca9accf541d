using Pipeline.Compensation;
using Pipeline.Models;
using static TorchSharp.torch;

namespace Pipeline.Training;

/// <summary>A split's predictions: class scores (classification) or values (regression), with the labels.</summary>
public sealed record Predictions(float[][] Outputs, float[] Labels, bool Regression, double Loss)
{
    /// <summary>argmax class per example (classification) or the regressed value.</summary>
    public double[] Predicted => Regression
        ? Outputs.Select(o => (double)o[0]).ToArray()
        : Outputs.Select(o => (double)Array.IndexOf(o, o.Max())).ToArray();
}

/// <summary>Computes the dev metrics of a task from predictions; the first entry's key names the primary metric.</summary>
public delegate IReadOnlyDictionary<string, double> MetricFunction(Predictions predictions);

public static class Evaluation
{
    /// <summary>Runs the model in eval mode (dropout-free, no gradients) over a split, in order.</summary>
    public static Predictions Predict(SequenceClassifier model, EncodedSplit split, int batchSize, Device device)
    {
        bool wasTraining = model.training;
        model.eval();
        var outputs = new List<float[]>(split.Count);
        double lossSum = 0;
        try
        {
            using var noGrad = no_grad();
            var order = Enumerable.Range(0, split.Count).ToArray();
            foreach (var chunk in EncodedSplit.Chunks(order, batchSize))
            {
                using var scope = NewDisposeScope();
                var batch = split.Batch(chunk, device);
                var output = model.Forward(batch.Inputs);
                lossSum += CompensatedLoss.TaskLoss(output, batch.Labels, split.Regression).item<float>() * chunk.Length;
                var logits = output.Logits.to(ScalarType.Float32).cpu();
                long width = logits.shape[1];
                var flat = logits.data<float>().ToArray();
                for (int i = 0; i < chunk.Length; i++) outputs.Add(flat[(int)(i * width)..(int)((i + 1) * width)]);
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        return new Predictions(outputs.ToArray(), split.Labels, split.Regression, lossSum / Math.Max(1, split.Count));
    }
}
