using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Compensation;

/// <summary>
/// Divergences between two predicted class distributions given as logits [B, C]. Each is summed over
/// classes and averaged over the batch ("batchmean"), temperature 1, computed from log-softmax for stability.
/// </summary>
public static class Divergences
{
    /// <summary>KL(P‖Q) = Σ p·(log p − log q).</summary>
    public static Tensor Kl(Tensor logitsP, Tensor logitsQ)
    {
        using var scope = NewDisposeScope();
        var logP = logitsP.log_softmax(-1);
        var logQ = logitsQ.log_softmax(-1);
        return (logP.exp() * (logP - logQ)).sum(-1).mean().MoveToOuterDisposeScope();
    }

    /// <summary>½[KL(P‖Q) + KL(Q‖P)]: R-Drop's and the paper's bidirectional KL (Eq. 11).</summary>
    public static Tensor SymmetricKl(Tensor logitsP, Tensor logitsQ)
    {
        using var scope = NewDisposeScope();
        return (0.5 * (Kl(logitsP, logitsQ) + Kl(logitsQ, logitsP))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// HiddenCut's "JS": ½[KL(M‖P) + KL(M‖Q)], M = (P+Q)/2 — what its official code computes with
    /// <c>F.kl_div(p.log(), m)</c>. (The textbook JS would be ½[KL(P‖M) + KL(Q‖M)].)
    /// </summary>
    public static Tensor HiddenCutJs(Tensor logitsP, Tensor logitsQ)
    {
        using var scope = NewDisposeScope();
        var logP = logitsP.log_softmax(-1);
        var logQ = logitsQ.log_softmax(-1);
        var m = 0.5 * (logP.exp() + logQ.exp());
        var logM = m.clamp_min(1e-30).log();
        var klMp = (m * (logM - logP)).sum(-1);
        var klMq = (m * (logM - logQ)).sum(-1);
        return (0.5 * (klMp + klMq)).mean().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// For regression the paper takes the consistency loss on the last layer's representations; a softmax over
    /// hidden units has no meaning, so this project uses the mean squared difference of the pooled last-layer
    /// representations [B, D] (R-Drop uses an MSE between the two outputs for regression).
    /// </summary>
    public static Tensor RepresentationMse(Tensor pooledP, Tensor pooledQ) =>
        functional.mse_loss(pooledP.to(ScalarType.Float32), pooledQ.to(ScalarType.Float32), Reduction.Mean);
}
