using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Data;
using Pipeline.Storage;
using Pipeline.Training;

namespace Pipeline.Runs;

/// <summary>
/// The files of one run, in <c>&lt;root&gt;/&lt;experiment&gt;/&lt;variant&gt;/seed-&lt;n&gt;/</c>:
/// <list type="bullet">
/// <item><c>config.json</c> — the resolved configuration, versions and device;</item>
/// <item><c>data.json</c> — the data set, its hash, the split definition and split sizes;</item>
/// <item><c>checkpoint/</c> — the resumable state while the run is in progress (removed when it completes);</item>
/// <item><c>history.csv</c> — one row per evaluation;</item>
/// <item><c>predictions.jsonl</c> — generation tasks: the text generated for each test example, with its prompt and
/// references (the test metrics score exactly these);</item>
/// <item><c>test_examples.csv</c> — tasks that predict a label or value: each test example's prediction and gold
/// target as the metrics read them (class index or value), in the test split's order, for paired significance
/// tests between runs (<see cref="Statistics.PairedComparison"/>);</item>
/// <item><c>adapter.bin</c> — the best evaluation's trainable weights (LoRA adapters and head); with full
/// fine-tuning (<c>lora: none</c>) <c>model.bin</c> instead: every weight of backbone and head (HF's
/// adapter_model / model);</item>
/// <item><c>metrics.json</c> — best, final and test metrics and the history; written last, so its presence
/// means the run is complete.</item>
/// </list>
/// Every file is written atomically (temp file, then rename).
/// </summary>
public sealed class RunStore(string root, string experiment, string variant, int seed)
{
    public string Directory { get; } = Path.Combine(root, Safe(experiment), Safe(variant), $"seed-{seed}");

    public string ConfigFile => Path.Combine(Directory, "config.json");
    public string DataFile => Path.Combine(Directory, "data.json");
    public string MetricsFile => Path.Combine(Directory, "metrics.json");
    public string HistoryFile => Path.Combine(Directory, "history.csv");
    public string AdapterFile => Path.Combine(Directory, "adapter.bin");
    public string ModelFile => Path.Combine(Directory, "model.bin");
    public string PredictionsFile => Path.Combine(Directory, "predictions.jsonl");
    public string TestExamplesFile => Path.Combine(Directory, "test_examples.csv");
    public string CheckpointDirectory => Path.Combine(Directory, "checkpoint");

    public string LockFile => Directory + ".lock";

    public bool IsComplete => File.Exists(MetricsFile);
    public bool HasCheckpoint => File.Exists(Path.Combine(CheckpointDirectory, "latest"));

