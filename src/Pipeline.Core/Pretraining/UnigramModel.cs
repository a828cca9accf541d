namespace Pipeline.Pretraining;

/// <summary>
/// The baseline a pretrained decoder must beat: an add-one (Laplace) smoothed unigram model over the whole
/// vocabulary, p(t) = (count(t) + 1) / (N + V), fitted on the training tokens. Its perplexity on held-out tokens is
/// what a model that ignores all context can reach; a decoder that learnt anything from context lies well below it.
/// </summary>
public sealed class UnigramModel
{
    readonly long[] counts;

    UnigramModel(long[] counts, long total)
    {
        this.counts = counts;
        Total = total;
    }

    /// <summary>Training tokens counted (N).</summary>
    public long Total { get; }

    public int VocabSize => counts.Length;

    public static UnigramModel Fit(IEnumerable<int> tokens, int vocabSize)
    {
        if (vocabSize <= 0) throw new ArgumentException($"the vocabulary size must be positive, got {vocabSize}");
        var counts = new long[vocabSize];
        long total = 0;
        foreach (int t in tokens)
        {
            if ((uint)t >= (uint)vocabSize) throw new ArgumentException($"token id {t} lies outside the vocabulary of {vocabSize}");
            counts[t]++;
            total++;
        }
        return new UnigramModel(counts, total);
    }

    /// <summary>ln p(t), add-one smoothed.</summary>
    public double LogProbability(int token) => Math.Log((counts[token] + 1.0) / (Total + VocabSize));

    /// <summary>exp of the mean negative log-probability of <paramref name="tokens"/>.</summary>
    public double Perplexity(IEnumerable<int> tokens)
    {
        double negativeLogLikelihood = 0;
        long n = 0;
        foreach (int t in tokens)
        {
            if ((uint)t >= (uint)VocabSize) throw new ArgumentException($"token id {t} lies outside the vocabulary of {VocabSize}");
            negativeLogLikelihood -= LogProbability(t);
            n++;
        }
        return n == 0 ? throw new ArgumentException("no tokens to score") : Math.Exp(negativeLogLikelihood / n);
    }
}
