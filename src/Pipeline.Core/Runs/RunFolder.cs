using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Experiments;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Storage;
using Pipeline.Tasks;
using Pipeline.Training;
using Pipeline.Vocabulary;

namespace Pipeline.Runs;

/// <summary>
/// A finished run folder read back: its pretrained model, its LoRA options (null for full fine-tuning), the labels, and
/// the task model rebuilt as the run built it with the weights it trained (<c>adapter.bin</c> or <c>model.bin</c>) —
/// what <c>pipeline export</c> writes out. Dispose it to free both models.
/// </summary>
public sealed class RunFolder : IDisposable
{
    RunFolder(string directory, PretrainedModel pretrained, TaskModel model, LoraOptions? lora, IReadOnlyList<string> trained,
        IReadOnlyList<string>? labels, string modelName)
    {
        Directory = directory;
        Pretrained = pretrained;
        Model = model;
        Lora = lora;
        Trained = trained;
        Labels = labels;
        ModelName = modelName;
    }

    public string Directory { get; }
    public PretrainedModel Pretrained { get; }
    public TaskModel Model { get; }
    public LoraOptions? Lora { get; }
    /// <summary>The names of the weights the run saved: adapters, head, and token embeddings with lora.train_embeddings.</summary>
    public IReadOnlyList<string> Trained { get; }
    /// <summary>The classes of a classification run; null otherwise.</summary>
    public IReadOnlyList<string>? Labels { get; }
    /// <summary>The model as the experiment named it (model.name, or model.path).</summary>
    public string ModelName { get; }

    public static RunFolder Open(string directory)
    {
        string configPath = Path.Combine(directory, "config.json"), dataPath = Path.Combine(directory, "data.json");
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"run folder '{directory}' does not exist");
        foreach (string file in new[] { configPath, dataPath })
            if (!File.Exists(file))
                throw new FileNotFoundException($"{directory} is not a run folder: no {Path.GetFileName(file)} (a run folder is runs/<experiment>/<variant>/seed-<n>/)", file);
        string adapterPath = Path.Combine(directory, "adapter.bin"), modelPath = Path.Combine(directory, "model.bin");
        string weightsPath = File.Exists(adapterPath) ? adapterPath : File.Exists(modelPath) ? modelPath
            : throw new FileNotFoundException($"{directory}: no adapter.bin or model.bin; the run has not finished (metrics.json is written last)", adapterPath);

        var config = JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject ?? throw new InvalidDataException($"{configPath}: expected a JSON object");
        var options = AtomicFile.JsonOptions;
        var modelOptions = config["model"]?.Deserialize<ModelOptions>(options) ?? throw new InvalidDataException($"{configPath}: no 'model'");
        var runLora = config["lora"]?.Deserialize<RunLora>(options);
        LoraOptions? lora = runLora is null ? null : new LoraOptions(runLora.Rank, runLora.Alpha,
            runLora.Targets.Select(t => Target(t, configPath)).ToList(), runLora.Dropout, runLora.RsLora,
            runLora.RankPerTarget.ToDictionary(p => Target(p.Key, configPath), p => p.Value), runLora.TrainEmbeddings);
        var data = JsonNode.Parse(File.ReadAllText(dataPath)) as JsonObject ?? throw new InvalidDataException($"{dataPath}: expected a JSON object");
        string kind = data["kind"]?.GetValue<string>() ?? throw new InvalidDataException($"{dataPath}: no 'kind'");
        var labels = data["labels"] is JsonArray array ? array.Select(l => l!.GetValue<string>()).ToList() : null;
        FineTuningTask task = kind switch
        {
            nameof(Data.TaskKind.Generation) => new CausalLmTask(),
            nameof(Data.TaskKind.Regression) => new RegressionTask(),
            _ => new ClassificationTask(labels is { Count: > 0 } ? labels : throw new InvalidDataException($"{dataPath}: a classification run without 'labels'")),
        };

        string modelName = modelOptions.Path ?? modelOptions.Name ?? ModelCatalog.DefaultName;
        var pretrained = ModelCatalog.Load(modelName);
        try
        {
            var model = pretrained.CreateTaskModel(task, modelOptions.Head, modelOptions.Pooling, lora);
            var weights = Checkpoints.LoadWeights(weightsPath);
            try
            {
                Checkpoints.Restore(model, weights);
            }
            finally
            {
                foreach (var tensor in weights.Values) tensor.Dispose();
            }
            model.eval();
            return new RunFolder(directory, pretrained, model, lora, [.. weights.Keys], labels, modelName);
        }
        catch
        {
            pretrained.Dispose();
            throw;
        }
    }

    static LoraTarget Target(string name, string source) => YamlVocabulary.Parse<LoraTarget>(name)
        ?? throw new InvalidDataException($"{source}: LoRA target '{name}' is not one of {string.Join(", ", YamlVocabulary.NamesOf<LoraTarget>())}");

    public void Dispose()
    {
        Model.Dispose();
        Pretrained.Dispose();
    }
}
