using Pipeline.Data;
using Pipeline.Engine;
using Pipeline.Experiments;
using Pipeline.Interop;
using Pipeline.Models;
using Pipeline.Storage;
using Pipeline.Tasks;
using Pipeline.Training;
using TorchSharp;

namespace Pipeline.Runs;

/// <summary>
/// <c>pipeline eval NAME --adapter DIR</c>: an experiment's data and model with the weights of a PEFT adapter folder
/// (<see cref="PeftAdapter"/>) — trained here and exported, or trained with PEFT — scored on its dev and test splits,
/// without training. The adapter decides the LoRA shape (its rank, alpha, targets) and, where it holds one, the head.
/// </summary>
public static class AdapterEvaluation
{
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Run(ExperimentDefinition definition, string adapterDirectory,
        IReadOnlyList<string> splits, string? device = null, Action<string>? log = null)
    {
        log ??= _ => { };
        TorchRuntime.Initialize();
        var target = TorchRuntime.ResolveDevice(device ?? definition.Training.Device);
        var data = DatasetLoader.Load(definition.Task.ToDataOptions(), PipelineHome.FromEnvironment(), log);
        using var pretrained = ModelCatalog.Load(definition.Model.Path ?? definition.Model.Name);
        int maxLength = Math.Min(definition.Task.MaxLength, pretrained.MaxSequenceLength);
        var task = FineTuningTask.For(data, definition.Task.Metric, definition.Training.LabelSmoothing, definition.Task.Decoding);
        using var adapter = PeftAdapter.Read(adapterDirectory, pretrained.Config);
        if (!adapter.HasHead && task is PredictionTask)
            throw new ArgumentException($"{adapterDirectory}: the adapter holds no head (no classifier.* in {PeftConfig.WeightsFile}, no {HeadFile.WeightsFile}); " +
                $"a {data.Kind} task needs the head it was trained with");
        using var model = pretrained.CreateTaskModel(task, adapter.Head ?? definition.Model.Head, adapter.Pooling ?? (adapter.Head is null ? definition.Model.Pooling : null), adapter.Options);
        adapter.LoadInto(model);
        model.FreezeForLora(); // nothing trains here; frozen as in training, so the count below reads like the run's
        log($"model: {pretrained.Name} with {adapterDirectory} ({adapter.Config.TaskType ?? "no task_type"}), {model.CountParameters()}");
        model.to(target);
        model.eval();
        var results = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        foreach (string split in splits)
        {
            var examples = split switch
            {
                "dev" => data.Dev,
                "test" => data.Test,
                _ => throw new ArgumentException($"split '{split}': expected dev or test"),
            };
            var encoded = task.Encode(examples, pretrained, maxLength);
            var predictions = Evaluation.Predict(model, task, encoded, definition.Training.BatchSize, target, generate: true);
            results[split] = Evaluation.Score(task, predictions);
        }
        return results;
    }
}
