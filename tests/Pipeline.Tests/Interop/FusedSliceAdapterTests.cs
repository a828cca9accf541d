using Pipeline.Interop;
using Pipeline.Lora;
using Pipeline.Engine;
using static TorchSharp.torch;

namespace Pipeline.Tests.Interop;

/// <summary>The c_attn rewrite: one rank-(Σr) adapter with a block-structured B computes the per-slice adapters' ΔW.</summary>
public class FusedSliceAdapterTests
{
    [Theory]
    [InlineData(false, 2, 2)]
    [InlineData(false, 2, 4)]
    [InlineData(true, 3, 5)]
    public void One_block_structured_c_attn_adapter_computes_the_same_delta_W_as_the_query_and_value_slice_adapters(bool rsLora, int queryRank, int valueRank)
    {
        TorchRuntime.Initialize();
        manual_seed(5);
        const long width = 8, inFeatures = 8;
        var lora = new LoraOptions(Rank: queryRank, Alpha: 6, UseRsLora: rsLora, RankPerTarget: new Dictionary<LoraTarget, int> { [LoraTarget.Value] = valueRank });
        using var fused = (FusedLoraLinear)new LinearFactory(lora).CreateFused([LoraTarget.Query, LoraTarget.Key, LoraTarget.Value], inFeatures, width);
        using (no_grad())
            foreach (string slice in fused.AdaptedSlices) fused.B(slice).weight!.normal_();

        // ΔW as FusedLoraLinear itself merges it.
        using var before = fused.Weight.detach().clone();
        fused.Merge();
        using var merged = fused.Weight.detach().clone();
        fused.Unmerge();
        using var expected = merged - before;

        var slices = fused.AdaptedSlices.Select(s => new SliceAdapter(PeftExport.SliceIndex(s), fused.A(s).weight!, fused.B(s).weight!,
            lora.ScalingFor((int)fused.A(s).weight!.shape[0]))).ToList();
        var (a, b, scaling) = FusedSliceAdapters.Combine(slices, width, 3);
        Assert.Equal([queryRank + valueRank, inFeatures], a.shape);
        Assert.Equal([3 * width, queryRank + valueRank], b.shape);
        using var delta = matmul(b, a) * scaling;
        Assert.True(InteropModels.MaxDiff(expected, delta) <= 1e-5, $"max |ΔW − B'A'σ'| {InteropModels.MaxDiff(expected, delta)}");
        // PEFT's scaling of the rank-R module from the exported alpha is σ'.
        double alpha = rsLora ? lora.Alpha * Math.Sqrt((double)(queryRank + valueRank) / queryRank) : lora.Alpha * (queryRank + valueRank) / queryRank;
        Assert.Equal(scaling, rsLora ? alpha / Math.Sqrt(queryRank + valueRank) : alpha / (queryRank + valueRank), 12);
        // The key rows are zero: the key slice stays unadapted.
        Assert.Equal(0, b.narrow(0, width, width).abs().sum().item<float>());

        // Split gives each slice back its own columns: the original ranks and tensors (B up to the scaling factor).
        var split = FusedSliceAdapters.Split(a, b, scaling, width, 3);
        Assert.Equal([0, 2], split.Select(s => s.Slice));
        Assert.Equal([queryRank, valueRank], split.Select(s => (int)s.A.shape[0]));
        Assert.True(TinyModels.Same(slices[0].A, split[0].A) && TinyModels.Same(slices[1].A, split[1].A));
        Assert.True(TinyModels.Same(slices[0].B, split[0].B));
        using var valueB = split[1].B * (scaling / slices[1].Scaling);
        Assert.True(InteropModels.MaxDiff(slices[1].B, valueB) <= 1e-6);
    }
}
