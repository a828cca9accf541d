using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Dropout;

/// <summary>
/// Samples the masks of every pattern (from torch's global generator, so a seed fixes them).
/// Conventions: <c>real</c> is a bool [B, L] tensor, true for real (non-padding) tokens, whose real
/// tokens form one contiguous run (right or left padding). Attention masks are bool "keep" tensors.
/// </summary>
public static class DropMasks
{
    /// <summary>HiddenCut's attention-guided start: among the top 40% of tokens by attention received.</summary>
    public const double AttentionGuidedTopFraction = 0.4;

    /// <summary>
    /// Which keys each query of each head keeps: [B, H, 1, L] for column and span (one decision per key and
    /// head), [B, H, Lq, L] for element. A row whose real keys would all be dropped keeps every key instead:
    /// a query must attend to something (no NaN, no uniform leak onto padding), in any dtype.
    /// <paramref name="visible"/> (bool, broadcastable to [B, 1, Lq, L]) says which keys each query may see at all;
    /// null: the real keys (an encoder). A causal decoder passes <see cref="CausalVisible"/>: query 0 sees only key 0,
    /// so a column drop of key 0 would leave it nothing — such a row keeps all its keys, and the mask becomes [B, H, Lq, L].
    /// </summary>
    public static Tensor AttentionKeep(DropSpec spec, Tensor real, long heads, long queryLength, Tensor? visible = null)
    {
        long batch = real.shape[0], length = real.shape[1];
        var device = real.device;
        Tensor keep = spec.Pattern switch
        {
            DropPattern.Element => rand(batch, heads, queryLength, length, device: device) >= spec.Rate,
            DropPattern.Column => rand(batch, heads, 1, length, device: device) >= spec.Rate,
            DropPattern.Span => Span(real.repeat_interleave(heads, dim: 0), spec.Rate).view(batch, heads, 1, length).logical_not(),
            _ => throw new ArgumentException($"pattern {spec.Pattern} does not apply to attention"),
        };
        var seen = visible ?? real.view(batch, 1, 1, length);
        var keepsASeenKey = keep.logical_and(seen).any(-1, keepdim: true);
        return keep.logical_or(keepsASeenKey.logical_not());
    }

