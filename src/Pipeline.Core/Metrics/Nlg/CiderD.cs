namespace Pipeline.Metrics.Nlg;

/// <summary>
/// CIDEr-D as pycocoevalcap computes it (pycocoevalcap/cider/cider_scorer.py) on <see cref="CocoTokenizer"/> output.
/// Each sentence becomes, per order n = 1..4, a vector of tf·idf weights, idf = ln(number of segments) −
/// ln(max(1, number of segments whose references contain the n-gram)) — the document frequencies come from the
/// references of the scored corpus itself. Per reference and order: Σ min(hyp, ref)·ref over the hypothesis'
/// n-grams (the "-D" clipping), divided by both vector norms when neither is zero, times the Gaussian length penalty
/// exp(−δ²/2σ²), σ = 6. A segment's score is the mean over orders of the sum over references, divided by the
/// number of references, ×10; the corpus score is the mean over segments. A surprise kept from the reference: the
/// "length" in δ is the number of bigrams (the code counts the n-grams of index 1), not of words.
/// </summary>
public static class CiderD
{
    const int MaxOrder = 4;
    const double Sigma = 6.0;

    /// <summary>The mean segment score of tokenised (space-joined) hypotheses and references.</summary>
    public static double ScoreTokenized(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        NlgInput.Check(hypotheses.Count, references);
        var hypothesisCounts = hypotheses.Select(Precook).ToList();
        var referenceCounts = references.Select(refs => refs.Select(Precook).ToList()).ToList();

        var documentFrequency = new Dictionary<string, double>();
        foreach (var refs in referenceCounts)
            foreach (var ngram in refs.SelectMany(r => r.SelectMany(order => order.Keys)).Distinct())
                documentFrequency[ngram] = documentFrequency.GetValueOrDefault(ngram) + 1;
        double logSegments = Math.Log(referenceCounts.Count);

        double total = 0;
        for (int s = 0; s < hypotheses.Count; s++)
        {
            var hypothesis = Vector(hypothesisCounts[s], documentFrequency, logSegments);
            var perOrder = new double[MaxOrder];
            foreach (var reference in referenceCounts[s])
            {
                var similarity = Similarity(hypothesis, Vector(reference, documentFrequency, logSegments));
                for (int n = 0; n < MaxOrder; n++) perOrder[n] += similarity[n];
            }
            total += perOrder.Sum() / MaxOrder / referenceCounts[s].Count * 10.0;
        }
        return total / hypotheses.Count;
    }

    /// <summary>Per order (index n − 1), the counts of a sentence's n-grams; words split on whitespace as Python's str.split().</summary>
    static Dictionary<string, int>[] Precook(string sentence)
    {
        var words = PythonText.SplitWhitespace(sentence);
        var counts = new Dictionary<string, int>[MaxOrder];
        for (int k = 1; k <= MaxOrder; k++)
        {
            counts[k - 1] = [];
            for (int i = 0; i + k <= words.Length; i++)
            {
                string ngram = string.Join('\0', words, i, k);
                counts[k - 1][ngram] = counts[k - 1].GetValueOrDefault(ngram) + 1;
            }
        }
        return counts;
    }

    sealed record TfIdf(Dictionary<string, double>[] Weights, double[] Norms, int BigramCount);

    static TfIdf Vector(Dictionary<string, int>[] counts, Dictionary<string, double> documentFrequency, double logSegments)
    {
        var weights = new Dictionary<string, double>[MaxOrder];
        var norms = new double[MaxOrder];
        int bigrams = 0;
        for (int n = 0; n < MaxOrder; n++)
        {
            weights[n] = [];
            foreach (var (ngram, termFrequency) in counts[n])
            {
                double df = Math.Log(Math.Max(1.0, documentFrequency.GetValueOrDefault(ngram)));
                double weight = termFrequency * (logSegments - df);
                weights[n][ngram] = weight;
                norms[n] += weight * weight;
                if (n == 1) bigrams += termFrequency;
            }
            norms[n] = Math.Sqrt(norms[n]);
        }
        return new TfIdf(weights, norms, bigrams);
    }

    static double[] Similarity(TfIdf hypothesis, TfIdf reference)
    {
        double delta = hypothesis.BigramCount - reference.BigramCount;
        double penalty = Math.Exp(-(delta * delta) / (2 * Sigma * Sigma));
        var value = new double[MaxOrder];
        for (int n = 0; n < MaxOrder; n++)
        {
            foreach (var (ngram, weight) in hypothesis.Weights[n])
            {
                double referenceWeight = reference.Weights[n].GetValueOrDefault(ngram);
                value[n] += Math.Min(weight, referenceWeight) * referenceWeight;
            }
            if (hypothesis.Norms[n] != 0 && reference.Norms[n] != 0) value[n] /= hypothesis.Norms[n] * reference.Norms[n];
            value[n] *= penalty;
        }
        return value;
    }
}
