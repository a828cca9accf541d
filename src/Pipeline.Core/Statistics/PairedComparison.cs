namespace Pipeline.Statistics;

/// <summary>A difference between two systems with its 95 % confidence interval and two-sided p-value.</summary>
public sealed record BootstrapResult(double Difference, double Low, double High, double PValue, int Resamples, int Examples);

/// <summary>
/// Significance of one system against another on the same examples, as <c>pipeline report</c> states it:
/// <list type="bullet">
/// <item><see cref="Bootstrap"/>: the paired bootstrap over test examples (Koehn 2004; Berg-Kirkpatrick et al. 2012),
/// the examples of every seed pooled, so it asks whether the difference holds beyond these examples;</item>
/// <item><see cref="WilcoxonSignedRank"/> and <see cref="SignTest"/> over seeds, exact, on the per-seed differences:
/// whether it holds beyond these seeds (with 5 seeds the smallest two-sided p either can reach is 2/32 = 0.0625).</item>
/// </list>
/// </summary>
public static class PairedComparison
{
    /// <summary>
    /// Resamples the examples with replacement <paramref name="resamples"/> times (a seeded generator, so the
    /// result is deterministic) and recomputes <paramref name="metric"/> — any metric over a set of examples, given
    /// their indices, e.g. F1 or BLEU, not only means — for system A and system B on the same resampled indices.
    /// The difference is A − B on all examples; the interval is the 2.5th and 97.5th percentiles of the resampled
    /// differences; the two-sided p-value is twice the share of resampled differences on the other side of zero
    /// from the observed one (ties at zero count on both sides), capped at 1.
    /// </summary>
    /// <param name="examples">How many paired examples there are (indices 0 … n−1).</param>
    /// <param name="metricA">A's metric on the examples at the given indices.</param>
    /// <param name="metricB">B's metric on the same indices.</param>
    public static BootstrapResult Bootstrap(int examples, Func<int[], double> metricA, Func<int[], double> metricB,
        int resamples = 10_000, int seed = 1)
    {
        if (examples < 1) throw new ArgumentException("the paired bootstrap needs at least one example", nameof(examples));
        if (resamples < 1) throw new ArgumentException("the paired bootstrap needs at least one resample", nameof(resamples));
        var all = Enumerable.Range(0, examples).ToArray();
        double observed = metricA(all) - metricB(all);

        var random = new Random(seed);
        var differences = new double[resamples];
        var sample = new int[examples];
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < examples; i++) sample[i] = random.Next(examples);
            differences[r] = metricA(sample) - metricB(sample);
        }
        Array.Sort(differences);

        int atMost = differences.Count(d => d <= 0), atLeast = differences.Count(d => d >= 0);
        double other = observed > 0 ? atMost : observed < 0 ? atLeast : Math.Max(atMost, atLeast);
        double p = Math.Min(1, 2 * other / resamples);
        return new BootstrapResult(observed, Percentile(differences, 0.025), Percentile(differences, 0.975), p, resamples, examples);
    }

    /// <summary>
    /// The exact two-sided p-value of Wilcoxon's signed-rank test on paired differences: zero differences dropped
    /// (Wilcoxon's convention), tied magnitudes given their average rank, and the null distribution of the
    /// positive rank sum enumerated for those ranks (so ties are exact too). 1 when no difference is non-zero.
    /// </summary>
    public static double WilcoxonSignedRank(IReadOnlyList<double> differences)
    {
        var nonZero = differences.Where(d => d != 0).ToArray();
        if (nonZero.Length == 0) return 1;
        if (nonZero.Length > 60) throw new ArgumentException($"the exact signed-rank test enumerates 2^n sign patterns' sums; {nonZero.Length} differences is too many");

        // Ranks of |d| with ties averaged, doubled so that every rank is a whole number.
        var order = Enumerable.Range(0, nonZero.Length).OrderBy(i => Math.Abs(nonZero[i])).ToArray();
        var doubledRanks = new int[nonZero.Length];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && Math.Abs(nonZero[order[end + 1]]) == Math.Abs(nonZero[order[start]])) end++;
            for (int k = start; k <= end; k++) doubledRanks[order[k]] = start + end + 2; // 2 × the average of ranks start+1 … end+1
            start = end + 1;
        }

        // counts[s] = the number of sign patterns whose positive doubled-rank sum is s, each pattern equally likely.
        int total = doubledRanks.Sum();
        var counts = new double[total + 1];
        counts[0] = 1;
        foreach (int rank in doubledRanks)
            for (int s = total; s >= rank; s--) counts[s] += counts[s - rank];
        double patterns = Math.Pow(2, doubledRanks.Length);

        int positive = nonZero.Select((d, i) => d > 0 ? doubledRanks[i] : 0).Sum();
        int smaller = Math.Min(positive, total - positive); // the distribution is symmetric about total / 2
        double tail = counts.Take(smaller + 1).Sum() / patterns;
        return Math.Min(1, 2 * tail);
    }

    /// <summary>The exact two-sided sign test: zero differences dropped, the count of positive ones against Binomial(n, ½).</summary>
    public static double SignTest(IReadOnlyList<double> differences)
    {
        int positive = differences.Count(d => d > 0), n = positive + differences.Count(d => d < 0);
        if (n == 0) return 1;
        int smaller = Math.Min(positive, n - positive);
        double tail = 0;
        for (int k = 0; k <= smaller; k++) tail += Binomial(n, k);
        return Math.Min(1, 2 * tail / Math.Pow(2, n));
    }

    static double Binomial(int n, int k)
    {
        double result = 1;
        for (int i = 1; i <= k; i++) result = result * (n - k + i) / i;
        return result;
    }

    /// <summary>Linear interpolation between the closest ranks of sorted values (NumPy's default).</summary>
    static double Percentile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
