namespace Pipeline.Metrics.Nlg;

/// <summary>
/// ROUGE-L as pycocoevalcap computes it (pycocoevalcap/rouge/rouge.py) on <see cref="CocoTokenizer"/> output: per
/// segment, the longest common subsequence with each reference gives precision LCS/|hypothesis| and recall
/// LCS/|reference|; the largest precision and the largest recall over the references (not necessarily of the same
/// reference) make F = (1 + β²)·P·R / (R + β²·P), β = 1.2; the corpus score is the mean over segments. Tokens are the
/// string split on single spaces, so an empty sentence counts as one empty token.
/// </summary>
public static class RougeL
{
    const double Beta = 1.2;

    /// <summary>The mean segment score of tokenised (space-joined) hypotheses and references.</summary>
    public static double ScoreTokenized(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        NlgInput.Check(hypotheses.Count, references);
        double sum = 0;
        for (int i = 0; i < hypotheses.Count; i++) sum += Segment(hypotheses[i], references[i]);
        return sum / hypotheses.Count;
    }

    public static double Segment(string hypothesis, IReadOnlyList<string> references)
    {
        var candidate = hypothesis.Split(' ');
        double precision = double.MinValue, recall = double.MinValue;
        foreach (var reference in references)
        {
            var tokens = reference.Split(' ');
            int lcs = LongestCommonSubsequence(tokens, candidate);
            precision = Math.Max(precision, lcs / (double)candidate.Length);
            recall = Math.Max(recall, lcs / (double)tokens.Length);
        }
        if (precision == 0 || recall == 0) return 0.0;
        return (1 + Beta * Beta) * precision * recall / (recall + Beta * Beta * precision);
    }

    static int LongestCommonSubsequence(string[] a, string[] b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
                current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
