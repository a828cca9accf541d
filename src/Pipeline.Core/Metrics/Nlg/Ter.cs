namespace Pipeline.Metrics.Nlg;

/// <summary>
/// Translation edit rate, TERCOM's definition (Snover et al. 2006) as sacrebleu's TER reproduces tercom with its
/// default options (sacrebleu/metrics/ter.py, lib_ter.py): sentences lower-cased and split on whitespace; per
/// segment the fewest edits (insertions, deletions, substitutions and shifts of word sequences, each costing 1)
/// against any one reference, and the mean length of all its references; the corpus score is Σ edits / Σ mean
/// reference lengths (1 when every reference is empty and some hypothesis is not, 0 when both are). A fraction,
/// lower is better. Shifts are found greedily as tercom does: repeatedly the shift that lowers the edit distance
/// most (ties: longer, then earlier in the hypothesis, then earlier target), of at most 10 words over at most 50
/// positions, only where both the moved words and their target were wrong, at most 1,000 candidates per segment;
/// the edit distance is computed in a beam of 25 around the length-scaled diagonal.
/// </summary>
public static class Ter
{
    const int MaxShiftSize = 10, MaxShiftDistance = 50, BeamWidth = 25, MaxShiftCandidates = 1000;
    const long Infinity = 10_000_000_000_000_000;
    const char Match = ' ', Substitute = 's', Insert = 'i', Delete = 'd', Undefined = 'x';

    public static double Score(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        NlgInput.Check(hypotheses.Count, references);
        double edits = 0, referenceLength = 0;
        for (int s = 0; s < hypotheses.Count; s++)
        {
            var hypothesis = Words(hypotheses[s]);
            long best = long.MaxValue;
            double lengths = 0;
            foreach (var reference in references[s])
            {
                var (segmentEdits, length) = Edits(hypothesis, Words(reference));
                lengths += length;
                best = Math.Min(best, segmentEdits);
            }
            edits += best;
            referenceLength += lengths / references[s].Count;
        }
        if (referenceLength > 0) return edits / referenceLength;
        return edits > 0 ? 1.0 : 0.0;
    }

    /// <summary>tercom's default normalisation (sacrebleu's TercomTokenizer): lower case, whitespace-separated words.</summary>
    static string[] Words(string sentence) => PythonText.SplitWhitespace(sentence.ToLowerInvariant());

    /// <summary>The number of edits (shifts included) turning the hypothesis into the reference, and the reference's length.</summary>
    public static (long Edits, int ReferenceLength) Edits(string[] hypothesis, string[] reference)
    {
        if (reference.Length == 0) return (hypothesis.Length, 0);
        int shifts = 0, checkedCandidates = 0;
        var words = hypothesis;
        while (true)
        {
            var (gain, shifted) = BestShift(words, reference, ref checkedCandidates);
            if (checkedCandidates >= MaxShiftCandidates || gain <= 0) break;
            shifts++;
            words = shifted;
        }
        return (shifts + EditDistance(words, reference).Cost, reference.Length);
    }

    static (long Gain, string[] Words) BestShift(string[] words, string[] reference, ref int checkedCandidates)
    {
        var (before, inverseTrace) = EditDistance(words, reference);
        // The trace rewrites the hypothesis into the reference; the alignment wants the other direction.
        var trace = inverseTrace.Select(op => op == Insert ? Delete : op == Delete ? Insert : op);
        var (align, referenceWrong, hypothesisWrong) = Alignment(trace);

        (long Gain, int Length, int NegStart, int NegTarget)? best = null;
        string[]? bestWords = null;
        foreach (var (startH, startR, length) in MatchingSpans(words, reference))
        {
            if (!AnyWrong(hypothesisWrong, startH, length) || !AnyWrong(referenceWrong, startR, length)) continue;
            if (startH <= align[startR] && align[startR] < startH + length) continue;   // not within itself
            int previousTarget = -1;
            for (int offset = -1; offset < length; offset++)
            {
                int target;
                if (startR + offset == -1) target = 0;
                else if (align.TryGetValue(startR + offset, out int aligned)) target = aligned + 1;   // before that word
                else break;
                if (target == previousTarget) continue;
                previousTarget = target;
                var shifted = PerformShift(words, startH, length, target);
                var candidate = (before - EditDistance(shifted, reference).Cost, length, -startH, -target);
                checkedCandidates++;
                if (best is null || candidate.CompareTo(best.Value) > 0) { best = candidate; bestWords = shifted; }
            }
            if (checkedCandidates >= MaxShiftCandidates) break;
        }
        return best is null ? (0, words) : (best.Value.Gain, bestWords!);
    }

    static bool AnyWrong(List<int> wrong, int start, int length)
    {
        for (int k = start; k < Math.Min(start + length, wrong.Count); k++) if (wrong[k] != 0) return true;
        return false;
    }

