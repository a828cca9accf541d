using System.Diagnostics;
using Pipeline.Data;
using Pipeline.Engine;
using Pipeline.Experiments;
using Pipeline.Models;
using Pipeline.Storage;
using Pipeline.Tasks;
using Pipeline.Text;
using Pipeline.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Runs;

/// <summary>Where and how to run one variant with one seed.</summary>
/// <param name="OutputRoot">The runs folder (default <c>runs/</c>).</param>
/// <param name="Seed">Seeds the head and adapter initialisation, the dropout masks and the data order.</param>
/// <param name="Device">Overrides the experiment's device.</param>
/// <param name="Resume">Continue a partial run from its last checkpoint.</param>
/// <param name="Force">Start over even when a complete or partial run exists.</param>
public sealed record RunRequest(string OutputRoot, int Seed, string? Device = null, bool Resume = false, bool Force = false);

/// <summary>What happened: the run's folder and its metrics; <see cref="Skipped"/> when it was already complete.</summary>
public sealed record RunOutcome(string Directory, RunMetrics Metrics, bool Skipped);

/// <summary>
/// Runs one variant of an experiment with one seed, end to end: data → pretrained model with LoRA (or, with
/// <c>lora: none</c>, every weight trainable) → the trainer under the variant's dropout plan → test metrics of
/// the best evaluation → the run folder.
/// </summary>
public static class ExperimentRunner
{
    public static RunOutcome Run(ExperimentDefinition definition, RunRequest request, ITrainingObserver? observer = null,
        Action<string>? log = null, CancellationToken cancel = default)
    {
        log ??= _ => { };
        var store = new RunStore(request.OutputRoot, definition.Name, definition.Variant, request.Seed);
        using var claim = store.Lock();
        if (store.IsComplete && !request.Force)
            return new RunOutcome(store.Directory, store.ReadMetrics(), Skipped: true);
        if (store.HasCheckpoint && !request.Resume && !request.Force)
            throw new ArgumentException($"{store.Directory} holds an unfinished run: pass --resume to continue it or --force to start over");
        definition.Dropout.EnsureValid();

        var clock = Stopwatch.StartNew();
        TorchRuntime.Initialize();
        var device = TorchRuntime.ResolveDevice(request.Device ?? definition.Training.Device);
        using var prepared = Prepare(definition, device, request.Seed, log);
        var (data, pretrained, task, model) = (prepared.Data, prepared.Pretrained, prepared.Task, prepared.Model);
        var trainExamples = definition.Task.TrainEveryReference ? TextTarget.OnePerReference(data.Train) : data.Train;
        if (trainExamples.Count != data.Train.Count)
            log($"training on {trainExamples.Count:N0} (input, reference) pairs of {data.Train.Count:N0} inputs (task.train_every_reference)");
        var train = task.Encode(trainExamples, pretrained, prepared.MaxLength);
        var dev = task.Encode(data.Dev, pretrained, prepared.MaxLength);
        var test = task.Encode(data.Test, pretrained, prepared.MaxLength);
        var parameters = model.CountParameters();
        log($"model: {pretrained.Name} on {device}, {parameters}");
        log(definition.IsFullFineTuning
            ? $"head: {model.Head.GetType().Name}, {parameters.Head:N0} parameters, trained with the backbone's {parameters.Trainable - parameters.Head:N0}"
            : $"head: {model.Head.GetType().Name}, {parameters.Head:N0} trainable parameters beside LoRA's {parameters.Adapter:N0}" +
              (definition.Lora!.TrainEmbeddings ? $" and the token embeddings' {parameters.Trainable - parameters.Head - parameters.Adapter:N0}" : ""));
        definition.Dropout.EnsureValid(pretrained.Config.NumHiddenLayers);
        log($"plan: {definition.Dropout}");

        var checkpoints = store.Begin(resume: request.Resume && store.HasCheckpoint && !request.Force);
        store.WriteConfig(RunConfig.From(definition with { Training = definition.Training.Resolved(task.Recipe) }, request.Seed, device.ToString()));
        store.WriteData(data);

        var trainer = new Trainer(model, task, definition.Dropout, definition.Training, device, observer);
        var result = trainer.Fit(train, dev, request.Seed, checkpoints, cancel);

        // The paper reports dev scores; the test split is scored once, with the weights of the best dev evaluation.
        Checkpoints.Restore(model, result.BestWeights);
        var testPredictions = Evaluation.Predict(model, task, test, definition.Training.BatchSize, device, generate: true);
        var testMetrics = Evaluation.Score(task, testPredictions);
        if (testPredictions.Generated is { } generated) store.WritePredictions(data.Test, generated);
        if (task is PredictionTask prediction)
        {
            var (predicted, gold) = prediction.ExampleNumbers(testPredictions);
            store.WriteTestExamples(predicted, gold);
        }
        store.Complete(result, testMetrics, new RunSummary(definition.Name, definition.Variant, request.Seed, clock.Elapsed.TotalSeconds, parameters));
        return new RunOutcome(store.Directory, store.ReadMetrics(), Skipped: false);
    }

