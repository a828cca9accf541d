using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Compensation;

/// <summary>
/// Divergences between two predicted distributions given as logits [..., C]: summed over the last dimension,
/// then reduced over the rows — averaged ("batchmean", the default) or summed (R-Drop's code), see
/// <see cref="DivergenceReduction"/>: the rows are the examples [B] of a classifier, or — with a <c>mask</c> [B, T] —
/// the real tokens of a sequence model, so padding and prompt positions count for nothing. Temperature 1,
/// computed from log-softmax for stability.
/// </summary>
public static class Divergences
{
    /// <summary>KL(P‖Q) = Σ p·(log p − log q).</summary>
    public static Tensor Kl(Tensor logitsP, Tensor logitsQ, Tensor? mask = null, DivergenceReduction reduction = DivergenceReduction.Mean)
    {
        using var scope = NewDisposeScope();
        var logP = logitsP.log_softmax(-1);
        var logQ = logitsQ.log_softmax(-1);
        return Reduce((logP.exp() * (logP - logQ)).sum(-1), mask, reduction).MoveToOuterDisposeScope();
    }

    /// <summary>½[KL(P‖Q) + KL(Q‖P)]: R-Drop's and the paper's bidirectional KL (Eq. 11).</summary>
    public static Tensor SymmetricKl(Tensor logitsP, Tensor logitsQ, Tensor? mask = null, DivergenceReduction reduction = DivergenceReduction.Mean)
    {
        using var scope = NewDisposeScope();
        return (0.5 * (Kl(logitsP, logitsQ, mask, reduction) + Kl(logitsQ, logitsP, mask, reduction))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// HiddenCut's "JS": ½[KL(M‖P) + KL(M‖Q)], M = (P+Q)/2 — what its official code computes with
    /// <c>F.kl_div(p.log(), m)</c>. (The textbook JS would be ½[KL(P‖M) + KL(Q‖M)].)
    /// </summary>
    public static Tensor HiddenCutJs(Tensor logitsP, Tensor logitsQ, Tensor? mask = null, DivergenceReduction reduction = DivergenceReduction.Mean)
    {
        using var scope = NewDisposeScope();
        var logP = logitsP.log_softmax(-1);
        var logQ = logitsQ.log_softmax(-1);
        var m = 0.5 * (logP.exp() + logQ.exp());
        var logM = m.clamp_min(1e-30).log();
        var klMp = (m * (logM - logP)).sum(-1);
        var klMq = (m * (logM - logQ)).sum(-1);
        return Reduce(0.5 * (klMp + klMq), mask, reduction).MoveToOuterDisposeScope();
    }

    /// <summary>The divergence <paramref name="kind"/> between two distributions given as logits.</summary>
    public static Tensor Of(ConsistencyDivergence kind, Tensor logitsP, Tensor logitsQ, Tensor? mask = null, DivergenceReduction reduction = DivergenceReduction.Mean) => kind switch
    {
        ConsistencyDivergence.SymmetricKl => SymmetricKl(logitsP, logitsQ, mask, reduction),
        ConsistencyDivergence.Kl => Kl(logitsP, logitsQ, mask, reduction),
        _ => HiddenCutJs(logitsP, logitsQ, mask, reduction),
    };

    /// <summary>
    /// For regression the paper takes the consistency loss on the last layer's representations; a softmax over
    /// hidden units has no meaning, so this project uses the mean squared difference of the pooled last-layer
    /// representations [B, D] (R-Drop uses an MSE between the two outputs for regression). A row is an example:
    /// <see cref="DivergenceReduction.Mean"/> averages over examples and units, <see cref="DivergenceReduction.Sum"/>
    /// sums each example's mean over the units.
    /// </summary>
    public static Tensor RepresentationMse(Tensor pooledP, Tensor pooledQ, DivergenceReduction reduction = DivergenceReduction.Mean)
    {
        if (reduction == DivergenceReduction.Mean)
            return functional.mse_loss(pooledP.to(ScalarType.Float32), pooledQ.to(ScalarType.Float32), Reduction.Mean);
        using var scope = NewDisposeScope();
        var perExample = (pooledP.to(ScalarType.Float32) - pooledQ.to(ScalarType.Float32)).square().mean(new long[] { -1 });
        return Reduce(perExample, null, reduction).MoveToOuterDisposeScope();
    }

    /// <summary>Mean or sum over rows, or over the rows the mask marks (1 = counts).</summary>
    static Tensor Reduce(Tensor perRow, Tensor? mask, DivergenceReduction reduction)
    {
        if (mask is null) return reduction == DivergenceReduction.Mean ? perRow.mean() : perRow.sum();
        var weights = mask.to(perRow.dtype);
        var sum = (perRow * weights).sum();
        return reduction == DivergenceReduction.Mean ? sum / weights.sum().clamp_min(1) : sum;
    }
}
