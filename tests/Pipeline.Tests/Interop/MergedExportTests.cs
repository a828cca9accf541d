using System.Text.Json.Nodes;
using Pipeline.Interop;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Tests.Models;
using Pipeline.Tests.Weights;
using Pipeline.Training;
using Pipeline.Weights;

namespace Pipeline.Tests.Interop;

/// <summary>`pipeline export --merged`: the adapters folded into the weights of an HF checkpoint that computes the same logits without LoRA.</summary>
public class MergedExportTests
{
    [Fact]
    public void A_merged_BertForSequenceClassification_checkpoint_loads_without_LoRA_and_gives_the_same_logits()
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = ModelCatalog.Load(InteropModels.WriteEncoder(dir.File("base"), TinyEncoders.Bert));
        var lora = new LoraOptions(Rank: 4, Alpha: 8, Targets: [LoraTarget.Query, LoraTarget.Value, LoraTarget.FfnIn]);
        var task = InteropModels.Classes(3);
        using var model = InteropModels.Trained(pretrained, task, HeadKind.Pooler, null, lora);
        var form = MergedExport.Write(dir.File("merged"), model, pretrained, ["neg", "neutral", "pos"]);
        Assert.Equal("BertForSequenceClassification", form.Architecture);

        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(dir.File("merged/config.json")))!;
        Assert.Equal("BertForSequenceClassification", (string)config["architectures"]![0]!);
        Assert.Equal("pos", (string)config["id2label"]!["2"]!);
        var tensors = SafetensorsFile.Load(dir.File("merged/model.safetensors"));
        Assert.Contains("bert.encoder.layer.0.attention.self.query.weight", tensors.Keys);
        Assert.Contains("classifier.weight", tensors.Keys);
        Assert.DoesNotContain(tensors.Keys, LoraParameters.IsAdapter);

        using var reloaded = ModelCatalog.Load(dir.File("merged"));
        using var plain = reloaded.CreateTaskModel(task, HeadKind.Pooler);
        Checkpoints.Restore(plain, tensors.Where(p => p.Key.StartsWith("classifier.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value));
        plain.eval();
        var batch = TinyEncoders.Batch(TinyEncoders.Bert);
        Assert.True(InteropModels.MaxDiff(InteropModels.Logits(model, batch), InteropModels.Logits(plain, batch)) <= 1e-5);
    }

    [Fact]
    public void A_merged_GPT2LMHeadModel_checkpoint_with_fused_slices_gives_the_same_logits()
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = ModelCatalog.Load(TinyGpt2.FixtureDirectory);
        var lora = new LoraOptions(Rank: 2, Alpha: 4, Targets: [LoraTarget.Query, LoraTarget.Value, LoraTarget.AttentionOutput]);
        var task = new Pipeline.Tasks.CausalLmTask();
        using var model = InteropModels.Trained(pretrained, task, null, null, lora);
        MergedExport.Write(dir.File("merged"), model, pretrained, null);
        Assert.Equal("GPT2LMHeadModel", (string)JsonNode.Parse(File.ReadAllText(dir.File("merged/config.json")))!["architectures"]![0]!);

        using var reloaded = ModelCatalog.Load(dir.File("merged"));
        using var plain = reloaded.CreateTaskModel(task);
        plain.eval();
        var batch = TinyGpt2.Batch();
        Assert.True(InteropModels.MaxDiff(InteropModels.Logits(model, batch), InteropModels.Logits(plain, batch)) <= 1e-5);
    }

    [Fact]
    public void A_merged_LlamaForCausalLM_checkpoint_with_all_seven_targets_gives_the_same_logits()
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = ModelCatalog.Load(TinyLlama.FixtureDirectory);
        var lora = new LoraOptions(Rank: 2, Alpha: 4, Targets: pretrained.Config.Family.LoraTargets);
        var task = new Pipeline.Tasks.CausalLmTask();
        using var model = InteropModels.Trained(pretrained, task, null, null, lora);
        MergedExport.Write(dir.File("merged"), model, pretrained, null);
        Assert.Equal("LlamaForCausalLM", (string)JsonNode.Parse(File.ReadAllText(dir.File("merged/config.json")))!["architectures"]![0]!);

        using var reloaded = ModelCatalog.Load(dir.File("merged"));
        using var plain = reloaded.CreateTaskModel(task);
        plain.eval();
        var batch = TinyLlama.Batch();
        Assert.True(InteropModels.MaxDiff(InteropModels.Logits(model, batch), InteropModels.Logits(plain, batch)) <= 1e-5);
    }
}