    /// <summary>
    /// What a run holds before training: the data, the pretrained model, the task and the task model on
    /// <paramref name="device"/> with its head and fresh adapters initialised from <paramref name="seed"/>, frozen for
    /// LoRA (or every weight trainable for <c>lora: none</c>). <c>pipeline analyze</c> starts from the same point.
    /// </summary>
    public static PreparedExperiment Prepare(ExperimentDefinition definition, Device device, int seed, Action<string> log)
    {
        var data = DatasetLoader.Load(definition.Task.ToDataOptions(), PipelineHome.FromEnvironment(), log);
        log($"data: {data.Name}, train {data.Train.Count}, dev {data.Dev.Count}, test {data.Test.Count} (hash {data.DataHash[..12]})");

        var pretrained = ModelCatalog.Load(definition.Model.Path ?? definition.Model.Name);
        try
        {
            int maxLength = Math.Min(definition.Task.MaxLength, pretrained.MaxSequenceLength);
            var task = FineTuningTask.For(data, definition.Task.Metric, definition.Training.LabelSmoothing, definition.Task.Decoding);

            manual_seed(seed); // the head's and the adapters' initialisation
            var model = pretrained.CreateTaskModel(task, definition.Model.Head, definition.Model.Pooling, definition.Lora);
            if (definition.Lora?.InitFrom is { } initFrom)
            {
                try
                {
                    using var adapter = Interop.PeftAdapter.Read(initFrom, pretrained.Config);
                    adapter.EnsureFits(definition.Lora, model);
                    adapter.LoadInto(model);
                    log($"adapters{(adapter.HasHead ? ", head" : "")}{(adapter.Options.TrainEmbeddings ? ", token embeddings" : "")} from {initFrom} (lora.init_from)");
                }
                catch
                {
                    model.Dispose();
                    throw;
                }
            }
            model.to(device);
            model.UsePrecision(definition.Training.Precision, definition.Lora?.TrainEmbeddings == true);
            if (definition.IsFullFineTuning) model.TrainEveryWeight();
            else model.FreezeForLora(definition.Lora!.TrainEmbeddings);
            return new PreparedExperiment(data, pretrained, task, maxLength, model);
        }
        catch
        {
            pretrained.Dispose();
            throw;
        }
    }
}

/// <summary>The pieces <see cref="ExperimentRunner.Prepare"/> builds; disposing it disposes both models.</summary>
public sealed record PreparedExperiment(DatasetSplits Data, PretrainedModel Pretrained, FineTuningTask Task, int MaxLength, TaskModel Model) : IDisposable
{
    public void Dispose()
    {
        Model.Dispose();
        Pretrained.Dispose();
    }
}
