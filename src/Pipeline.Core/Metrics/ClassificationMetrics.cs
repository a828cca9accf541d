namespace Pipeline.Metrics;

/// <summary>
/// Scores of predicted class indices against gold class indices (0 … K−1), in plain double arithmetic.
/// Degenerate cases follow scikit-learn's choices (zero_division = 0), so numbers compare with the papers':
/// a score whose denominator is zero is 0, not NaN — a NaN would also poison best-epoch selection.
/// Empty or mismatched inputs are errors: a score of nothing means the evaluation loop is broken.
/// </summary>
public static class ClassificationMetrics
{
    /// <summary>Fraction of positions where prediction equals gold.</summary>
    public static double Accuracy(IReadOnlyList<int> predicted, IReadOnlyList<int> gold)
    {
        Check(predicted, gold);
        int correct = 0;
        for (int i = 0; i < gold.Count; i++) if (predicted[i] == gold[i]) correct++;
        return (double)correct / gold.Count;
    }

    /// <summary>
    /// F1 of one class (default: class 1, the "positive" class of a binary task) = 2·TP / (2·TP + FP + FN).
    /// 0 when the class occurs in neither predictions nor gold (TP = FP = FN = 0).
    /// </summary>
    public static double F1(IReadOnlyList<int> predicted, IReadOnlyList<int> gold, int positive = 1)
    {
        Check(predicted, gold);
        return F1Of(predicted, gold, positive);
    }

    /// <summary>
    /// Unweighted mean of the per-class F1 over the classes present in gold or predictions (scikit-learn's
    /// average="macro"): a class missing from a small dev set does not count as a 0.
    /// </summary>
    public static double MacroF1(IReadOnlyList<int> predicted, IReadOnlyList<int> gold)
    {
        Check(predicted, gold);
        var classes = gold.Concat(predicted).Distinct().ToList();
        return classes.Average(c => F1Of(predicted, gold, c));
    }

    /// <summary>
    /// Matthews correlation coefficient, multiclass form (Gorodkin 2004, scikit-learn's matthews_corrcoef).
    /// With c = correct predictions, s = examples, p_k = predicted count and t_k = gold count of class k:
    /// MCC = (c·s − Σ p_k·t_k) / √((s² − Σ p_k²)(s² − Σ t_k²)).
    /// For two classes this is the usual (TP·TN − FP·FN) / √((TP+FP)(TP+FN)(TN+FP)(TN+FN)).
    /// 0 when either factor under the root is 0 (all predictions, or all gold labels, are one class).
    /// </summary>
    public static double MatthewsCorrelation(IReadOnlyList<int> predicted, IReadOnlyList<int> gold)
    {
        Check(predicted, gold);
        var predictedCount = new Dictionary<int, double>();
        var goldCount = new Dictionary<int, double>();
        double correct = 0, s = gold.Count;
        for (int i = 0; i < gold.Count; i++)
        {
            predictedCount[predicted[i]] = predictedCount.GetValueOrDefault(predicted[i]) + 1;
            goldCount[gold[i]] = goldCount.GetValueOrDefault(gold[i]) + 1;
            if (predicted[i] == gold[i]) correct++;
        }
        double pt = predictedCount.Sum(p => p.Value * goldCount.GetValueOrDefault(p.Key));
        double pp = predictedCount.Values.Sum(p => p * p);
        double tt = goldCount.Values.Sum(t => t * t);
        double denominator = Math.Sqrt((s * s - pp) * (s * s - tt));
        return denominator == 0 ? 0 : (correct * s - pt) / denominator;
    }

    static double F1Of(IReadOnlyList<int> predicted, IReadOnlyList<int> gold, int positive)
    {
        int tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < gold.Count; i++)
        {
            bool p = predicted[i] == positive, g = gold[i] == positive;
            if (p && g) tp++;
            else if (p) fp++;
            else if (g) fn++;
        }
        int denominator = 2 * tp + fp + fn;
        return denominator == 0 ? 0 : 2.0 * tp / denominator;
    }

    static void Check(IReadOnlyList<int> predicted, IReadOnlyList<int> gold)
    {
        if (predicted.Count != gold.Count) throw new ArgumentException($"{predicted.Count} predictions for {gold.Count} gold labels; they must pair up");
        if (gold.Count == 0) throw new ArgumentException("no examples to score: predictions and gold labels are empty");
    }
}
