using Pipeline.Dropout;
using Pipeline.Lora;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Models;

/// <summary>Logits [B, C] (regression: [B, 1]) and the pooled representation [B, D] they came from.</summary>
public sealed record ClassifierOutput(Tensor Logits, Tensor Pooled)
{
    public ClassifierOutput MoveToOuterDisposeScope() => new(Logits.MoveToOuterDisposeScope(), Pooled.MoveToOuterDisposeScope());
    public ClassifierOutput Detach() => new(Logits.detach(), Pooled.detach());
}

/// <summary>
/// Encoder + pooling + the output dropout position + a linear head: sequence classification (C labels)
/// and regression (C = 1). With LoRA only the adapters and <c>classifier.*</c> train.
/// </summary>
public sealed class SequenceClassifier : Module
{
    public const string HeadPrefix = "classifier.";

    public readonly BertModel bert;
    readonly Linear classifier;

    public Pooling Pooling { get; }
    public int NumLabels { get; }

    public SequenceClassifier(BertConfig config, int numLabels, Pooling pooling = Pooling.Mean, LoraOptions? lora = null)
        : base(nameof(SequenceClassifier))
    {
        if (numLabels < 1) throw new ArgumentOutOfRangeException(nameof(numLabels), "a head needs at least one output");
        bert = new BertModel(config, new LinearFactory(lora));
        classifier = Linear(config.HiddenSize, numLabels);
        Pooling = pooling;
        NumLabels = numLabels;
        RegisterComponents();
    }

    /// <summary>The plan acts in training mode only (see <see cref="BertModel.Forward"/>).</summary>
    public ClassifierOutput Forward(EncoderBatch batch, DropoutPlan? plan = null)
    {
        using var scope = NewDisposeScope();
        plan = training ? plan ?? DropoutPlan.None : DropoutPlan.None;
        var hidden = bert.Forward(batch, plan);
        var pooled = Pool(hidden, batch.AttentionMask);
        var input = plan.At(DropPosition.Output) is { } output ? functional.dropout(pooled, output.Rate, training: true) : pooled;
        // The head runs in its own dtype (fp32 under bf16 frozen weights), so logits and losses are fp32.
        return new ClassifierOutput(classifier.call(input.to(classifier.weight!.dtype)), pooled).MoveToOuterDisposeScope();
    }

    public Tensor Pool(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var pooled = Pooling switch
        {
            Pooling.Mean => MeanPool(hidden, attentionMask),
            Pooling.Cls => hidden[.., 0],
            _ => bert.Pool(hidden),
        };
        return pooled.MoveToOuterDisposeScope();
    }

    /// <summary>Σ h·mask / max(Σ mask, 1e-9), as sentence-transformers computes it.</summary>
    public static Tensor MeanPool(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var mask = attentionMask.unsqueeze(-1).to(hidden.dtype);
        return ((hidden * mask).sum(1) / mask.sum(1).clamp_min(1e-9)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Mixed precision for LoRA: the frozen encoder in bf16 (half the memory, tensor-core matmuls), the adapters
    /// and the head in fp32 so their updates, the optimiser state and the loss keep full precision.
    /// Call before <see cref="FreezeForLora"/> and before creating the optimiser (parameters are replaced).
    /// </summary>
    public void UsePrecision(Precision precision)
    {
        if (precision != Precision.BFloat16) return;
        bert.to(ScalarType.BFloat16);
        foreach (var adapter in LoraParameters.Adapters(this))
        {
            adapter.A.to(ScalarType.Float32);
            adapter.B.to(ScalarType.Float32);
        }
    }

    /// <summary>Freezes everything but the LoRA adapters and the head.</summary>
    public void FreezeForLora() => LoraParameters.FreezeAllButAdapters(this, HeadPrefix);

    public ParameterCounts CountParameters() => LoraParameters.Count(this, HeadPrefix);
}
