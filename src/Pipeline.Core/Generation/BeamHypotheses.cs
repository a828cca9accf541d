namespace Pipeline.Generation;

/// <summary>
/// The finished hypotheses of one prompt in beam search, at most <c>numBeams</c> of them, the worst dropped first —
/// HF's BeamHypotheses. A hypothesis scores sum(log p) / length^<c>lengthPenalty</c>, length = its generated tokens
/// (the end-of-text token included, the prompt not).
/// </summary>
sealed class BeamHypotheses(int numBeams, double lengthPenalty, bool earlyStopping)
{
    readonly List<(double Score, int[] Tokens, bool EndedWithEos)> beams = [];
    double worst = 1e9;

    public int Count => beams.Count;

    public void Add(int[] tokens, bool endedWithEos, double sumLogProbs, int generatedLength)
    {
        double score = sumLogProbs / Math.Pow(generatedLength, lengthPenalty);
        if (beams.Count < numBeams || score > worst)
        {
            beams.Add((score, tokens, endedWithEos));
            if (beams.Count > numBeams)
            {
                var order = beams.Select((b, i) => (b.Score, i)).Order().ToList();
                beams.RemoveAt(order[0].i);
                worst = order[1].Score;
            }
            else worst = Math.Min(score, worst);
        }
    }

    /// <summary>
    /// HF's is_done: full, and either early stopping, or the best running beam (<paramref name="bestSumLogProbs"/>,
    /// <paramref name="generatedLength"/> tokens) could not beat the worst finished one even if it ended now.
    /// </summary>
    public bool IsDone(double bestSumLogProbs, int generatedLength)
    {
        if (beams.Count < numBeams) return false;
        if (earlyStopping) return true;
        return worst >= bestSumLogProbs / Math.Pow(generatedLength, lengthPenalty);
    }

    /// <summary>The best hypothesis (on equal scores the one added last, as HF's sorted(...).pop()).</summary>
    public (double Score, int[] Tokens, bool EndedWithEos) Best() =>
        beams.Select((b, i) => (b, i)).OrderBy(p => p.b.Score).ThenBy(p => p.i).Last().b;
}
