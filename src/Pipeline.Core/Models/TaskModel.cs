using Pipeline.Dropout;
using Pipeline.Lora;
using Pipeline.Models.Heads;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// A backbone and a task head, named as HF's task models name them (<c>bert.*</c> or <c>roberta.*</c>, then
/// <c>classifier.*</c>). With LoRA only the adapters and the head train; without (<c>lora: none</c>) every weight does.
/// </summary>
public sealed class TaskModel : nn.Module
{
    public const string HeadPrefix = "classifier.";

    public TaskModel(Backbone backbone, TaskHead head) : base(nameof(TaskModel))
    {
        Backbone = backbone;
        Head = head;
        // Registered by name rather than by field: the backbone's name is the family's (bert, roberta).
        register_module(backbone.Config.Family.BackboneName(backbone.Config), backbone);
        register_module(HeadPrefix.TrimEnd('.'), head);
    }

    public Backbone Backbone { get; }
    public TaskHead Head { get; }

    /// <summary>
    /// The plan acts in training mode only (see <see cref="Models.Backbone.Forward"/>). With
    /// <see cref="EncoderBatch.OutputPositions"/> the head reads only those positions' hidden states.
    /// </summary>
    public ModelOutput Forward(EncoderBatch batch, DropoutPlan? plan = null)
    {
        using var scope = NewDisposeScope();
        plan = training ? plan ?? DropoutPlan.None : DropoutPlan.None;
        var hidden = Backbone.Forward(batch, plan);
        if (batch.OutputPositions is { } positions)
            hidden = hidden.gather(1, positions.unsqueeze(-1).expand(-1, -1, hidden.shape[^1]));
        return Head.Forward(hidden, batch.AttentionMask, plan.At(DropPosition.Output), Backbone).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Mixed precision for LoRA: the frozen backbone in bf16 (half the memory, tensor-core matmuls), the adapters
    /// and the head in fp32 so their updates, the optimiser state and the loss keep full precision.
    /// Call before <see cref="FreezeForLora"/> and before creating the optimiser (parameters are replaced).
    /// </summary>
    /// <param name="trainEmbeddings">The token embeddings will train (<c>lora.train_embeddings</c>): refused in bf16, as full fine-tuning is.</param>
    public void UsePrecision(Precision precision, bool trainEmbeddings = false)
    {
        if (precision != Precision.BFloat16) return;
        if (!LoraParameters.Adapters(this).Any() && !LoraParameters.FusedAdapters(this).Any())
            throw new ArgumentException("precision bfloat16 with lora: none: full fine-tuning would train bf16 weights, whose rounding " +
                "loses small updates (there are no fp32 master weights); use precision float32, or LoRA");
        if (trainEmbeddings)
            throw new ArgumentException("precision bfloat16 with lora.train_embeddings: the token embeddings would train as bf16 weights, whose " +
                "rounding loses small updates (there are no fp32 master weights); use precision float32, or train_embeddings: false");
        Backbone.to(ScalarType.BFloat16);
        foreach (var adapter in LoraParameters.Adapters(this))
        {
            adapter.A.to(ScalarType.Float32);
            adapter.B.to(ScalarType.Float32);
        }
        foreach (var fused in LoraParameters.FusedAdapters(this)) fused.AdaptersTo(ScalarType.Float32);
    }

    /// <summary>Freezes everything but the LoRA adapters and the head (and, with <paramref name="trainEmbeddings"/>, the token embeddings).</summary>
    public void FreezeForLora(bool trainEmbeddings = false)
    {
        LoraParameters.FreezeAllButAdapters(this, HeadPrefix);
        if (trainEmbeddings)
            foreach (var parameter in Backbone.TokenEmbeddings) parameter.requires_grad = true;
    }

    /// <summary>
    /// Full fine-tuning: every backbone and head weight trains, except a pretrained pooler the head does not read
    /// (BERT's, under a head that pools by itself), which would get no gradient.
    /// </summary>
    public void TrainEveryWeight()
    {
        LoraParameters.TrainAll(this);
        if (Backbone.Pooler is { } pooler && !Head.ReadsPooler)
            foreach (var parameter in pooler.parameters()) parameter.requires_grad = false;
    }

    public ParameterCounts CountParameters() => LoraParameters.Count(this, HeadPrefix);
}
