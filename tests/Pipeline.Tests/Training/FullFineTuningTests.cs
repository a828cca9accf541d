using Pipeline.Dropout;
using Pipeline.Experiments;
using Pipeline.Models;
using Pipeline.Models.Heads;
using Pipeline.Models.Bert;
using Pipeline.Lora;
using Pipeline.Training;
using static TorchSharp.torch;

namespace Pipeline.Tests.Training;

/// <summary>
/// Full fine-tuning (<c>lora: none</c>), the paper's contrast to LoRA: no adapters, every weight the forward uses
/// trains, weight decay as HF's Trainer applies it, bf16 refused, and a run that resumes exactly.
/// </summary>
public class FullFineTuningTests
{
    static readonly EncodedSplit Train = TinyTask.Split(48, seed: 1);
    static readonly EncodedSplit Dev = TinyTask.Split(24, seed: 2);
    static readonly TrainingOptions Options = new(Epochs: 3, BatchSize: 8, LearningRate: 3e-3, WeightDecay: 0.01, WarmupRatio: 0.1);

    static TaskModel FullModel(HeadKind head = HeadKind.Linear)
    {
        var model = TinyModels.Classifier();
        if (head == HeadKind.Pooler)
            model = new TaskModel(model.Backbone, TaskHead.Create(HeadKind.Pooler, Pooling.Mean, TinyModels.Config.HiddenSize, 2));
        model.TrainEveryWeight();
        return model;
    }

    static Dictionary<string, Tensor> Copy(nn.Module model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    static TrainingResult Fit(TaskModel model, Checkpoints? checkpoints = null, ITrainingObserver? observer = null, CancellationToken cancel = default) =>
        new Trainer(model, TinyTask.Task, Presets.HiddenKey(0.1, 0.1), Options, CPU, observer).Fit(Train, Dev, seed: 5, checkpoints, cancel);

    [Fact]
    public void Every_backbone_and_head_weight_trains_but_a_pooler_the_head_does_not_read()
    {
        var model = FullModel();
        Assert.Empty(LoraParameters.Adapters(model));
        var frozen = model.named_parameters().Where(p => !p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.Equal(["bert.pooler.dense.weight", "bert.pooler.dense.bias"], frozen);

        var counts = model.CountParameters();
        Assert.True(counts.IsFullFineTuning);
        long pooler = TinyModels.Config.HiddenSize * (TinyModels.Config.HiddenSize + 1);
        Assert.Equal(counts.Total - pooler, counts.Trainable);
        Assert.StartsWith($"full fine-tuning, {counts.Trainable:N0} trainable parameters of {counts.Total:N0}", counts.ToString());

        // Under the pooler head (BertForSequenceClassification) the pooler takes part, so it trains too.
        var pooled = FullModel(HeadKind.Pooler);
        Assert.All(pooled.parameters(), p => Assert.True(p.requires_grad));
        Assert.Equal(pooled.CountParameters().Total, pooled.CountParameters().Trainable);
    }

    [Fact]
    public void A_LoRA_model_is_not_counted_as_full_fine_tuning()
    {
        var model = TinyModels.Classifier(lora: new LoraOptions(Rank: 2, Alpha: 4));
        model.FreezeForLora();
        Assert.False(model.CountParameters().IsFullFineTuning);
        Assert.Contains("LoRA", model.CountParameters().ToString());
    }

    [Fact]
    public void Training_changes_every_trainable_weight_and_lowers_the_dev_loss()
    {
        var model = FullModel();
        var before = Copy(model);
        var result = Fit(model);

        Assert.True(result.History[^1].DevLoss < result.History[0].DevLoss,
            $"dev loss {result.History[0].DevLoss:F4} → {result.History[^1].DevLoss:F4}");
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.Equal(trainable.Order(), result.BestWeights.Keys.Order()); // the best weights are all of them
        foreach (var (name, parameter) in model.named_parameters())
        {
            bool changed = !TinyModels.Same(before[name], parameter.detach());
            Assert.True(changed == parameter.requires_grad, $"{name}: changed {changed}, trainable {parameter.requires_grad}");
        }
    }

    [Fact]
    public void Weight_decay_skips_biases_and_LayerNorm_weights_as_HF_Trainer_does()
    {
        // With no gradients an AdamW step is pure decoupled decay: w ← w·(1 − lr·wd) where decay applies.
        var model = FullModel();
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        var before = Copy(model);
        using (var optimizer = new FlatAdamW(trainable.Select(p => p.parameter), weightDecay: 0.5))
            optimizer.Step(learningRate: 0.1);

        // HF Trainer.get_decay_parameter_names: every parameter but LayerNorm weights and biases.
        static bool HfDecays(string name) => !name.EndsWith(".bias", StringComparison.Ordinal) && !name.Contains("LayerNorm", StringComparison.Ordinal);
        Assert.Contains(trainable, p => p.name.Contains("LayerNorm.weight"));
        Assert.Contains(trainable, p => p.name.Contains("word_embeddings")); // embeddings decay, as in HF
        foreach (var (name, parameter) in trainable)
        {
            var expected = HfDecays(name) ? before[name] * (1 - 0.1 * 0.5) : before[name];
            Assert.True(parameter.detach().allclose(expected, rtol: 1e-6, atol: 0), $"{name}: decayed {HfDecays(name)} expected");
            if (HfDecays(name)) Assert.False(TinyModels.Same(before[name], parameter.detach()), name);
        }
    }

    [Fact]
    public void Precision_bfloat16_is_refused_for_full_fine_tuning_and_for_trained_embeddings()
    {
        var error = Assert.Throws<ArgumentException>(() => TinyModels.Classifier().UsePrecision(Precision.BFloat16));
        Assert.Contains("lora: none", error.Message);
        Assert.Contains("use precision float32", error.Message);
        error = Assert.Throws<ArgumentException>(() => TinyModels.Classifier(lora: new LoraOptions(Rank: 2)).UsePrecision(Precision.BFloat16, trainEmbeddings: true));
        Assert.Contains("lora.train_embeddings", error.Message);
        Assert.Contains("use precision float32, or train_embeddings: false", error.Message);
        TinyModels.Classifier(lora: new LoraOptions(Rank: 2)).UsePrecision(Precision.BFloat16); // LoRA keeps its bf16 path
    }

    [Fact]
    public void Resuming_a_full_fine_tuning_run_after_an_interruption_in_epoch_2_ends_exactly_like_an_uninterrupted_one()
    {
        using var dir = new TestPaths.TempDir();
        var uninterrupted = Fit(FullModel());

        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() =>
            Fit(FullModel(), new Checkpoints(dir.Path), new TrainerTests.CancelAt(step: 8, cancel), cancel.Token));
        // The checkpoint holds every trainable weight, the backbone's included.
        string latest = Path.Combine(dir.Path, File.ReadAllText(Path.Combine(dir.Path, "latest")).Trim());
        Assert.True(new FileInfo(Path.Combine(latest, "trainable.bin")).Length > 4 * FullModel().CountParameters().Trainable);

        var resumed = Fit(FullModel(), new Checkpoints(dir.Path));
        Assert.Equal(uninterrupted.History.Count, resumed.History.Count);
        for (int i = 0; i < resumed.History.Count; i++)
        {
            var (a, b) = (uninterrupted.History[i], resumed.History[i]);
            Assert.Equal((a.Step, a.TrainLoss, a.DevLoss, a.Score), (b.Step, b.TrainLoss, b.DevLoss, b.Score));
        }
        foreach (var (name, weight) in uninterrupted.BestWeights)
            Assert.True(TinyModels.Same(weight, resumed.BestWeights[name]), name);
    }
}
