using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Interop;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Tasks;
using Pipeline.Tests.Models;
using Pipeline.Tests.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Interop;

/// <summary>
/// Our exports for PEFT and transformers to check on a host that has them (scripts/gpu/peft_parity.py, a step of
/// scripts/gpu/acceptance.sh): per case a base checkpoint, the PEFT adapter, the merged checkpoint and ours.json (inputs
/// and our logits). Written to a temporary folder every time (the export must succeed); with
/// PIPELINE_WRITE_INTEROP_FIXTURES=1 into tests/Pipeline.Tests/Fixtures/peft-export/, to be committed.
/// </summary>
public class ExportFixtureTests
{
    [Fact]
    public void Exports_for_PEFT_and_transformers_are_written_with_our_logits()
    {
        using var temp = new TestPaths.TempDir();
        string root = Environment.GetEnvironmentVariable("PIPELINE_WRITE_INTEROP_FIXTURES") == "1"
            ? Path.Combine(TestPaths.Metadata("RepoRoot"), "tests", "Pipeline.Tests", "Fixtures", "peft-export")
            : temp.Path;
        Write(root, "bert-seq-cls", InteropModels.WriteEncoder(temp.File("bert"), TinyEncoders.Bert), InteropModels.Classes(3), HeadKind.Pooler, null,
            new LoraOptions(Rank: 4, Alpha: 8, Targets: [LoraTarget.Query, LoraTarget.Value, LoraTarget.FfnOut]), TinyEncoders.Batch(TinyEncoders.Bert));
        Write(root, "roberta-seq-cls", InteropModels.WriteEncoder(temp.File("roberta"), TinyEncoders.Roberta), InteropModels.Classes(2), HeadKind.Roberta, null,
            new LoraOptions(Rank: 2, Alpha: 16), TinyEncoders.Batch(TinyEncoders.Roberta));
        Write(root, "bert-mean-pooled", InteropModels.WriteEncoder(temp.File("bert-mean"), TinyEncoders.Bert), InteropModels.Classes(2), HeadKind.Linear, Pooling.Mean,
            new LoraOptions(Rank: 4, Alpha: 8), TinyEncoders.Batch(TinyEncoders.Bert));
        Write(root, "gpt2-causal-lm", TinyGpt2.FixtureDirectory, new CausalLmTask(), null, null,
            new LoraOptions(Rank: 2, Alpha: 4, RankPerTarget: new Dictionary<LoraTarget, int> { [LoraTarget.Value] = 4 }), TinyGpt2.Batch());
        Write(root, "llama-causal-lm", TinyLlama.FixtureDirectory, new CausalLmTask(), null, null,
            new LoraOptions(Rank: 2, Alpha: 4, Targets: TinyLlama.Config.Family.LoraTargets), TinyLlama.Batch());
        Assert.True(File.Exists(Path.Combine(root, "gpt2-causal-lm", "adapter", PeftConfig.FileName)));
        Assert.True(File.Exists(Path.Combine(root, "llama-causal-lm", "merged", "model.safetensors")));
    }

    static void Write(string root, string name, string baseDirectory, FineTuningTask task, HeadKind? head, Pooling? pooling, LoraOptions lora, EncoderBatch batch)
    {
        string directory = Path.Combine(root, name);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        using var pretrained = ModelCatalog.Load(baseDirectory);
        using var model = InteropModels.Trained(pretrained, task, head, pooling, lora);
        var form = PeftExport.Write(Path.Combine(directory, "adapter"), model, lora, InteropModels.TrainedNames(model), "../base");
        MergedExport.Write(Path.Combine(directory, "merged"), model, pretrained, task is ClassificationTask c ? c.Labels : null);
        Directory.CreateDirectory(Path.Combine(directory, "base"));
        foreach (string file in Directory.GetFiles(baseDirectory).Where(f => Path.GetFileName(f) is "config.json" or "model.safetensors"))
            File.Copy(file, Path.Combine(directory, "base", Path.GetFileName(file)));
        using var logits = InteropModels.Logits(model, batch);
        JsonArray Rows(Tensor t) => new([.. Enumerable.Range(0, (int)t.shape[0]).Select(i => (JsonNode?)new JsonArray([.. t[i].data<long>().Select(v => (JsonNode?)v)]))]);
        var json = new JsonObject
        {
            ["task_type"] = form.TaskType,
            ["architecture"] = form.Architecture,
            ["input_ids"] = Rows(batch.InputIds),
            ["attention_mask"] = Rows(batch.AttentionMask),
            ["token_type_ids"] = batch.TokenTypeIds is { } types ? Rows(types) : null,
            ["logits_shape"] = new JsonArray([.. logits.shape.Select(d => (JsonNode?)d)]),
            ["logits"] = new JsonArray([.. logits.contiguous().data<float>().Select(v => (JsonNode?)(double)v)]),
        };
        File.WriteAllText(Path.Combine(directory, "ours.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) + "\n");
    }
}