    /// <summary>Every (hypothesis start, reference start, length ≤ 10) where the words agree, starts at most 50 apart.</summary>
    static IEnumerable<(int StartH, int StartR, int Length)> MatchingSpans(string[] h, string[] r)
    {
        for (int startH = 0; startH < h.Length; startH++)
            for (int startR = 0; startR < r.Length; startR++)
            {
                if (Math.Abs(startR - startH) > MaxShiftDistance) continue;
                int length = 0;
                while (h[startH + length] == r[startR + length] && length < MaxShiftSize)
                {
                    length++;
                    yield return (startH, startR, length);
                    if (h.Length == startH + length || r.Length == startR + length) break;
                }
            }
    }

    /// <summary>Reference position → hypothesis position, and which positions of each side are in error.</summary>
    static (Dictionary<int, int> Align, List<int> ReferenceWrong, List<int> HypothesisWrong) Alignment(IEnumerable<char> trace)
    {
        int h = -1, r = -1;
        var align = new Dictionary<int, int>();
        List<int> referenceWrong = [], hypothesisWrong = [];
        foreach (char op in trace)
        {
            switch (op)
            {
                case Match or Substitute:
                    h++; r++;
                    align[r] = h;
                    int wrong = op == Substitute ? 1 : 0;
                    hypothesisWrong.Add(wrong);
                    referenceWrong.Add(wrong);
                    break;
                case Insert:
                    h++;
                    hypothesisWrong.Add(1);
                    break;
                case Delete:
                    r++;
                    align[r] = h;
                    referenceWrong.Add(1);
                    break;
            }
        }
        return (align, referenceWrong, hypothesisWrong);
    }

    /// <summary>The words with words[start .. start+length) moved to stand before index target (of the original).</summary>
    static string[] PerformShift(string[] w, int start, int length, int target)
    {
        IEnumerable<string> Slice(int from, int to) => w.Take(Math.Clamp(to, 0, w.Length)).Skip(Math.Clamp(from, 0, w.Length));
        if (target < start)
            return [.. Slice(0, target), .. Slice(start, start + length), .. Slice(target, start), .. Slice(start + length, w.Length)];
        if (target > start + length)
            return [.. Slice(0, start), .. Slice(start + length, target), .. Slice(start, start + length), .. Slice(target, w.Length)];
        return [.. Slice(0, start), .. Slice(start + length, length + target), .. Slice(start, start + length), .. Slice(length + target, w.Length)];
    }

    /// <summary>
    /// Levenshtein distance in a beam around the diagonal scaled by the length ratio, with its trace (one op per
    /// step: ' ' match, 's', 'i', 'd'). On equal costs match/substitution wins, then deletion, then insertion — the
    /// reverse of tercom's insertion-before-deletion, because the trace is flipped before use.
    /// </summary>
    static (long Cost, string Trace) EditDistance(string[] h, string[] r)
    {
        var dist = new (long Cost, char Op)[h.Length + 1][];
        dist[0] = [.. Enumerable.Range(0, r.Length + 1).Select(j => ((long)j, Insert))];
        for (int i = 1; i <= h.Length; i++) dist[i] = [.. Enumerable.Repeat((Infinity, Undefined), r.Length + 1)];

        double ratio = h.Length > 0 ? (double)r.Length / h.Length : 1;
        int beam = BeamWidth < ratio / 2 ? (int)Math.Ceiling(ratio / 2 + BeamWidth) : BeamWidth;
        for (int i = 1; i <= h.Length; i++)
        {
            int diagonal = (int)Math.Floor(i * ratio);
            int minJ = Math.Max(0, diagonal - beam);
            int maxJ = i == h.Length ? r.Length + 1 : Math.Min(r.Length + 1, diagonal + beam);
            for (int j = minJ; j < maxJ; j++)
            {
                if (j == 0) { dist[i][0] = (dist[i - 1][0].Cost + 1, Delete); continue; }
                bool same = h[i - 1] == r[j - 1];
                Consider(ref dist[i][j], dist[i - 1][j - 1].Cost + (same ? 0 : 1), same ? Match : Substitute);
                Consider(ref dist[i][j], dist[i - 1][j].Cost + 1, Delete);
                Consider(ref dist[i][j], dist[i][j - 1].Cost + 1, Insert);
            }
        }

        var trace = new List<char>();
        for (int i = h.Length, j = r.Length; i > 0 || j > 0;)
        {
            char op = dist[i][j].Op;
            trace.Add(op);
            switch (op)
            {
                case Match or Substitute: i--; j--; break;
                case Insert: j--; break;
                case Delete: i--; break;
                default: throw new InvalidOperationException("TER: the edit-distance beam left the path undefined");
            }
        }
        trace.Reverse();
        return (dist[h.Length][r.Length].Cost, new string([.. trace]));
    }

    static void Consider(ref (long Cost, char Op) cell, long cost, char op)
    {
        if (cell.Cost > cost) cell = (cost, op);
    }
}
