using Pipeline.Dropout;
using Pipeline.Experiments;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Training;
using static TorchSharp.torch;

namespace Pipeline.Tests.Training;

public class TrainerTests
{
    static readonly EncodedSplit Train = TinyTask.Split(48, seed: 1);
    static readonly EncodedSplit Dev = TinyTask.Split(24, seed: 2);

    static readonly TrainingOptions Options = new(Epochs: 3, BatchSize: 8, LearningRate: 3e-3, WeightDecay: 0.01, WarmupRatio: 0.1);

    static TaskModel LoraModel()
    {
        var model = TinyModels.Classifier(lora: new LoraOptions(Rank: 4, Alpha: 8, Targets: [LoraTarget.Query, LoraTarget.Value, LoraTarget.FfnOut]));
        model.FreezeForLora();
        return model;
    }

    static TrainingResult Fit(TaskModel model, TrainingOptions options, DropoutPlan plan, Checkpoints? checkpoints = null,
        ITrainingObserver? observer = null, CancellationToken cancel = default) =>
        new Trainer(model, TinyTask.Task, plan, options, CPU, observer).Fit(Train, Dev, seed: 5, checkpoints, cancel);

    [Fact]
    public void A_few_HiddenKey_steps_lower_the_loss_on_a_tiny_batch()
    {
        var model = LoraModel();
        var result = Fit(model, Options with { Epochs = 6 }, Presets.HiddenKey(0.1, 0.1));

        Assert.True(result.History[^1].TaskLoss < result.History[0].TaskLoss,
            $"task loss {result.History[0].TaskLoss:F4} → {result.History[^1].TaskLoss:F4}");
        Assert.True(result.History.All(r => r.ConsistencyLoss > 0), "HiddenKey's KL is part of every step");
        Assert.Equal(6, result.History.Count);
        Assert.Equal(6 * 6, result.Final.Step);
    }

    [Fact]
    public void The_best_evaluation_is_chosen_by_the_task_metric()
    {
        var result = Fit(LoraModel(), Options, DropoutPlan.None);
        Assert.Equal(result.History.Max(r => r.Score), result.Best.Score);
        Assert.Equal("accuracy", result.Best.Primary);
        Assert.All(result.BestWeights.Keys, k => Assert.True(k.Contains(".lora_") || k.StartsWith("classifier."), k));
    }

    [Fact]
    public void Resuming_after_an_interruption_in_epoch_2_ends_exactly_like_an_uninterrupted_run()
    {
        using var dir = new TestPaths.TempDir();
        var plan = Presets.HiddenKey(0.1, 0.1);
        var uninterrupted = Fit(LoraModel(), Options, plan);

        // Interrupt a few steps into epoch 2, as a kill would: only the epoch-1 checkpoint exists.
        using var cancel = new CancellationTokenSource();
        var store = new Checkpoints(dir.Path);
        Assert.Throws<OperationCanceledException>(() =>
            Fit(LoraModel(), Options, plan, store, new CancelAt(step: 8, cancel), cancel.Token));
        var resumed = Fit(LoraModel(), Options, plan, new Checkpoints(dir.Path));

        Assert.Equal(uninterrupted.History.Count, resumed.History.Count);
        for (int i = 0; i < resumed.History.Count; i++)
        {
            var (a, b) = (uninterrupted.History[i], resumed.History[i]);
            Assert.Equal(a.Step, b.Step);
            Assert.Equal(a.TrainLoss, b.TrainLoss);
            Assert.Equal(a.DevLoss, b.DevLoss);
            Assert.Equal(a.Score, b.Score);
        }
        foreach (var (name, weight) in uninterrupted.BestWeights)
            Assert.True(TinyModels.Same(weight, resumed.BestWeights[name]), name);
    }

    [Fact]
    public void A_non_finite_loss_stops_cleanly_with_the_last_good_state()
    {
        var model = LoraModel();
        var result = Fit(model, Options, DropoutPlan.None, observer: new PoisonAfterFirstEvaluation(model));

        Assert.Single(result.History);
        Assert.Contains("non-finite loss", result.StopReason);
        Assert.All(result.BestWeights.Values, w => Assert.False(w.isnan().any().item<bool>()));
    }

    [Fact]
    public void Early_stopping_ends_after_the_patience_runs_out()
    {
        var result = Fit(LoraModel(), Options with { Epochs = 10, LearningRate = 0, EarlyStoppingPatience = 2 }, DropoutPlan.None);
        Assert.Equal(3, result.History.Count); // the first evaluation, then two without improvement
        Assert.Contains("early stopping", result.StopReason);
    }

    [Fact]
    public void Evaluation_every_N_steps_adds_evaluations_inside_epochs()
    {
        var result = Fit(LoraModel(), Options with { Epochs = 2, EvalEverySteps = 4 }, DropoutPlan.None);
        Assert.Equal([4, 6, 8, 12], result.History.Select(r => r.Step));
    }

    [Fact]
    public void Epochs_before_eval_from_epoch_train_without_evaluating_and_the_last_epoch_always_evaluates()
    {
        var result = Fit(LoraModel(), Options with { Epochs = 3, EvalEverySteps = 4, EvalFromEpoch = 2 }, DropoutPlan.None);
        Assert.Equal([8, 12, 16, 18], result.History.Select(r => r.Step));
        Assert.Equal([2, 2, 3, 3], result.History.Select(r => r.Epoch));
        // A first evaluating epoch after the last: the last one evaluates, so a run always has a result.
        var late = Fit(LoraModel(), Options with { Epochs = 2, EvalFromEpoch = 5 }, DropoutPlan.None);
        Assert.Equal([2], late.History.Select(r => r.Epoch));
    }

    [Fact]
    public void Gradient_accumulation_of_two_half_batches_equals_one_full_batch()
    {
        var single = new TrainingOptions(Epochs: 1, BatchSize: 48, LearningRate: 1e-2, WarmupRatio: 0, MaxGradNorm: 0);
        var accumulated = single with { BatchSize = 24, GradientAccumulation = 2 };
        var a = Fit(LoraModel(), single, DropoutPlan.None).BestWeights;
        var b = Fit(LoraModel(), accumulated, DropoutPlan.None).BestWeights;
        foreach (var (name, weight) in a)
            Assert.True(weight.allclose(b[name], rtol: 1e-4, atol: 1e-6), name);
    }

    [Fact]
    public void The_schedule_warms_up_linearly_then_decays_to_zero()
    {
        var schedule = new LinearWarmupSchedule(1.0, TotalSteps: 100, WarmupRatio: 0.06);
        Assert.Equal(6, schedule.WarmupSteps);
        Assert.Equal(0.0, schedule.At(0));
        Assert.Equal(0.5, schedule.At(3), 12);
        Assert.Equal(1.0, schedule.At(6), 12);
        Assert.Equal(0.5, schedule.At(53), 12);
        Assert.Equal(0.0, schedule.At(100), 12);
    }

    internal sealed class CancelAt(int step, CancellationTokenSource source) : ITrainingObserver
    {
        public void Stepped(int s, double loss, double learningRate) { if (s == step) source.Cancel(); }
    }

    sealed class PoisonAfterFirstEvaluation(TaskModel model) : ITrainingObserver
    {
        public void Evaluated(EpochRecord record, bool improved)
        {
            using var noGrad = no_grad();
            model.named_parameters().First(p => !p.parameter.requires_grad).parameter.fill_(double.NaN);
        }
    }
}
