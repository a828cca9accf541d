using static TorchSharp.torch;

namespace Pipeline.Interop;

/// <summary>One slice's adapter of a fused projection: ΔW_slice = B·A·Scaling, A [r, in], B [width, r].</summary>
public sealed record SliceAdapter(int Slice, Tensor A, Tensor B, double Scaling);

/// <summary>
/// GPT-2's query/value adapters on slices of the fused <c>c_attn</c> (<see cref="Lora.FusedLoraLinear"/>) as the one
/// adapter PEFT puts on the whole Conv1D, and back.
/// <para>
/// <b>Combine.</b> Slices s₁…s_k with ranks r_i and scalings σ_i become one adapter of rank R = Σ r_i:
/// A' = [A₁; …; A_k] (R × in, the slices' A stacked) and B' (out × R) block-structured — the rows of slice s_i hold
/// B_i·(σ_i/σ') in the columns of A_i, everything else is zero — with σ' = σ₁. Then
/// B'A'σ' = [… ; B_iA_iσ_i ; …] row block by row block, exactly the fused layer's ΔW (the slices without an adapter
/// get zero rows). With one rank and one alpha for every slice the factor σ_i/σ' is 1 and nothing is rescaled;
/// PEFT gets σ' through <c>rank_pattern</c> = R and <c>alpha_pattern</c> = σ₁·R (σ₁·√R with rsLoRA) for the module.
/// </para>
/// <para>
/// <b>Split</b> undoes it for any adapter on the fused projection: per slice the columns of B' that are non-zero in
/// its rows; when those column sets are disjoint (an export of ours, or any block-structured B') each slice gets just
/// its columns back (A_i = A'[cols], B_i = B'[rows, cols]) — its original rank; otherwise every slice whose rows are
/// not all zero shares the whole A' (rank R), which computes the same function.
/// </para>
/// </summary>
public static class FusedSliceAdapters
{
    /// <returns>A' [R, in], B' [sliceCount·width, R], σ' — new tensors the caller owns.</returns>
    public static (Tensor A, Tensor B, double Scaling) Combine(IReadOnlyList<SliceAdapter> adapters, long sliceWidth, int sliceCount)
    {
        if (adapters.Count == 0) throw new ArgumentException("no slice adapters to combine", nameof(adapters));
        using var scope = NewDisposeScope();
        double scaling = adapters[0].Scaling;
        long rank = adapters.Sum(a => a.A.shape[0]);
        long inFeatures = adapters[0].A.shape[1];
        var b = zeros([sliceCount * sliceWidth, rank], dtype: adapters[0].B.dtype);
        long column = 0;
        foreach (var adapter in adapters)
        {
            long r = adapter.A.shape[0];
            if (adapter.A.shape[1] != inFeatures || adapter.B.shape[0] != sliceWidth || adapter.B.shape[1] != r)
                throw new ArgumentException($"slice {adapter.Slice}: A {Weights.TensorShape.Format(adapter.A.shape)} and B " +
                    $"{Weights.TensorShape.Format(adapter.B.shape)} do not make a [{sliceWidth}, {inFeatures}] update");
            double factor = adapter.Scaling / scaling;
            var block = factor == 1.0 ? adapter.B : adapter.B * factor;
            b.narrow(0, adapter.Slice * sliceWidth, sliceWidth).narrow(1, column, r).copy_(block);
            column += r;
        }
        var a = cat(adapters.Select(x => x.A).ToList(), 0);
        return (a.MoveToOuterDisposeScope(), b.MoveToOuterDisposeScope(), scaling);
    }

    /// <summary>Per-slice adapters (each with scaling σ') computing B'A'σ'; slices whose rows of B' are all zero get none.</summary>
    public static IReadOnlyList<SliceAdapter> Split(Tensor a, Tensor b, double scaling, long sliceWidth, int sliceCount)
    {
        if (b.shape[0] != sliceWidth * sliceCount || b.shape[1] != a.shape[0])
            throw new ArgumentException($"B {Weights.TensorShape.Format(b.shape)} and A {Weights.TensorShape.Format(a.shape)} " +
                $"are not an adapter on {sliceCount} slices of {sliceWidth}");
        using var scope = NewDisposeScope();
        var columns = new List<(int Slice, long[] Columns)>();
        for (int s = 0; s < sliceCount; s++)
        {
            var used = b.narrow(0, s * sliceWidth, sliceWidth).ne(0).any(0);
            long[] nonZero = [.. Enumerable.Range(0, (int)b.shape[1]).Where(j => used[j].item<bool>()).Select(j => (long)j)];
            if (nonZero.Length > 0) columns.Add((s, nonZero));
        }
        bool disjoint = columns.SelectMany(c => c.Columns).Distinct().Count() == columns.Sum(c => c.Columns.Length);
        var result = new List<SliceAdapter>();
        foreach (var (slice, cols) in columns)
        {
            var rows = b.narrow(0, slice * sliceWidth, sliceWidth);
            if (disjoint)
            {
                using var index = tensor(cols, dtype: ScalarType.Int64);
                result.Add(new SliceAdapter(slice, a.index_select(0, index).contiguous().MoveToOuterDisposeScope(),
                    rows.index_select(1, index).contiguous().MoveToOuterDisposeScope(), scaling));
            }
            else
                result.Add(new SliceAdapter(slice, a.clone().MoveToOuterDisposeScope(), rows.clone().MoveToOuterDisposeScope(), scaling));
        }
        return result;
    }
}
