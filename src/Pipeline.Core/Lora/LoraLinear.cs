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
            var adapterInput = lora_dropout is null ? input : lora_dropout.call(input);
            output = adapterInput.dtype == lora_A.weight!.dtype
                ? output + lora_B.call(lora_A.call(adapterInput)) * Scaling
                : AddLowPrecision(output, adapterInput, lora_A.weight!, lora_B.weight!, Scaling);
        }
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// output + B(A(x))·s where x and output are bf16 and A, B fp32 (mixed precision): the product is computed in
    /// x's dtype, as PyTorch's autocast computes a linear layer — A and B are cast (small: rank × width), not x
    /// (batch × length × width), so no fp32 copy of x is made or kept for the backward pass — and the scaling and
    /// the sum are the epilogue of the second matmul (addmm: output + s·(h Bᵀ)). The master weights, their gradients
    /// and the optimiser stay fp32. Used by <see cref="FusedLoraLinear"/> too.
    /// </summary>
    internal static Tensor AddLowPrecision(Tensor output, Tensor x, Tensor a, Tensor b, double scaling)
    {
        var h = nn.functional.linear(x, a.to(x.dtype));
        var flat = addmm(output.reshape(-1, output.shape[^1]), h.reshape(-1, h.shape[^1]), b.to(x.dtype).t(), beta: 1, alpha: (float)scaling);
        return flat.view(output.shape);
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
