namespace Pipeline.Metrics;

/// <summary>
/// Correlations of predicted against gold values (STS-B and other regression tasks), in plain double arithmetic.
/// A constant input (zero variance, including a single example) gives 0: the correlation is undefined (SciPy
/// returns NaN), and a predictor that says the same thing for every input carries no information — 0 says
/// that, while a NaN would poison best-epoch selection and averages. Non-finite values and empty or
/// mismatched inputs are errors (a diverged model must not be scored as if it had an opinion).
/// </summary>
public static class CorrelationMetrics
{
    /// <summary>Mean of (prediction − gold)²: regression's error, where lower is better.</summary>
    public static double MeanSquaredError(IReadOnlyList<double> predicted, IReadOnlyList<double> gold)
    {
        Check(predicted, gold);
        return predicted.Zip(gold, (p, g) => (p - g) * (p - g)).Average();
    }

    /// <summary>Pearson's r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² · Σ(y−ȳ)²), clamped to [−1, 1] against rounding.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        double meanX = x.Average(), meanY = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - meanX, dy = y[i] - meanY;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) return 0;
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    /// <summary>Spearman's ρ = Pearson's r of the ranks, tied values sharing the average of their ranks.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        return Pearson(Ranks(x), Ranks(y));
    }

    /// <summary>1-based ranks; a run of equal values gets the mean of the ranks it spans ([10, 20, 20, 30] → [1, 2.5, 2.5, 4]).</summary>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            double average = (start + end) / 2.0 + 1; // positions start..end hold ranks start+1 .. end+1
            for (int k = start; k <= end; k++) ranks[order[k]] = average;
            start = end + 1;
        }
        return ranks;
    }

    static void Check(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"{x.Count} predictions for {y.Count} gold values; they must pair up");
        if (x.Count == 0) throw new ArgumentException("no examples to score: predictions and gold values are empty");
        for (int i = 0; i < x.Count; i++)
        {
            if (!double.IsFinite(x[i]) || !double.IsFinite(y[i]))
            {
                throw new ArgumentException($"value {i} is not finite (prediction {x[i]}, gold {y[i]}); a NaN or infinite prediction usually means training diverged");
            }
        }
    }
}
