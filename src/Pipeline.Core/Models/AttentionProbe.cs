using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// What one attention call saw, for analysis (<c>pipeline analyze gradients</c>). Every tensor is the caller's,
/// valid only during the callback: copy what must outlive it.
/// </summary>
/// <param name="Logits">The undropped logits g = q·kᵀ/√d + the pass's mask (padding, causal), detached, [B, H, Lq, L].</param>
/// <param name="Keep">The keep mask the layer drew (DropKey's or DropAttention's, [B, H, 1 or Lq, L]); null where nothing was dropped.</param>
/// <param name="Real">[B, L] bool, true for real tokens.</param>
/// <param name="Visible">Which keys each query may see (<see cref="Dropout.DropMasks.CausalVisible"/>); null: the real keys.</param>
public sealed record AttentionSample(Tensor Logits, Tensor? Keep, Tensor Real, Tensor? Visible);

/// <summary>
/// A read-only look at every attention call of the passes run on this thread while <see cref="Observe"/>'s scope is
/// open, in call order (layer 0 first in a forward pass). Off by default: the attention then pays one null check.
/// Observing costs one extra q·kᵀ per layer (the fused path never materialises the logits). Thread-static, so tests
/// that run in parallel do not see each other's passes.
/// </summary>
public static class AttentionProbe
{
    [ThreadStatic] static Action<AttentionSample>? observer;

    public static bool IsObserving => observer is not null;

    /// <summary>Calls <paramref name="onAttention"/> for each attention call on this thread until the result is disposed.</summary>
    public static IDisposable Observe(Action<AttentionSample> onAttention)
    {
        if (observer is not null) throw new InvalidOperationException("an attention probe is already observing on this thread");
        observer = onAttention;
        return new Scope();
    }

    internal static void Report(AttentionSample sample) => observer?.Invoke(sample);

    sealed class Scope : IDisposable
    {
        public void Dispose() => observer = null;
    }
}
