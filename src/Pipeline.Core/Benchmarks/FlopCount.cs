using Pipeline.Models;

namespace Pipeline.Benchmarks;

/// <summary>
/// Model FLOPs of a LoRA training step, for MFU. A forward pass over T tokens of length L costs
/// F = 2·P·T (every linear: P = weights of the encoder's matmuls) + 4·layers·L·D·T (q·kᵀ and w·v).
/// A step back-propagates to the first layer's adapters but computes no gradient for frozen weights, so the
/// gradient branch costs ≈ 2F (forward + input gradients); each no-grad pass (KL's second branch) costs F.
/// LoRA's own matmuls (r ≪ D) are left out. Counted this way, MFU compares implementations of the same
/// algorithm, not how much the hardware could do. A decoder's LM head (D×V at every token) is a matmul of the
/// step too: with <c>lmHead</c> it counts in P. (Causal attention computes the full L×L scores, as counted.)
/// </summary>
public static class FlopCount
{
    public static double Forward(IModelConfig c, long batch, long length, bool lmHead = false) =>
        2.0 * (c.MatmulWeights + (lmHead ? (long)c.HiddenSize * c.VocabSize : 0)) * batch * length
        + 4.0 * c.NumHiddenLayers * length * c.HiddenSize * batch * length;

    /// <summary>FLOPs of one step with <paramref name="gradientPasses"/> back-propagated and <paramref name="noGradPasses"/> extra passes.</summary>
    public static double Step(IModelConfig c, long batch, long length, int gradientPasses, int noGradPasses, bool lmHead = false) =>
        Forward(c, batch, length, lmHead) * (2 * gradientPasses + noGradPasses);
}
