using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Dropout;

/// <summary>Dropout on token representations [B, L, D]: the input (cutoff) and hidden (HiddenCut) positions.</summary>
public static class TokenDropout
{
    /// <summary>
    /// Element: inverted dropout (kept units × 1/(1−p)). Column, span, feature: the structured mask of
    /// <see cref="DropMasks.TokenKeep"/>, not rescaled (as HiddenCut's spans and cutoff).
    /// </summary>
    public static Tensor Apply(Tensor x, DropSpec spec, Tensor real, Tensor? attentionReceived = null)
    {
        if (spec.Pattern == DropPattern.Element)
            return functional.dropout(x, spec.Rate, training: true);
        using var scope = NewDisposeScope();
        var keep = DropMasks.TokenKeep(spec, real, x.shape[^1], x.dtype, attentionReceived);
        return (x * keep).MoveToOuterDisposeScope();
    }
}
