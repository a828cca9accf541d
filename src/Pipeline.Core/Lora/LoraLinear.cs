using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Lora;

/// <summary>
/// A linear layer with a LoRA adapter: y = x Wᵀ + b + B(A(drop(x)))·s. The frozen weight and bias keep the
/// names of the layer they replace (<c>weight</c>, <c>bias</c>), so pretrained checkpoints load unchanged and
/// the adapter's keys (<c>…lora_A.weight</c>, <c>…lora_B.weight</c>) are PEFT's.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter? bias;
    readonly Linear lora_A;
    readonly Linear lora_B;
    readonly TorchSharp.Modules.Dropout? lora_dropout;
    bool merged;

    public int Rank { get; }
    public double Scaling { get; }
    public bool IsMerged => merged;

    public LoraLinear(long inFeatures, long outFeatures, bool hasBias, int rank, double scaling, double dropout)
        : base(nameof(LoraLinear))
    {
        if (rank <= 0) throw new ArgumentOutOfRangeException(nameof(rank), "LoRA rank must be ≥ 1");
        Rank = rank;
        Scaling = scaling;

        (weight, bias) = BaseParameters(inFeatures, outFeatures, hasBias);

        lora_A = nn.Linear(inFeatures, rank, hasBias: false);
        lora_B = nn.Linear(rank, outFeatures, hasBias: false);
        nn.init.kaiming_uniform_(lora_A.weight!, a: Math.Sqrt(5));
        nn.init.zeros_(lora_B.weight!);
        if (dropout > 0) lora_dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>The frozen base layer's weight and bias, initialised like nn.Linear (pretrained weights normally overwrite them).</summary>
    internal static (Parameter Weight, Parameter? Bias) BaseParameters(long inFeatures, long outFeatures, bool hasBias)
    {
        var weight = new Parameter(empty(outFeatures, inFeatures));
        nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        if (!hasBias) return (weight, null);
        double bound = 1 / Math.Sqrt(inFeatures);
        var bias = new Parameter(empty(outFeatures));
        nn.init.uniform_(bias, -bound, bound);
        return (weight, bias);
    }

    public Parameter Weight => weight;
    public Parameter? Bias => bias;
    public Linear A => lora_A;
    public Linear B => lora_B;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var output = nn.functional.linear(input, weight, bias);
        if (!merged)
        {
            // The adapter may be fp32 while the frozen path runs in bf16: compute it in its own dtype.
            var adapterInput = (lora_dropout is null ? input : lora_dropout.call(input)).to(lora_A.weight!.dtype);
            output = output + (lora_B.call(lora_A.call(adapterInput)) * Scaling).to(output.dtype);
        }
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>ΔW = B·A·s, the update the adapter adds to the weight.</summary>
    public Tensor DeltaWeight() => (matmul(lora_B.weight!, lora_A.weight!) * Scaling).to(weight.dtype);

    /// <summary>Folds the adapter into the weight (W ← W + ΔW) for inference without the extra matmuls.</summary>
    public void Merge()
    {
        if (merged) return;
        using (no_grad())
        using (NewDisposeScope())
            weight.add_(DeltaWeight());
        merged = true;
    }

    /// <summary>Undoes <see cref="Merge"/> (W ← W − ΔW); exact up to float rounding.</summary>
    public void Unmerge()
    {
        if (!merged) return;
        using (no_grad())
        using (NewDisposeScope())
            weight.sub_(DeltaWeight());
        merged = false;
    }
}
