namespace Pipeline.Metrics.Nlg;

/// <summary>
/// What e2e-metrics' pycocoevalcap hands METEOR, ROUGE-L and CIDEr (pycocoevalcap/tokenizer/ptbtokenizer.py):
/// the PTB tokens of each sentence, lower-cased, with the punctuation tokens '' ' `` ` . ? ! , : - -- ... ;
/// dropped, joined by single spaces. Brackets survive: the list names -LRB- and -RRB-, but the tokenizer has
/// already lower-cased them to -lrb- and -rrb- (a quirk of the reference, kept).
/// </summary>
public static class CocoTokenizer
{
    static readonly HashSet<string> Punctuation =
        ["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-", "--", "...", ";"];

    /// <summary>The sentences as one batch (pycocoevalcap tokenises the hypotheses, and the references, in one call).</summary>
    public static IReadOnlyList<string> Tokenize(IReadOnlyList<string> sentences) =>
        [.. PtbTokenizer.TokenizeLines(sentences).Take(sentences.Count).Select(tokens => string.Join(' ', tokens.Where(t => !Punctuation.Contains(t))))];
}