    /// <summary>
    /// Claims the run for this process until the result is disposed: an exclusive lock on <c>seed-&lt;n&gt;.lock</c>
    /// beside the folder (an OS file lock, released when the process ends however it ends). A second process that
    /// would train the same run — a sweep started twice, an orphan of a killed sweep — fails here instead of
    /// writing the same files.
    /// </summary>
    public IDisposable Lock()
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Directory)!);
        try
        {
            return new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new RunBusyException($"{Directory} is being trained by another process (it holds {LockFile}); wait for it to finish or stop it");
        }
    }

    /// <summary>Starts a run: an empty folder, or the existing partial one when resuming.</summary>
    public Checkpoints Begin(bool resume)
    {
        if (!resume && System.IO.Directory.Exists(Directory))
            System.IO.Directory.Delete(Directory, recursive: true);
        System.IO.Directory.CreateDirectory(CheckpointDirectory);
        return new Checkpoints(CheckpointDirectory);
    }

    public void WriteConfig(RunConfig config) => AtomicFile.WriteJson(ConfigFile, config);

    public void WriteData(DatasetSplits data) => AtomicFile.WriteJson(DataFile, new
    {
        data.Name,
        Kind = data.Kind.ToString(),
        data.Labels,
        data.DataHash,
        data.Split,
        Counts = new { Train = data.Train.Count, Dev = data.Dev.Count, Test = data.Test.Count },
    });

    static readonly JsonSerializerOptions JsonLines = new(AtomicFile.JsonOptions) { WriteIndented = false };

    /// <summary>The generated test texts, one JSON object a line, in the test split's order.</summary>
    public void WritePredictions(IReadOnlyList<Example> examples, IReadOnlyList<string> generated)
    {
        var lines = examples.Zip(generated, (example, text) =>
        {
            var target = (TextTarget)example.Target;
            return JsonSerializer.Serialize(new PredictionLine(example.Text, text, target.References), JsonLines);
        });
        AtomicFile.WriteAllText(PredictionsFile, string.Join("\n", lines) + "\n");
    }

    /// <summary>Each test example's prediction and gold target (<see cref="PredictionTask.ExampleNumbers"/>), one CSV row each.</summary>
    public void WriteTestExamples(double[] predicted, double[] gold)
    {
        var csv = new StringBuilder("predicted,gold\n");
        for (int i = 0; i < predicted.Length; i++)
            csv.Append(I(predicted[i])).Append(',').Append(I(gold[i])).Append('\n');
        AtomicFile.WriteAllText(TestExamplesFile, csv.ToString());
    }

    /// <summary>
    /// A run's <c>test_examples.csv</c>, or null when there is none (a run made before runs recorded them, or a
    /// generation task, whose texts are in <c>predictions.jsonl</c>).
    /// </summary>
    public static TestExamples? ReadTestExamples(string file)
    {
        if (!File.Exists(file)) return null;
        var rows = File.ReadLines(file).Skip(1).Select((line, i) =>
        {
            var cells = line.Split(',');
            if (cells.Length != 2 || !double.TryParse(cells[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double predicted)
                || !double.TryParse(cells[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double gold))
                throw new InvalidDataException($"{file}:{i + 2}: expected 'predicted,gold' numbers, got '{line}'");
            return (predicted, gold);
        }).ToList();
        return new TestExamples(rows.Select(r => r.predicted).ToArray(), rows.Select(r => r.gold).ToArray());
    }

    /// <summary>A generation run's <c>predictions.jsonl</c> as the report's paired tests read it, or null when there is none.</summary>
    public static TestTexts? ReadTestTexts(string file)
    {
        if (!File.Exists(file)) return null;
        var lines = File.ReadLines(file).Select((line, i) => (line, number: i + 1)).Where(l => l.line.Length > 0).Select(l =>
        {
            try
            {
                var prediction = JsonSerializer.Deserialize<PredictionLine>(l.line, JsonLines);
                return prediction is { Prediction: not null, References: not null }
                    ? prediction
                    : throw new InvalidDataException($"{file}:{l.number}: expected an object with 'prediction' and 'references'");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{file}:{l.number}: not a prediction line ({e.Message})", e);
            }
        }).ToList();
        return new TestTexts([.. lines.Select(l => l.Prediction)], [.. lines.Select(l => l.References.ToArray())]);
    }

    /// <summary>Writes the results (adapter or model, history, metrics — metrics last) and removes the checkpoint.</summary>
    public void Complete(TrainingResult result, IReadOnlyDictionary<string, double> test, RunSummary summary)
    {
        Checkpoints.SaveWeights(result.BestWeights, summary.Parameters.IsFullFineTuning ? ModelFile : AdapterFile);
        AtomicFile.WriteAllText(HistoryFile, HistoryCsv(result.History));
        AtomicFile.WriteJson(MetricsFile, new RunMetrics(
            summary.Experiment, summary.Variant, summary.Seed, result.Best.Primary,
            result.Best, result.Final, test, result.StopReason, summary.WallSeconds, summary.Parameters, result.History));
        if (System.IO.Directory.Exists(CheckpointDirectory))
            System.IO.Directory.Delete(CheckpointDirectory, recursive: true);
    }

    public RunMetrics ReadMetrics() => AtomicFile.ReadJson<RunMetrics>(MetricsFile);

    public static string HistoryCsv(IReadOnlyList<EpochRecord> history)
    {
        var metricNames = history.SelectMany(r => r.Metrics.Keys).Distinct().ToList();
        var csv = new StringBuilder("epoch,step,train_loss,task_loss,consistency_loss,dev_loss,")
            .AppendLine(string.Join(",", metricNames.Select(m => "dev_" + m).Append("learning_rate").Append("seconds").Append("resident_mib")));
        foreach (var r in history)
        {
            var cells = new List<string> { I(r.Epoch), I(r.Step), I(r.TrainLoss), I(r.TaskLoss), I(r.ConsistencyLoss), I(r.DevLoss) };
            cells.AddRange(metricNames.Select(m => r.Metrics.TryGetValue(m, out double v) ? I(v) : ""));
            cells.AddRange([I(r.LearningRate), I(r.Seconds), I(r.ResidentMegabytes)]);
            csv.AppendLine(string.Join(",", cells));
        }
        return csv.ToString();
    }

    static string I(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Folder names from experiment and variant names ("rate=0.1,weight=1" stays readable).</summary>
    /// <summary>A name as a folder name: characters a file name cannot hold (and spaces) become '_'.</summary>
    public static string Safe(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        string safe = new(name.Select(c => invalid.Contains(c) || c == ' ' ? '_' : c).ToArray());
        return string.IsNullOrEmpty(safe) ? "_" : safe;
    }
}

/// <summary>Another process holds the run's lock (<see cref="RunStore.Lock"/>).</summary>
public sealed class RunBusyException(string message) : IOException(message);

/// <summary>One line of <c>predictions.jsonl</c>.</summary>
public sealed record PredictionLine(string Prompt, string Prediction, IReadOnlyList<string> References);

/// <summary>What <c>metrics.json</c> holds.</summary>
public sealed record RunMetrics(
    string Experiment, string Variant, int Seed, string Primary,
    EpochRecord Best, EpochRecord Final, IReadOnlyDictionary<string, double> Test, string? StopReason,
    double WallSeconds, Lora.ParameterCounts Parameters, IReadOnlyList<EpochRecord> History);

/// <summary>The run's identity and cost, for <c>metrics.json</c>.</summary>
public sealed record RunSummary(string Experiment, string Variant, int Seed, double WallSeconds, Lora.ParameterCounts Parameters);
