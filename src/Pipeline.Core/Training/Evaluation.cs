using Pipeline.Data;
using Pipeline.Models;
using Pipeline.Tasks;
using static TorchSharp.torch;

namespace Pipeline.Training;

/// <summary>
/// A split's evaluation rows (<see cref="FineTuningTask.EvaluationRows"/>), one per example, with the gold targets, the
/// mean task loss and, for a task that generates, the generated texts (<see cref="FineTuningTask.Generate"/>).
/// </summary>
public sealed record Predictions(float[][] Outputs, IReadOnlyList<Target> Gold, double Loss, IReadOnlyList<string>? Generated = null);

public static class Evaluation
{
    /// <summary>
    /// Runs the model in eval mode (dropout-free, no gradients) over a split, in order; with <paramref name="generate"/>,
    /// a generation task also generates a text per example.
    /// </summary>
    public static Predictions Predict(TaskModel model, FineTuningTask task, EncodedSplit split, int batchSize, Device device, bool generate = false)
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
                var batch = split.Batch(chunk, task, device);
                var output = model.Forward(batch.Inputs);
                lossSum += task.Loss(output, batch.Targets).item<float>() * chunk.Length;
                var rows = task.EvaluationRows(output, batch.Targets).to(ScalarType.Float32).cpu();
                long width = rows.shape[1];
                var flat = rows.data<float>().ToArray();
                for (int i = 0; i < chunk.Length; i++) outputs.Add(flat[(int)(i * width)..(int)((i + 1) * width)]);
            }
            var generated = generate ? task.Generate(model, split, batchSize) : null;
            return new Predictions(outputs.ToArray(), split.Targets, lossSum / Math.Max(1, split.Count), generated);
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>Scores predictions: the task's metrics, primary first.</summary>
    public static IReadOnlyDictionary<string, double> Score(FineTuningTask task, Predictions predictions) =>
        task.Evaluate(predictions);
}
