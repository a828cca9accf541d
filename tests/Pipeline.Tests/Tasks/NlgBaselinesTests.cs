using Pipeline.Data;
using Pipeline.Experiments;
using Pipeline.Tasks;

namespace Pipeline.Tests.Tasks;

public class NlgBaselinesTests
{
    static Example Example(string prompt, string target) => new(prompt, null, new TextTarget(target));

    [Fact]
    public void Copying_the_input_drops_the_cue_line_and_keeps_a_prompt_without_one()
    {
        var copies = NlgBaselines.CopyInput([Example("name[Tackle], type[Normal]\nText:", " x"), Example("just a prompt", " y"), Example("a\nb: c", " z")]);
        Assert.Equal(["name[Tackle], type[Normal]", "just a prompt", "a\nb: c"], copies);
    }

    [Fact]
    public void Nearest_neighbour_returns_the_target_of_the_most_similar_training_prompt_with_rare_words_weighing_more()
    {
        Example[] train =
        [
            Example("name[Ember], type[Fire], effect[burn]\nText:", " 10% chance to burn the target."),
            Example("name[Bubble], type[Water], effect[speed drop]\nText:", " 10% chance to lower the target's Speed by 1."),
            Example("name[Tackle], type[Normal]\nText:", " No additional effect."),
        ];
        // The first query shares 'normal' with Tackle and 'effect', 'burn' with Ember; name and type occur in every
        // prompt (lowest idf) and 'sizzle' in none, so Ember is nearest. Surf shares only 'water' beyond them: Bubble.
        var found = NlgBaselines.NearestNeighbour(train, [Example("name[Sizzle], type[Normal], effect[burn]\nText:", " ?"),
            Example("name[Surf], type[Water]\nText:", " ?")]);
        Assert.Equal(["10% chance to burn the target.", "10% chance to lower the target's Speed by 1."], found);
        Assert.Throws<ArgumentException>(() => NlgBaselines.NearestNeighbour([], train));
    }

    [Fact]
    public void Unwritten_training_values_come_from_the_tasks_recipe_and_written_ones_stay()
    {
        var resolved = new TrainingOptions(LearningRate: 1e-3).Resolved(TrainingRecipe.Nlg);
        Assert.Equal((1e-3, 0.01, 0.1), (resolved.LearningRate, resolved.WeightDecay, resolved.LabelSmoothing));
        resolved = new TrainingOptions(WeightDecay: 0, LabelSmoothing: 0).Resolved(TrainingRecipe.Nlg);
        Assert.Equal((2e-4, 0.0, 0.0), (resolved.LearningRate, resolved.WeightDecay, resolved.LabelSmoothing));
        Assert.Equal(TrainingRecipe.Nlg, new CausalLmTask().Recipe);
        Assert.Equal(TrainingRecipe.Nlu, new ClassificationTask(["a", "b"], Pipeline.Metrics.TaskMetric.Accuracy).Recipe);
    }

    [Fact]
    public void The_default_decoding_is_the_papers_beam_search_and_one_beam_is_greedy()
    {
        var task = new CausalLmTask();
        Assert.Equal("bleu", task.Primary.Name);
        Assert.True(task.SelectsOnGeneratedText);
        var options = task.Decoding.ToGenerationOptions();
        Assert.Equal((Pipeline.Generation.DecodingStrategy.Beam, 10, 0.9, 4), (options.Strategy, options.NumBeams, options.LengthPenalty, options.NoRepeatNgramSize));
        Assert.Equal(Pipeline.Generation.DecodingStrategy.Greedy, new DecodingOptions(NumBeams: 1).ToGenerationOptions().Strategy);
        Assert.False(new CausalLmTask(Pipeline.Metrics.TaskMetric.Perplexity).SelectsOnGeneratedText);
        var e = Assert.Throws<ArgumentException>(() => new CausalLmTask(Pipeline.Metrics.TaskMetric.Meteor, scoring: new Pipeline.Metrics.Nlg.NlgOptions()));
        Assert.Contains("PIPELINE_METEOR_JAR", e.Message);
    }

    [Fact]
    public void Examples_with_a_subset_are_scored_again_per_subset_as_the_papers_seen_and_unseen_columns()
    {
        var task = new CausalLmTask();
        Target[] gold =
        [
            new TextTarget(" a b c d e") { Subset = TextTarget.Seen },
            new TextTarget(" f g h i j") { Subset = TextTarget.Unseen },
            new TextTarget(" k l m n o") { Subset = TextTarget.Seen },
        ];
        string[] generated = ["a b c d e", "x y z", "k l m n o"];
        var scores = task.ScoreTexts(generated, gold);
        Assert.Equal(1.0, scores["seen/bleu"], 9);        // both seen texts are exact
        Assert.Equal(0.0, scores["unseen/bleu"], 9);      // nothing of the unseen one is
        Assert.InRange(scores["bleu"], 0.01, 0.99);
        Assert.Equal(scores["ter"], task.ScoreTexts(generated, [.. gold.Select(g => ((TextTarget)g) with { Subset = null })])["ter"], 12);
        Assert.DoesNotContain(scores.Keys, k => k.StartsWith("meteor") || k.Contains("/meteor"));
    }
}
