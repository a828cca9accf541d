using Pipeline.Compensation;
using Pipeline.Data;
using Pipeline.Metrics;
using Pipeline.Models;
using Pipeline.Tasks;
using Pipeline.Tests.Training;
using Pipeline.Text;
using Pipeline.Training;
using Pipeline.Experiments;
using static TorchSharp.torch;

namespace Pipeline.Tests.Tasks;

/// <summary>The task seam: what each task decodes, scores and compares, and best-epoch selection in the metric's own direction.</summary>
public class TaskTests
{
    [Fact]
    public void Classification_decodes_by_argmax_and_scores_the_primary_metric_first()
    {
        var task = new ClassificationTask(["neg", "pos"], TaskMetric.Mcc);
        var predicted = task.Decode([[0.1f, 2f], [3f, -1f], [0f, 0.5f]]);
        Assert.Equal([new ClassTarget(1), new ClassTarget(0), new ClassTarget(1)], predicted);
        var scores = task.Score(predicted, [new ClassTarget(1), new ClassTarget(0), new ClassTarget(0)]);
        Assert.Equal(["mcc", "accuracy", "f1"], scores.Keys);
        Assert.Equal(2.0 / 3, scores["accuracy"], 1e-12);
    }

    [Fact]
    public void A_prediction_of_the_wrong_kind_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new RegressionTask().Score([new ClassTarget(1)], [new NumberTarget(1)]));
        Assert.Contains("expected a NumberTarget", e.Message);
    }

    [Fact]
    public void Regression_compares_representations_for_every_divergence()
    {
        TorchSharp.torch.manual_seed(1);
        var a = new ModelOutput(randn(4, 1), randn(4, 8));
        var b = new ModelOutput(randn(4, 1), randn(4, 8));
        double expected = Divergences.RepresentationMse(a.Representation, b.Representation).item<float>();
        foreach (var kind in Enum.GetValues<ConsistencyDivergence>())
            Assert.Equal(expected, new RegressionTask().Divergence(kind, a, b, targets: empty(0)).item<float>(), 1e-7);
    }

    [Fact]
    public void Token_divergences_count_only_the_positions_the_mask_marks()
    {
        TorchSharp.torch.manual_seed(2);
        var p = randn(2, 5, 7);
        var q = randn(2, 5, 7);
        var mask = tensor(new long[,] { { 1, 1, 1, 0, 0 }, { 1, 1, 0, 0, 0 } });
        // Scrambling the masked positions of one side must change nothing.
        var scrambled = q.clone();
        scrambled[0, 3..] = randn(2, 7) * 50;
        scrambled[1, 2..] = randn(3, 7) * 50;
        foreach (var kind in Enum.GetValues<ConsistencyDivergence>())
        {
            double masked = Divergences.Of(kind, p, q, mask).item<float>();
            Assert.Equal(masked, Divergences.Of(kind, p, scrambled, mask).item<float>(), 1e-6);
            // The mean over the five real positions, one by one.
            double byHand = new[] { (0, 0), (0, 1), (0, 2), (1, 0), (1, 1) }
                .Average(t => Divergences.Of(kind, p[t.Item1, t.Item2].unsqueeze(0), q[t.Item1, t.Item2].unsqueeze(0)).item<float>());
            Assert.Equal(byHand, masked, 1e-6);
        }
    }

    [Fact]
    public void Best_epoch_selection_follows_a_metric_where_lower_is_better()
    {
        var random = new Random(4);
        EncodedSplit Split(int count) => new(Enumerable.Range(0, count).Select(i =>
        {
            var ids = Enumerable.Range(0, 6).Select(_ => random.Next(8, 60)).ToArray();
            return new EncodedExample(new TokenizedText(ids, new int[6]), new NumberTarget(ids.Count(id => id < 30) / 6f));
        }).ToList());
        var task = new RegressionTask(TaskMetric.Mse);
        Assert.False(task.Primary.HigherIsBetter);
        var model = TinyModels.Classifier(labels: 1, lora: new Pipeline.Lora.LoraOptions(Rank: 2));
        model.FreezeForLora();

        var result = new Trainer(model, task, Pipeline.Dropout.DropoutPlan.None, new TrainingOptions(Epochs: 4, BatchSize: 8, LearningRate: 1e-2), CPU)
            .Fit(Split(32), Split(16), seed: 1);

        Assert.Equal("mse", result.Best.Primary);
        double lowest = result.History.Min(h => h.Score);
        Assert.Equal(lowest, result.Best.Score);
        Assert.Equal(result.History.First(h => h.Score == lowest).Step, result.Best.Step);
        Assert.True(result.History.Max(h => h.Score) > lowest, "the test needs epochs that differ");
    }
}
