using Pipeline.Interop;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Models.Bert;
using Pipeline.Models.Heads;
using Pipeline.Tasks;
using Pipeline.Tests.Weights;
using Pipeline.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Interop;

/// <summary>Tiny pretrained checkpoints on disk, task models with trained-looking (random, non-zero) adapters and heads, and their logits.</summary>
static class InteropModels
{
    /// <summary>A tiny random BERT or RoBERTa checkpoint folder (with the pooler), as HF's task models store it.</summary>
    public static string WriteEncoder(string directory, BertConfig config)
    {
        using var encoder = TinyEncoders.Random(config);
        HfCheckpoint.Save(directory, config, TinyEncoders.StateDict(encoder), config.Family.BackboneName(config) + ".");
        return directory;
    }

    /// <summary>The task model with every trainable weight (adapters' A and B, head, embeddings) random, as after training.</summary>
    public static TaskModel Trained(PretrainedModel pretrained, FineTuningTask task, HeadKind? head, Pooling? pooling, LoraOptions lora, long seed = 11)
    {
        manual_seed(seed);
        var model = pretrained.CreateTaskModel(task, head, pooling, lora);
        model.FreezeForLora(lora.TrainEmbeddings);
        using (no_grad())
            foreach (var (_, parameter) in model.named_parameters().Where(p => p.parameter.requires_grad))
                parameter.add_(randn_like(parameter) * 0.3);
        model.eval();
        return model;
    }

    public static IReadOnlyList<string> TrainedNames(TaskModel model) =>
        model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();

    /// <summary>Export, read back for the same pretrained model, rebuild a model from what was read: the imported model.</summary>
    public static TaskModel RoundTrip(string directory, TaskModel model, PretrainedModel pretrained, FineTuningTask task, LoraOptions lora, out PeftAdapter adapter)
    {
        PeftExport.Write(directory, model, lora, TrainedNames(model), pretrained.Location);
        adapter = PeftAdapter.Read(directory, pretrained.Config);
        var imported = pretrained.CreateTaskModel(task, adapter.Head, adapter.Pooling, adapter.Options);
        adapter.LoadInto(imported);
        imported.eval();
        return imported;
    }

    public static Tensor Logits(TaskModel model, EncoderBatch batch)
    {
        using var noGrad = no_grad();
        return model.Forward(batch).Logits;
    }

    public static double MaxDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        using var diff = (a - b).abs().max();
        return diff.item<float>();
    }

    public static ClassificationTask Classes(int count) => new(Enumerable.Range(0, count).Select(i => $"c{i}").ToList());
}
