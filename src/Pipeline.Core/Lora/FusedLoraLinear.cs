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
    readonly SliceAdapters lora_A = new(), lora_B = new();
    readonly TorchSharp.Modules.Dropout? lora_dropout;
    readonly string[] slices;
    readonly long width;
    readonly Dictionary<string, double> scaling = new(StringComparer.Ordinal);
    bool merged;

    /// <param name="slices">The slices' names, in output order (q, k, v).</param>
    /// <param name="ranks">The rank of each adapted slice; slices not named here have no adapter.</param>
    public FusedLoraLinear(long inFeatures, long sliceWidth, IReadOnlyList<string> slices, bool hasBias,
        IReadOnlyDictionary<string, (int Rank, double Scaling)> ranks, double dropout) : base(nameof(FusedLoraLinear))
    {
        this.slices = [.. slices];
        width = sliceWidth;
        long outFeatures = sliceWidth * slices.Count;
        (weight, bias) = LoraLinear.BaseParameters(inFeatures, outFeatures, hasBias);
        foreach (string slice in slices)
        {
            if (!ranks.TryGetValue(slice, out var adapter)) continue;
            if (adapter.Rank <= 0) throw new ArgumentOutOfRangeException(nameof(ranks), $"LoRA rank of slice {slice} must be ≥ 1");
            var a = nn.Linear(inFeatures, adapter.Rank, hasBias: false);
            var b = nn.Linear(adapter.Rank, sliceWidth, hasBias: false);
            nn.init.kaiming_uniform_(a.weight!, a: Math.Sqrt(5));
            nn.init.zeros_(b.weight!);
            lora_A.Add(slice, a);
            lora_B.Add(slice, b);
            scaling[slice] = adapter.Scaling;
        }
        if (dropout > 0) lora_dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    public Parameter Weight => weight;
    public Parameter? Bias => bias;

    /// <summary>The adapted slices, in output order.</summary>
    public IReadOnlyList<string> AdaptedSlices => slices.Where(scaling.ContainsKey).ToList();

    public Linear A(string slice) => lora_A.Get(slice);
    public Linear B(string slice) => lora_B.Get(slice);
    public bool IsMerged => merged;

    /// <summary>Mixed precision: the adapters in <paramref name="dtype"/> (fp32) while the frozen weight runs in bf16.</summary>
    public void AdaptersTo(ScalarType dtype)
    {
        foreach (string slice in scaling.Keys)
        {
            lora_A.Get(slice).to(dtype);
            lora_B.Get(slice).to(dtype);
        }
    }

    /// <summary>Folds each adapter into its slice of the weight (W_s ← W_s + B_s·A_s·s_s).</summary>
    public void Merge()
    {
        if (merged) return;
        AddDeltas(+1);
        merged = true;
    }

    /// <summary>Undoes <see cref="Merge"/>; exact up to float rounding.</summary>
    public void Unmerge()
    {
        if (!merged) return;
        AddDeltas(-1);
        merged = false;
    }

    void AddDeltas(double sign)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (int s = 0; s < slices.Length; s++)
        {
            if (!scaling.TryGetValue(slices[s], out double scale)) continue;
            var delta = matmul(B(slices[s]).weight!, A(slices[s]).weight!) * (scale * sign);
            weight.narrow(0, s * width, width).add_(delta.to(weight.dtype));
        }
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var output = nn.functional.linear(input, weight, bias);
        if (merged) return output.MoveToOuterDisposeScope();
        var adapterInput = (lora_dropout is null ? input : lora_dropout.call(input));
        var parts = output.split(width, -1);
        for (int s = 0; s < slices.Length; s++)
        {
            if (!scaling.TryGetValue(slices[s], out double scale)) continue;
            var (a, b) = (A(slices[s]), B(slices[s]));
            // fp32 adapters beside a bf16 frozen path compute in bf16, as in LoraLinear.
            parts[s] = adapterInput.dtype == a.weight!.dtype
                ? parts[s] + b.call(a.call(adapterInput)) * scale
                : LoraLinear.AddLowPrecision(parts[s], adapterInput, a.weight!, b.weight!, scale);
        }
        return cat(parts, -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The adapters of the slices, registered under the slices' names. Not TorchSharp's ModuleDict: its two
    /// indexers make Module.to(dtype/device) fail on any model that holds one.
    /// </summary>
    sealed class SliceAdapters() : nn.Module(nameof(SliceAdapters))
    {
        readonly Dictionary<string, Linear> adapters = new(StringComparer.Ordinal);

        public void Add(string slice, Linear adapter)
        {
            adapters.Add(slice, adapter);
            register_module(slice, adapter);
        }

        public Linear Get(string slice) => adapters[slice];
    }
}
