namespace Pipeline.Metrics.Nlg;

/// <summary>
/// N-gram counting as pymteval does it for BLEU and NIST: tokens lower-cased (its case_sensitive=False), an n-gram
/// keyed by its tokens joined with U+0000, and the counts of several references merged by taking each n-gram's
/// largest count in any one of them (the clipping limit).
/// </summary>
static class NgramCounts
{
    const char Separator = '\0';

    public static string[] Lower(IReadOnlyList<string> tokens) => [.. tokens.Select(t => t.ToLowerInvariant())];

    /// <summary>The n-grams of a lower-cased sentence in order (none when it is shorter than n).</summary>
    public static IEnumerable<string> Ngrams(string[] tokens, int n)
    {
        for (int i = 0; i + n <= tokens.Length; i++) yield return string.Join(Separator, tokens, i, n);
    }

    /// <summary>The (n−1)-gram an n-gram extends: its tokens but the last; "" for a unigram.</summary>
    public static string Prefix(string ngram)
    {
        int last = ngram.LastIndexOf(Separator);
        return last < 0 ? "" : ngram[..last];
    }

    public static Dictionary<string, int> Count(string[] tokens, int n)
    {
        var counts = new Dictionary<string, int>();
        foreach (var ngram in Ngrams(tokens, n)) counts[ngram] = counts.GetValueOrDefault(ngram) + 1;
        return counts;
    }

    /// <summary>For each n-gram, its largest count in any one reference.</summary>
    public static Dictionary<string, int> MaxOverReferences(IEnumerable<string[]> references, int n)
    {
        var merged = new Dictionary<string, int>();
        foreach (var reference in references)
            foreach (var (ngram, count) in Count(reference, n))
                merged[ngram] = Math.Max(merged.GetValueOrDefault(ngram), count);
        return merged;
    }
}
