namespace Pipeline.Metrics.Nlg;

/// <summary>
/// Corpus NIST as e2e-metrics' pymteval computes it (metrics/pymteval.py, <c>NISTScore</c>): mteval tokens,
/// lower-cased, n = 1..5. An n-gram's information is log2(count of its (n−1)-gram prefix / count of the n-gram),
/// both counted over all references of the corpus (the prefix of a unigram is the empty 0-gram, counted as the
/// total reference length); the clipped hits' information summed per order over the corpus, divided by the
/// order's candidate n-gram count, summed over orders, times the length penalty
/// exp(−β·ln²(candidate length / Σ mean reference length per segment)) below ratio 1, β = −ln 0.5 / ln² 1.5.
/// </summary>
public static class Nist
{
    public const int MaxOrder = 5;

    static readonly double Beta = -Math.Log(0.5) / (Math.Log(1.5) * Math.Log(1.5));

    public static double Score(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references) =>
        ScoreTokens(
            [.. hypotheses.Select(h => (IReadOnlyList<string>)MtevalTokenizer.Tokenize(h))],
            [.. references.Select(r => (IReadOnlyList<IReadOnlyList<string>>)[.. r.Select(MtevalTokenizer.Tokenize)])]);

    /// <summary>NIST of already tokenised sentences (lower-cased here).</summary>
    public static double ScoreTokens(IReadOnlyList<IReadOnlyList<string>> hypotheses, IReadOnlyList<IReadOnlyList<IReadOnlyList<string>>> references)
    {
        NlgInput.Check(hypotheses.Count, references);
        // referenceCounts[n][ngram]: occurrences in all references; [0][""]: the total reference length.
        var referenceCounts = Enumerable.Range(0, MaxOrder + 1).Select(_ => new Dictionary<string, double>()).ToArray();
        var hitsPerSegment = Enumerable.Range(0, MaxOrder).Select(_ => new List<Dictionary<string, int>>()).ToArray();
        var candidateLengths = new double[MaxOrder];
        double meanReferenceLengths = 0;
        for (int s = 0; s < hypotheses.Count; s++)
        {
            var hypothesis = NgramCounts.Lower(hypotheses[s]);
            var refs = references[s].Select(NgramCounts.Lower).ToList();
            for (int n = 0; n < MaxOrder; n++)
            {
                candidateLengths[n] += hypothesis.Length - n;
                var merged = NgramCounts.MaxOverReferences(refs, n + 1);
                var hits = new Dictionary<string, int>();
                foreach (var (ngram, count) in NgramCounts.Count(hypothesis, n + 1))
                {
                    int hit = Math.Min(count, merged.GetValueOrDefault(ngram));
                    if (hit > 0) hits[ngram] = hit;
                }
                hitsPerSegment[n].Add(hits);
                foreach (var reference in refs)
                    foreach (var ngram in NgramCounts.Ngrams(reference, n + 1))
                        referenceCounts[n + 1][ngram] = referenceCounts[n + 1].GetValueOrDefault(ngram) + 1;
            }
            double referenceLengthSum = refs.Sum(r => r.Length);
            referenceCounts[0][""] = referenceCounts[0].GetValueOrDefault("") + referenceLengthSum;
            meanReferenceLengths += referenceLengthSum / refs.Count;
        }

        double Information(string ngram, int n) =>
            referenceCounts[n].TryGetValue(ngram, out var count)
                ? Math.Log2(referenceCounts[n - 1][NgramCounts.Prefix(ngram)] / count)
                : 0.0;

        double sum = 0;
        for (int n = 0; n < MaxOrder; n++)
        {
            double information = 0;
            foreach (var hits in hitsPerSegment[n])
                information += hits.Sum(h => Information(h.Key, n + 1) * h.Value);
            // pymteval divides by zero here (a corpus whose n-gram count is 0 has no hits of that order): 0.
            if (candidateLengths[n] != 0) sum += information / candidateLengths[n];
        }
        return LengthPenalty(candidateLengths[0], meanReferenceLengths) * sum;
    }

    static double LengthPenalty(double systemLength, double meanReferenceLength)
    {
        double ratio = systemLength / meanReferenceLength;
        if (ratio >= 1) return 1;
        if (ratio <= 0) return 0;
        double log = Math.Log(ratio);
        return Math.Exp(-Beta * log * log);
    }
}
