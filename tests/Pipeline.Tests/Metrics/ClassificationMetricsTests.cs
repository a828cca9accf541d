using Pipeline.Metrics;

namespace Pipeline.Tests.Metrics;

public class ClassificationMetricsTests
{
    // Binary: TP = 3 (0–2), FN = 1 (3), FP = 1 (4), TN = 5 (5–9).
    static readonly int[] BinaryGold = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0];
    static readonly int[] BinaryPredicted = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0];

    // Three classes: correct at 0, 2, 3, 4 (c = 4 of s = 6).
    static readonly int[] MultiGold = [0, 0, 1, 1, 2, 2];
    static readonly int[] MultiPredicted = [0, 1, 1, 1, 2, 0];

    [Fact]
    public void Accuracy_is_the_fraction_correct()
    {
        Assert.Equal(0.8, ClassificationMetrics.Accuracy(BinaryPredicted, BinaryGold), 12); // 8 of 10
        Assert.Equal(4.0 / 6, ClassificationMetrics.Accuracy(MultiPredicted, MultiGold), 12);
    }

    [Fact]
    public void Binary_f1_scores_the_positive_class()
    {
        // 2·TP / (2·TP + FP + FN) = 6 / (6 + 1 + 1) = 0.75
        Assert.Equal(0.75, ClassificationMetrics.F1(BinaryPredicted, BinaryGold), 12);
        // Class 0: TP = 5, FP = 1, FN = 1 → 10 / 12
        Assert.Equal(10.0 / 12, ClassificationMetrics.F1(BinaryPredicted, BinaryGold, positive: 0), 12);
    }

    [Fact]
    public void Macro_f1_averages_the_per_class_f1()
    {
        // Class 0: TP 1, FP 1 (index 5), FN 1 (index 1) → 2/4 = 0.5
        // Class 1: TP 2, FP 1 (index 1), FN 0           → 4/5 = 0.8
        // Class 2: TP 1, FP 0, FN 1 (index 5)           → 2/3
        // Mean: (0.5 + 0.8 + 2/3) / 3 = 0.655555…
        Assert.Equal((0.5 + 0.8 + 2.0 / 3) / 3, ClassificationMetrics.MacroF1(MultiPredicted, MultiGold), 12);
    }

    [Fact]
    public void Macro_f1_ignores_a_class_absent_from_gold_and_predictions()
    {
        // Classes 0 and 1 only (a class 2 of the task never appears): both perfectly predicted.
        Assert.Equal(1.0, ClassificationMetrics.MacroF1([0, 1, 1], [0, 1, 1]), 12);
    }

    [Fact]
    public void Binary_mcc_matches_the_confusion_matrix_formula()
    {
        // (TP·TN − FP·FN) / √((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (15 − 1) / √(4·4·6·6) = 14/24
        Assert.Equal(14.0 / 24, ClassificationMetrics.MatthewsCorrelation(BinaryPredicted, BinaryGold), 12);
    }

    [Fact]
    public void Multiclass_mcc_uses_the_gorodkin_form()
    {
        // t = (2, 2, 2), p = (2, 3, 1); Σp·t = 12, Σp² = 14, Σt² = 12, c = 4, s = 6
        // (4·6 − 12) / √((36 − 14)(36 − 12)) = 12 / √528 = 0.52223…
        Assert.Equal(12 / Math.Sqrt(528), ClassificationMetrics.MatthewsCorrelation(MultiPredicted, MultiGold), 12);
    }

    [Fact]
    public void Mcc_is_one_for_perfect_and_minus_one_for_inverted_binary_predictions()
    {
        Assert.Equal(1.0, ClassificationMetrics.MatthewsCorrelation([0, 1, 1, 0], [0, 1, 1, 0]), 12);
        Assert.Equal(-1.0, ClassificationMetrics.MatthewsCorrelation([1, 0, 0, 1], [0, 1, 1, 0]), 12);
    }

    [Fact]
    public void Degenerate_inputs_score_zero_not_nan()
    {
        // Every prediction the same class: s² − Σp² = 0, so MCC is undefined → 0 (scikit-learn's choice).
        Assert.Equal(0.0, ClassificationMetrics.MatthewsCorrelation([1, 1, 1, 1], [0, 1, 0, 1]));
        // Every gold label the same class.
        Assert.Equal(0.0, ClassificationMetrics.MatthewsCorrelation([0, 1, 0, 1], [1, 1, 1, 1]));
        // No positive anywhere: TP = FP = FN = 0 → F1 0.
        Assert.Equal(0.0, ClassificationMetrics.F1([0, 0], [0, 0]));
    }

    [Fact]
    public void Empty_or_mismatched_inputs_are_errors()
    {
        var empty = Assert.Throws<ArgumentException>(() => ClassificationMetrics.Accuracy([], []));
        Assert.Contains("no examples", empty.Message);
        var mismatch = Assert.Throws<ArgumentException>(() => ClassificationMetrics.MatthewsCorrelation([0, 1], [0]));
        Assert.Contains("2 predictions for 1 gold", mismatch.Message);
    }
}
