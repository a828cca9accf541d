using Pipeline.Metrics.Nlg;

namespace Pipeline.Tests.Metrics.Nlg;

public class NlgScorerTests
{
    [Fact]
    public void Names_are_in_table_order_and_only_ter_is_lower_is_better()
    {
        Assert.Equal(["bleu", "nist", "meteor", "rouge-l", "cider", "ter"], NlgScorer.Names);
        Assert.Equal([true, true, true, true, true, false], NlgScorer.Names.Select(NlgScorer.HigherIsBetter));
    }

    [Fact]
    public void The_scorer_returns_what_each_metric_class_computes_in_Names_order()
    {
        var scores = NlgScorer.Score(NlgTestData.Hypotheses, NlgTestData.References, ["ter", "bleu", "cider", "nist", "rouge-l"]);
        Assert.Equal(["bleu", "nist", "rouge-l", "cider", "ter"], scores.Keys);
        Assert.Equal(Bleu.Score(NlgTestData.Hypotheses, NlgTestData.References), scores["bleu"]);
        Assert.Equal(Nist.Score(NlgTestData.Hypotheses, NlgTestData.References), scores["nist"]);
        Assert.Equal(Ter.Score(NlgTestData.Hypotheses, NlgTestData.References), scores["ter"]);
    }

    [Fact]
    public void An_unknown_name_or_mismatched_input_is_an_ArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => NlgScorer.Score(["a"], [["a"]], ["bleu", "rouge"]));
        Assert.Contains("'rouge'", e.Message);
        Assert.Contains("rouge-l", e.Message);
        Assert.Contains("2 hypotheses but 1 reference lists", Assert.Throws<ArgumentException>(() => NlgScorer.Score(["a", "b"], [["a"]], ["bleu"])).Message);
        Assert.Contains("hypothesis 1 has no reference", Assert.Throws<ArgumentException>(() => NlgScorer.Score(["a"], [[]], ["bleu"])).Message);
    }

    [Fact]
    public void A_perfect_hypothesis_scores_bleu_1_rouge_1_ter_0()
    {
        string[] h = ["the eagle is a coffee shop near burger king", "zizzi is a cheap pub in the city centre"];
        var scores = NlgScorer.Score(h, [[h[0]], [h[1]]], NlgScorer.Names);
        Assert.Equal(1.0, scores["bleu"], 12);
        Assert.Equal(1.0, scores["rouge-l"], 12);
        Assert.Equal(0.0, scores["ter"]);
    }
}
