using Pipeline.Metrics.Nlg;

namespace Pipeline.Tests.Metrics.Nlg;

/// <summary>
/// Each metric on <see cref="NlgTestData"/> against the number its reference implementation gives for the same
/// files, computed once with that code run locally (its numbers only are kept here):
/// BLEU, NIST — tuetschek/e2e-metrics 1b9c4d87fd0bbb171ea966741cdc012588581ed4, metrics/pymteval.py, called as
/// measure_scores.py -p calls it (run_pymteval); ROUGE-L, CIDEr — the same commit's pycocoevalcap Rouge and Cider on
/// the output of its PTBTokenizer wrapper, with the Stanford PTBTokenizer of CoreNLP v3.4.1 compiled from
/// stanfordnlp/CoreNLP's tag v3.4.1; TER — mjpost/sacrebleu f615c7286d4d813370efb824d94fc2bfcd3a6b94,
/// sacrebleu.metrics.ter.TER() with default options (reported ×100 there; a fraction here).
/// </summary>
public class NlgReferenceScoreTests
{
    const double Tolerance = 1e-6;

    [Fact]
    public void Bleu_equals_e2e_metrics_pymteval() =>
        Assert.Equal(0.4214083307712978, Bleu.Score(NlgTestData.Hypotheses, NlgTestData.References), Tolerance);

    [Fact]
    public void Nist_equals_e2e_metrics_pymteval() =>
        Assert.Equal(5.087230345510872, Nist.Score(NlgTestData.Hypotheses, NlgTestData.References), Tolerance);

    [Fact]
    public void RougeL_equals_pycocoevalcap_on_PTB_tokens() =>
        Assert.Equal(0.6480191376743084, Score(NlgScorer.RougeLName), Tolerance);

    [Fact]
    public void CiderD_equals_pycocoevalcap_on_PTB_tokens() =>
        Assert.Equal(3.2379828892667724, Score(NlgScorer.CiderName), Tolerance);

    [Fact]
    public void Ter_equals_sacrebleu_tercom_72_edits_over_118_reference_words() =>
        Assert.Equal(72.0 / 118.0, Ter.Score(NlgTestData.Hypotheses, NlgTestData.References), Tolerance);

    [Fact]
    public void Ter_counts_a_shift_of_a_word_sequence_as_one_edit()
    {
        // "Burger King near" → move "near" before "Burger King": one shift, no other edit.
        Assert.Equal((1L, 5), Ter.Edits(["a", "shop", "Burger", "King", "near"], ["a", "shop", "near", "Burger", "King"]));
        Assert.Equal((0L, 3), Ter.Edits(["x", "y", "z"], ["x", "y", "z"]));
        Assert.Equal((2L, 0), Ter.Edits(["x", "y"], []));
    }

    [Fact]
    public void RougeL_takes_the_best_precision_and_the_best_recall_over_references_separately()
    {
        // Against "a b" precision 2/4, recall 1; against "a b c d e f g h" precision 1, recall 4/8: P = 1, R = 1 → F = 1.
        Assert.Equal(1.0, RougeL.Segment("a b c d", ["a b", "a b c d e f g h"]), 12);
        Assert.Equal(0.0, RougeL.Segment("x", ["a b"]));
    }

    [Fact]
    public void Bleu_counts_an_empty_sentence_as_one_empty_token_as_pymteval_does()
    {
        Assert.Equal([""], MtevalTokenizer.Tokenize(""));
        Assert.Equal(["a", "3.5", "-", "stars", ",", "£20", "-", "25", "(", "ok", ")", "."], MtevalTokenizer.Tokenize("a 3.5-stars, £20-25 (ok)."));
    }

    static double Score(string name) => NlgScorer.Score(NlgTestData.Hypotheses, NlgTestData.References, [name])[name];
}
