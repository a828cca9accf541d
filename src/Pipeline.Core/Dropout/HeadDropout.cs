using static TorchSharp.torch;

namespace Pipeline.Dropout;

/// <summary>
/// DropHead (Zhou et al., 2020): whole attention heads dropped per example with probability p, the kept heads
/// rescaled by H / (kept heads) so the sum over heads keeps its scale. A pattern of both attention positions:
/// dropping a head's logits or its weights is the same function (every key of that head gone), so it is computed
/// once, on each head's output (weights · values), before the heads are merged. An example whose heads would all
/// be dropped keeps them all, like a query that would lose all its keys.
/// </summary>
public static class HeadDropout
{
    /// <summary>The multiplier of each head's output, [B, H, 1, 1]: 0 for a dropped head, H / kept for a kept one.</summary>
    public static Tensor Scale(DropSpec spec, long batch, long heads, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var keep = rand(batch, heads, 1, 1, device: device) >= spec.Rate;
        keep = keep.logical_or(keep.any(1, keepdim: true).logical_not());
        var kept = keep.sum(1, keepdim: true, type: ScalarType.Float32);
        return (keep.to(ScalarType.Float32) * (heads / kept)).to(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Each head's output [B, H, L, d] with the heads of <see cref="Scale"/> dropped and the rest rescaled.</summary>
    public static Tensor Apply(Tensor perHead, DropSpec spec)
    {
        using var scope = NewDisposeScope();
        var scale = Scale(spec, perHead.shape[0], perHead.shape[1], perHead.dtype, perHead.device);
        return (perHead * scale).MoveToOuterDisposeScope();
    }
}
