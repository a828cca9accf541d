using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Lora;

/// <summary>
/// A fused projection — several equal-width outputs side by side, as GPT-2's <c>c_attn</c> computes q, k and v in
/// one matmul — with a LoRA adapter on each targeted slice only (microsoft/LoRA's <c>MergedLinear</c> with
/// <c>enable_lora = [True, False, True]</c>, the paper's GPT-2 setting):
/// y = x Wᵀ + b, then y_s += B_s(A_s(drop(x)))·s_s on each adapted slice s.
/// The frozen weight and bias keep the fused layer's names (<c>weight</c>, <c>bias</c>), so checkpoints load
/// unchanged; each adapter is <c>lora_A.{slice}.weight</c> [r, in] and <c>lora_B.{slice}.weight</c> [width, r]
/// (PEFT's per-adapter naming, <c>lora_A.default.weight</c>, with the slice in place of the adapter name).
/// </summary>
public sealed class FusedLoraLinear : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter? bias;
    readonly ModuleDict<Linear> lora_A = new();
    readonly ModuleDict<Linear> lora_B = new();
    readonly TorchSharp.Modules.Dropout? lora_dropout;
    readonly string[] slices;
    readonly long width;
    readonly Dictionary<string, double> scaling = new(StringComparer.Ordinal);

    /// <param name="slices">The slices' names, in output order (q, k, v).</param>
    /// <param name="ranks">The rank of each adapted slice; slices not named here have no adapter.</param>
    public FusedLoraLinear(long inFeatures, long sliceWidth, IReadOnlyList<string> slices, bool hasBias,
        IReadOnlyDictionary<string, (int Rank, double Scaling)> ranks, double dropout) : base(nameof(FusedLoraLinear))
    {
        this.slices = [.. slices];
        width = sliceWidth;
        long outFeatures = sliceWidth * slices.Count;
        // The base layer starts like nn.Linear (it is normally overwritten by pretrained weights).
        weight = new Parameter(empty(outFeatures, inFeatures));
        nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        if (hasBias)
        {
            double bound = 1 / Math.Sqrt(inFeatures);
            bias = new Parameter(empty(outFeatures));
            nn.init.uniform_(bias, -bound, bound);
        }
        foreach (string slice in slices)
        {
            if (!ranks.TryGetValue(slice, out var adapter)) continue;
            if (adapter.Rank <= 0) throw new ArgumentOutOfRangeException(nameof(ranks), $"LoRA rank of slice {slice} must be ≥ 1");
            var a = nn.Linear(inFeatures, adapter.Rank, hasBias: false);
            var b = nn.Linear(adapter.Rank, sliceWidth, hasBias: false);
            nn.init.kaiming_uniform_(a.weight!, a: Math.Sqrt(5));
            nn.init.zeros_(b.weight!);
            lora_A.Add((slice, a));
            lora_B.Add((slice, b));
            scaling[slice] = adapter.Scaling;
        }
        if (dropout > 0) lora_dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    public Parameter Weight => weight;
    public Parameter? Bias => bias;

    /// <summary>The adapted slices, in output order.</summary>
    public IReadOnlyList<string> AdaptedSlices => slices.Where(scaling.ContainsKey).ToList();

    public Linear A(string slice) => lora_A[slice];
    public Linear B(string slice) => lora_B[slice];

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var output = nn.functional.linear(input, weight, bias);
        // The adapter may be fp32 while the frozen path runs in bf16: compute it in its own dtype.
        var adapterInput = (lora_dropout is null ? input : lora_dropout.call(input));
        var parts = output.split(width, -1);
        for (int s = 0; s < slices.Length; s++)
        {
            if (!scaling.TryGetValue(slices[s], out double scale)) continue;
            var a = lora_A[slices[s]];
            var delta = lora_B[slices[s]].call(a.call(adapterInput.to(a.weight!.dtype))) * scale;
            parts[s] = parts[s] + delta.to(output.dtype);
        }
        return cat(parts, -1).MoveToOuterDisposeScope();
    }
}
