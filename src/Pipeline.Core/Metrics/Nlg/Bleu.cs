namespace Pipeline.Metrics.Nlg;

/// <summary>
/// Corpus BLEU as e2e-metrics' pymteval computes it (metrics/pymteval.py, <c>BLEUScore</c>; mteval-v13a's
/// definition): mteval tokens, lower-cased; clipped n-gram hits (n = 1..4) and candidate n-gram counts summed over
/// the corpus; the brevity penalty from, per segment, the reference closest in length to the candidate (the
/// shorter one on a tie). Scale 0..1 (e2e-metrics prints it so; ×100 is the usual "BLEU").
/// </summary>
public static class Bleu
{
    public const int MaxOrder = 4;

    // pymteval's floors: a zero hit count becomes 1e-15 and a zero length 1e-9, so BLEU is always defined.
    const double Tiny = 1e-15, Small = 1e-9;

    /// <summary>
    /// One segment's share of corpus BLEU: clipped n-gram hits and candidate n-gram counts per order, and the length
    /// of the reference closest to the candidate. Corpus BLEU is a function of their sums (<see cref="Corpus"/>), so a
    /// paired bootstrap can rescore any resample of segments without tokenising or counting again.
    /// </summary>
    public sealed record SegmentStatistics(double[] Hits, double[] CandidateLengths, double ReferenceLength);

    public static double Score(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references) =>
        Corpus(Segments(hypotheses, references));

    /// <summary>BLEU of already tokenised sentences (lower-cased here).</summary>
    public static double ScoreTokens(IReadOnlyList<IReadOnlyList<string>> hypotheses, IReadOnlyList<IReadOnlyList<IReadOnlyList<string>>> references)
    {
        NlgInput.Check(hypotheses.Count, references);
        return Corpus(hypotheses.Select((h, s) => Segment(h, references[s])));
    }

    /// <summary>The <see cref="SegmentStatistics"/> of each text segment (mteval tokens).</summary>
    public static IReadOnlyList<SegmentStatistics> Segments(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        NlgInput.Check(hypotheses.Count, references);
        return [.. hypotheses.Select((h, s) => Segment(MtevalTokenizer.Tokenize(h), [.. references[s].Select(MtevalTokenizer.Tokenize)]))];
    }

    /// <summary>One tokenised segment's statistics (lower-cased here).</summary>
    public static SegmentStatistics Segment(IReadOnlyList<string> hypothesisTokens, IReadOnlyList<IReadOnlyList<string>> referenceTokens)
    {
        var hypothesis = NgramCounts.Lower(hypothesisTokens);
        var refs = referenceTokens.Select(NgramCounts.Lower).ToList();
        var hits = new double[MaxOrder];
        var candidateLengths = new double[MaxOrder];
        for (int i = 0; i < MaxOrder; i++)
        {
            var merged = NgramCounts.MaxOverReferences(refs, i + 1);
            foreach (var (ngram, count) in NgramCounts.Count(hypothesis, i + 1))
                hits[i] += Math.Min(merged.GetValueOrDefault(ngram), count);
            // len − i, negative for a sentence shorter than the order: pymteval (and mteval) count it so.
            candidateLengths[i] = hypothesis.Length - i;
        }
        return new SegmentStatistics(hits, candidateLengths, refs.MinBy(r => (Math.Abs(r.Length - hypothesis.Length), r.Length))!.Length);
    }

    /// <summary>Corpus BLEU of segments: their statistics summed, then pymteval's brevity penalty and geometric mean.</summary>
    public static double Corpus(IEnumerable<SegmentStatistics> segments)
    {
        var hits = new double[MaxOrder];
        var candidateLengths = new double[MaxOrder];
        double referenceLength = 0;
        foreach (var segment in segments)
        {
            for (int i = 0; i < MaxOrder; i++)
            {
                hits[i] += segment.Hits[i];
                candidateLengths[i] += segment.CandidateLengths[i];
            }
            referenceLength += segment.ReferenceLength;
        }

        double brevity = 1.0;
        if (candidateLengths[0] <= referenceLength)
            brevity = Math.Exp(1.0 - referenceLength / (candidateLengths[0] != 0 ? candidateLengths[0] : 1e-5));
        double logSum = 0;
        for (int i = 0; i < MaxOrder; i++)
            logSum += Math.Log(Math.Max(hits[i], Tiny) / Math.Max(candidateLengths[i], Small));
        return brevity * Math.Exp(1.0 / MaxOrder * logSum);
    }
}
