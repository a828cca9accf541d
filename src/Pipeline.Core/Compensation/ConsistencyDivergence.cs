namespace Pipeline.Compensation;

/// <summary>
/// Which divergence a compensation asks of the task between two passes' outputs. The task decides what it is
/// computed on: class distributions, per-token distributions (padding masked), or representations (regression).
/// </summary>
public enum ConsistencyDivergence
{
    /// <summary>½[KL(P‖Q) + KL(Q‖P)]: the paper's bidirectional KL (Eq. 11, R-Drop).</summary>
    SymmetricKl,

    /// <summary>KL(P‖Q) with Q the reference pass (the paper's "JS", Eq. 12: the inference output).</summary>
    Kl,

    /// <summary>½[KL(M‖P) + KL(M‖Q)], M = (P+Q)/2: HiddenCut's official loss.</summary>
    HiddenCutJs,
}
