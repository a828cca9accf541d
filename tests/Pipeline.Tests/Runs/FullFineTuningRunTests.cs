using System.Text.Json.Nodes;
using Pipeline.Models;
using Pipeline.Runs;
using Pipeline.Tasks;
using Pipeline.Training;
using static TorchSharp.torch;

namespace Pipeline.Tests.Runs;

/// <summary>
/// <c>lora: none</c> from YAML (experiments/full-finetune.yaml) fine-tunes every weight of MiniLM end to end: the
/// run folder holds model.bin with every trainable weight changed from the pretrained model, and the commands
/// that show experiments say "full" (the report's: RunReportTests).
/// </summary>
public class FullFineTuningRunTests
{
    [Fact]
    public void The_full_finetune_experiment_changes_every_weight_of_MiniLM_and_lowers_the_dev_loss()
    {
        using var dir = new TestPaths.TempDir();
        var (code, output) = PipelineProcess.Run($"run full-finetune --seed 1 --device cpu --out {dir.Path}");
        Assert.True(code == 0, output);
        Assert.Contains("full fine-tuning, 22,566,146 trainable parameters of 22,713,986 (head 770)", output);

        var store = new RunStore(dir.Path, "full-finetune", "default", 1);
        var metrics = store.ReadMetrics();
        Assert.True(metrics.Parameters.IsFullFineTuning);
        Assert.True(metrics.History[^1].DevLoss < metrics.History[0].DevLoss,
            $"dev loss {metrics.History[0].DevLoss:F4} → {metrics.History[^1].DevLoss:F4}");
        Assert.False(File.Exists(store.AdapterFile), "full fine-tuning has no adapter");
        Assert.Null(JsonNode.Parse(File.ReadAllText(store.ConfigFile))!["Lora"]);

        // The model the run started from: the pretrained MiniLM and the head its seed draws (as ExperimentRunner builds it).
        using var pretrained = ModelCatalog.Load("all-minilm-l6-v2");
        manual_seed(1);
        using var initial = pretrained.CreateTaskModel(new ClassificationTask(["negative", "positive"]));
        initial.TrainEveryWeight();
        var trainable = initial.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        var saved = Checkpoints.LoadWeights(store.ModelFile);
        Assert.Equal(trainable.Select(p => p.name).Order(), saved.Keys.Order());
        Assert.Equal(metrics.Parameters.Trainable, saved.Values.Sum(t => t.numel()));
        foreach (var (name, parameter) in trainable)
            Assert.False(TinyModels.Same(parameter.detach(), saved[name]), $"{name} did not change");
    }

    [Fact]
    public void Show_and_list_say_full_fine_tuning()
    {
        var (code, output) = PipelineProcess.Run("show full-finetune");
        Assert.True(code == 0, output);
        Assert.Contains("lora: none  # full fine-tuning", output);

        (code, output) = PipelineProcess.Run("list");
        Assert.True(code == 0, output);
        Assert.Matches(@"(?m)^full-finetune\s+experiments/full-finetune\.yaml\s+all-minilm-l6-v2\s+full\s", output);
        Assert.Matches(@"(?m)^quickstart\s+experiments/quickstart\.yaml\s+all-minilm-l6-v2\s+lora r=8\s", output);
    }
}
