namespace Pipeline.Metrics.Nlg;

/// <summary>The one check every metric makes: a reference list per hypothesis, none of them empty.</summary>
static class NlgInput
{
    public static void Check<T>(int hypotheses, IReadOnlyList<IReadOnlyList<T>> references)
    {
        if (hypotheses != references.Count)
            throw new ArgumentException($"{hypotheses} hypotheses but {references.Count} reference lists; each hypothesis needs its own list of references");
        if (hypotheses == 0) throw new ArgumentException("no hypotheses to score");
        for (int i = 0; i < references.Count; i++)
            if (references[i].Count == 0) throw new ArgumentException($"hypothesis {i + 1} has no reference; each needs at least one");
    }
}