    /// <summary>
    /// Which keys each query of a causal decoder sees, [B, 1, L, L]: the real keys at or before the query's
    /// position. With right padding every query, padding ones included, sees at least key 0.
    /// </summary>
    public static Tensor CausalVisible(Tensor real)
    {
        using var scope = NewDisposeScope();
        long length = real.shape[1];
        var causal = ones(length, length, dtype: ScalarType.Bool, device: real.device).tril();
        return causal.unsqueeze(0).logical_and(real.view(real.shape[0], 1, length)).unsqueeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>The additive mask of a <see cref="CausalVisible"/> mask: 0 where a query may attend, the dtype's lowest finite value elsewhere.</summary>
    public static Tensor VisibleMask(Tensor visible, ScalarType dtype) =>
        zeros(visible.shape, dtype: dtype, device: visible.device).masked_fill_(visible.logical_not(), LowestFinite(dtype));

    /// <summary>
    /// The additive mask for attention logits: 0 where a query may attend, the dtype's lowest finite value
    /// elsewhere (the paper's −∞, finite so that no sum of masks overflows to −∞ and no row turns NaN).
    /// <paramref name="keep"/> (optional) is an <see cref="AttentionKeep"/> mask; the result broadcasts to [B, H, Lq, L].
    /// </summary>
    public static Tensor AdditiveAttentionMask(Tensor real, Tensor? keep, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var padding = PaddingMask(real, dtype);
        return (keep is null ? padding : WithDroppedKeys(padding, keep, dtype)).MoveToOuterDisposeScope();
    }

    /// <summary>The additive mask of padding alone, [B, 1, 1, L]: computed once per forward pass and shared by the layers.</summary>
    public static Tensor PaddingMask(Tensor real, ScalarType dtype)
    {
        var padded = real.logical_not().view(real.shape[0], 1, 1, real.shape[1]);
        return zeros(padded.shape, dtype: dtype, device: real.device).masked_fill_(padded, LowestFinite(dtype));
    }

    /// <summary>
    /// <paramref name="padding"/> (a <see cref="PaddingMask"/>, or null for a batch without padding) with the keys
    /// that <paramref name="keep"/> drops masked too.
    /// </summary>
    public static Tensor WithDroppedKeys(Tensor? padding, Tensor keep, ScalarType dtype) =>
        padding is null
            ? zeros(keep.shape, dtype: dtype, device: keep.device).masked_fill_(keep.logical_not(), LowestFinite(dtype))
            : padding.masked_fill(keep.logical_not(), LowestFinite(dtype));

    /// <summary>
    /// A multiplier for token representations [B, L, D] (input and hidden positions), or null for the element
    /// pattern (which is plain inverted dropout: use <c>functional.dropout</c>). Column: [B, L, 1] whole tokens;
    /// Span: [B, L, 1] one contiguous run; Feature: [B, 1, D] whole dimensions. Structured drops are not rescaled.
    /// <paramref name="attentionReceived"/> ([B, L]) is required for the attention-guided span start.
    /// </summary>
    public static Tensor TokenKeep(DropSpec spec, Tensor real, long dim, ScalarType dtype, Tensor? attentionReceived = null)
    {
        long batch = real.shape[0], length = real.shape[1];
        var device = real.device;
        Tensor keep = spec.Pattern switch
        {
            DropPattern.Column => rand(batch, length, 1, device: device) >= spec.Rate,
            DropPattern.Span => Span(real, spec.Rate, spec.SpanStart == SpanStart.AttentionGuided
                ? attentionReceived ?? throw new ArgumentException("the attention-guided span start needs the attention each token receives")
                : null).logical_not().unsqueeze(-1),
            DropPattern.Feature => rand(batch, 1, dim, device: device) >= spec.Rate,
            _ => throw new ArgumentException($"pattern {spec.Pattern} has no token mask"),
        };
        return keep.to(dtype);
    }

    /// <summary>
    /// One contiguous span of real tokens per row, true = dropped. Length ⌊p·n⌋ plus one with probability
    /// frac(p·n), so E[length] = p·n exactly; start uniform over the starts that keep the span inside the real
    /// tokens, or (attention-guided) a token drawn uniformly from the top 40% by <paramref name="attentionReceived"/>,
    /// moved left where the span would run past the last real token.
    /// </summary>
    public static Tensor Span(Tensor real, double rate, Tensor? attentionReceived = null)
    {
        using var scope = NewDisposeScope();
        long rows = real.shape[0], length = real.shape[1];
        var device = real.device;
        var n = real.sum(-1, type: ScalarType.Float64);                          // real tokens per row
        var first = real.to(ScalarType.Int64).cumsum(-1).eq(0).sum(-1);         // leading padding
        var exact = n * rate;
        var spanLength = exact.floor() + (rand(rows, dtype: ScalarType.Float64, device: device) < exact - exact.floor()).to(ScalarType.Float64);

        Tensor start;
        if (attentionReceived is null)
        {
            start = (rand(rows, dtype: ScalarType.Float64, device: device) * (n - spanLength + 1)).floor();
        }
        else
        {
            // Rank the real tokens by the attention they receive; draw one of the top 40% uniformly.
            var scores = attentionReceived.to(ScalarType.Float64).masked_fill(real.logical_not(), double.NegativeInfinity);
            var rank = scores.argsort(-1, descending: true).argsort(-1).to(ScalarType.Float64);
            var eligible = rank < (n * AttentionGuidedTopFraction).floor().clamp_min(1).unsqueeze(-1);
            var pick = rand(rows, length, dtype: ScalarType.Float64, device: device).masked_fill(eligible.logical_not(), -1).argmax(-1);
            start = minimum(pick.to(ScalarType.Float64) - first.to(ScalarType.Float64), n - spanLength);
        }
        var position = arange(length, dtype: ScalarType.Float64, device: device).unsqueeze(0);
        var from = (start + first.to(ScalarType.Float64)).unsqueeze(-1);
        var drop = position.ge(from).logical_and(position.lt(from + spanLength.unsqueeze(-1)));
        return drop.MoveToOuterDisposeScope();
    }

    public static double LowestFinite(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => -65504.0,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        ScalarType.Float64 => double.MinValue,
        _ => float.MinValue,
    };
}
