using Pipeline.Dropout;
using Pipeline.Models;
using static TorchSharp.torch;

namespace Pipeline.Analysis;

/// <summary>
/// Eq. 10's factor on real attention: (∂w'ᵤ/∂gᵤ)_DropKey = k·(∂w'ᵤ/∂gᵤ)_DropAttention(NoGrad) with
/// k = (1 − w'ᵤ)/(1 − wᵤ), w the full softmax of the logits and w' the weights renormalised over the kept keys.
/// The paper derives it for one dropped key; the same formula holds for any set of dropped keys (the dropped ones
/// only enter through Z_m), so it is computed for every kept key u of every query row that drops at least one key.
/// </summary>
public static class GradientFactor
{
    /// <summary>
    /// k for every entry (real query row with at least one dropped key it could see, kept key it can see), the
    /// weight mass that row drops, Σ_dropped wₘ (the larger, the smaller k: "falls as g_m grows"), and the entry's
    /// DropKey weight w'ᵤ (keys that carry attention are the ones whose gradients matter); all float64 [N].
    /// A row that keeps a single key has k = 0 there: its DropKey gradient w'ᵤ(1 − w'ᵤ) vanishes (Eq. 7).
    /// Where wᵤ rounds to 1 the dropped keys weigh nothing and k is its limit, 1.
    /// </summary>
    public static (Tensor K, Tensor DroppedMass, Tensor Weight) Compute(AttentionSample sample)
    {
        using var scope = NewDisposeScope();
        if (sample.Keep is null)
        {
            Tensor None() => empty(0, dtype: ScalarType.Float64).MoveToOuterDisposeScope();
            return (None(), None(), None());
        }
        var g = sample.Logits.detach().to(ScalarType.Float64);
        long batch = g.shape[0], queries = g.shape[2], length = g.shape[3];
        var seen = sample.Visible ?? sample.Real.view(batch, 1, 1, length);
        // Self-attention in a training pass has one query per token; only real tokens' queries count.
        var realQuery = queries == length ? sample.Real.view(batch, 1, length, 1) : ones(batch, 1, queries, 1, dtype: ScalarType.Bool, device: g.device);

        var dropped = sample.Keep.logical_not().logical_and(seen);
        var rows = dropped.any(-1, keepdim: true).logical_and(realQuery);
        var entries = sample.Keep.logical_and(seen).logical_and(rows).expand(g.shape);

        var w = g.softmax(-1);
        var renormalised = g.masked_fill(sample.Keep.logical_not(), DropMasks.LowestFinite(ScalarType.Float64)).softmax(-1);
        var oneMinusW = 1 - w;
        var k = where(oneMinusW > 0, (1 - renormalised) / oneMinusW.clamp_min(double.Epsilon), ones_like(w));
        var mass = (w * dropped.to(ScalarType.Float64)).sum(-1, keepdim: true).expand(g.shape);
        return (k.masked_select(entries).MoveToOuterDisposeScope(), mass.masked_select(entries).MoveToOuterDisposeScope(),
            renormalised.masked_select(entries).MoveToOuterDisposeScope());
    }
}

/// <summary>Eq. 10's k in one layer, over every batch measured (quantiles from a 1/<see cref="FactorDistribution.Bins"/>-wide histogram).</summary>
/// <param name="Layer">The layer (0 first).</param>
/// <param name="Count">Entries measured: kept keys of rows that drop at least one key.</param>
/// <param name="ShareBelow09">Share of entries with k &lt; 0.9.</param>
/// <param name="CorrelationWithDroppedMass">Pearson correlation of k and its row's dropped weight mass (negative: k falls as more weight is dropped).</param>
/// <param name="MeanDroppedMass">Mean over entries of the row's dropped weight mass Σ_dropped wₘ.</param>
/// <param name="WeightedMean">Σ w'ᵤ·k / Σ w'ᵤ: k on the keys that carry the attention (most kept keys weigh little, and k ≈ 1 there).</param>
public sealed record FactorSummary(int Layer, long Count, double Min, double Q05, double Q25, double Median, double Q75, double Q95,
    double Max, double Mean, double ShareBelow09, double CorrelationWithDroppedMass, double MeanDroppedMass, double WeightedMean);

/// <summary>Accumulates <see cref="GradientFactor"/>'s k values of one layer without keeping them (real batches hold millions).</summary>
public sealed class FactorDistribution(int layer)
{
    /// <summary>Histogram bins over [0, 1]: quantiles are exact to 1/4000.</summary>
    public const int Bins = 4000;

    readonly double[] histogram = new double[Bins];
    long count, below;
    double sum, min = double.PositiveInfinity, max = double.NegativeInfinity;
    double sumMass, sumMass2, sumK2, sumKMass, sumWeight, sumWeightK;

    public void Add(Tensor k, Tensor droppedMass, Tensor weight)
    {
        if (k.numel() == 0) return;
        using var scope = NewDisposeScope();
        var moments = stack([k.sum(), k.min(), k.max(), (k < 0.9).sum().to(ScalarType.Float64),
            droppedMass.sum(), droppedMass.square().sum(), k.square().sum(), (k * droppedMass).sum(), weight.sum(), (weight * k).sum()]).cpu().data<double>().ToArray();
        // k ≤ 1 holds exactly; rounding may put it an ulp above, which the histogram's range would drop.
        var bins = k.clamp(0, 1).histc(Bins, 0, 1).to(ScalarType.Float64).cpu().data<double>().ToArray();
        for (int i = 0; i < Bins; i++) histogram[i] += bins[i];
        count += k.numel();
        sum += moments[0];
        min = Math.Min(min, moments[1]);
        max = Math.Max(max, moments[2]);
        below += (long)moments[3];
        sumMass += moments[4]; sumMass2 += moments[5]; sumK2 += moments[6]; sumKMass += moments[7];
        sumWeight += moments[8]; sumWeightK += moments[9];
    }

    /// <summary>The q-quantile: linear inside the histogram bin where the cumulative count reaches q·n, within [min, max].</summary>
    public double Quantile(double q)
    {
        if (count == 0) return double.NaN;
        double target = q * count, cumulative = 0;
        for (int i = 0; i < Bins; i++)
        {
            if (histogram[i] > 0 && cumulative + histogram[i] >= target)
                return Math.Clamp((i + (target - cumulative) / histogram[i]) / Bins, min, max);
            cumulative += histogram[i];
        }
        return max;
    }

    public FactorSummary Summary()
    {
        double n = count;
        double covariance = sumKMass / n - sum / n * (sumMass / n);
        double spreadK = Math.Sqrt(Math.Max(0, sumK2 / n - Math.Pow(sum / n, 2)));
        double spreadMass = Math.Sqrt(Math.Max(0, sumMass2 / n - Math.Pow(sumMass / n, 2)));
        return new FactorSummary(layer, count, count == 0 ? double.NaN : min, Quantile(0.05), Quantile(0.25), Quantile(0.5),
            Quantile(0.75), Quantile(0.95), count == 0 ? double.NaN : max, sum / n, below / n,
            covariance / (spreadK * spreadMass), sumMass / n, sumWeightK / sumWeight);
    }
}
