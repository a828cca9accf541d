using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Compensation;

/// <summary>
/// Divergences between two predicted distributions given as logits [..., C]: summed over the last dimension,
/// then averaged over the rows ("batchmean"): the examples [B] of a classifier, or — with a <c>mask</c> [B, T] —
/// the real tokens of a sequence model, so padding and prompt positions count for nothing. Temperature 1,
/// computed from log-softmax for stability.
/// </summary>
public static class Divergences
{
    /// <summary>KL(P‖Q) = Σ p·(log p − log q).</summary>
    public static Tensor Kl(Tensor logitsP, Tensor logitsQ, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        var logP = logitsP.log_softmax(-1);
        var logQ = logitsQ.log_softmax(-1);
        return RowMean((logP.exp() * (logP - logQ)).sum(-1), mask).MoveToOuterDisposeScope();
    }

    /// <summary>½[KL(P‖Q) + KL(Q‖P)]: R-Drop's and the paper's bidirectional KL (Eq. 11).</summary>
    public static Tensor SymmetricKl(Tensor logitsP, Tensor logitsQ, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        return (0.5 * (Kl(logitsP, logitsQ, mask) + Kl(logitsQ, logitsP, mask))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// HiddenCut's "JS": ½[KL(M‖P) + KL(M‖Q)], M = (P+Q)/2 — what its official code computes with
    /// <c>F.kl_div(p.log(), m)</c>. (The textbook JS would be ½[KL(P‖M) + KL(Q‖M)].)
    /// </summary>
    public static Tensor HiddenCutJs(Tensor logitsP, Tensor logitsQ, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        var logP = logitsP.log_softmax(-1);
        var logQ = logitsQ.log_softmax(-1);
        var m = 0.5 * (logP.exp() + logQ.exp());
        var logM = m.clamp_min(1e-30).log();
        var klMp = (m * (logM - logP)).sum(-1);
        var klMq = (m * (logM - logQ)).sum(-1);
        return RowMean(0.5 * (klMp + klMq), mask).MoveToOuterDisposeScope();
    }

    /// <summary>The divergence <paramref name="kind"/> between two distributions given as logits.</summary>
    public static Tensor Of(ConsistencyDivergence kind, Tensor logitsP, Tensor logitsQ, Tensor? mask = null) => kind switch
    {
        ConsistencyDivergence.SymmetricKl => SymmetricKl(logitsP, logitsQ, mask),
        ConsistencyDivergence.Kl => Kl(logitsP, logitsQ, mask),
        _ => HiddenCutJs(logitsP, logitsQ, mask),
    };

    /// <summary>
    /// For regression the paper takes the consistency loss on the last layer's representations; a softmax over
    /// hidden units has no meaning, so this project uses the mean squared difference of the pooled last-layer
    /// representations [B, D] (R-Drop uses an MSE between the two outputs for regression).
    /// </summary>
    public static Tensor RepresentationMse(Tensor pooledP, Tensor pooledQ) =>
        functional.mse_loss(pooledP.to(ScalarType.Float32), pooledQ.to(ScalarType.Float32), Reduction.Mean);

    /// <summary>Mean over rows, or over the rows the mask marks (1 = counts).</summary>
    static Tensor RowMean(Tensor perRow, Tensor? mask)
    {
        if (mask is null) return perRow.mean();
        var weights = mask.to(perRow.dtype);
        return (perRow * weights).sum() / weights.sum().clamp_min(1);
    }
}
