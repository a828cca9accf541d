using Pipeline.Compensation;
using Pipeline.Data;
using Pipeline.Dropout;
using Pipeline.Lora;
using Pipeline.Metrics;
using Pipeline.Models;
using Pipeline.Models.Heads;
using Pipeline.Tasks;
using Pipeline.Tests.Training;
using Pipeline.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Compensation;

/// <summary>
/// The compensations' losses checked against formulas written out here, independently of Pipeline's divergence and
/// loss code, through a tiny LoRA model: the gradient the trainer gets, and the predictions each loss compares.
/// </summary>
public class CompensationGradientTests
{
    const double Alpha = 0.7;
    const long MaskSeed = 21;
    static readonly Tensor Labels = TinyModels.Labels(0, 1, 1, 0);

    /// <summary>A tiny LoRA classifier (float64 unless evaluated) with non-zero B, frozen but for the adapters and the head.</summary>
    static TaskModel Model(double loraDropout = 0, bool float64 = true)
    {
        var model = TinyModels.Classifier(lora: new LoraOptions(Rank: 2, Alpha: 4, Dropout: loraDropout), seed: 12);
        if (float64) model.to(ScalarType.Float64);
        model.FreezeForLora();
        using (no_grad())
        {
            manual_seed(6);
            foreach (var adapter in LoraParameters.Adapters(model)) adapter.B.weight!.normal_(0, 0.2);
        }
        return model;
    }

    static double[] TrainableGradients(TaskModel model) =>
        model.named_parameters().Where(p => p.parameter.requires_grad)
            .SelectMany(p => p.parameter.grad!.flatten().data<double>().ToArray()).ToArray();

    /// <summary>Cross-entropy, mean over the batch: −log softmax(z)[y].</summary>
    static Tensor CrossEntropy(Tensor logits, Tensor labels) =>
        -logits.log_softmax(-1).gather(1, labels.unsqueeze(1)).mean();

    /// <summary>½[KL(P‖Q) + KL(Q‖P)] per example, Σ over classes, written out: ½ Σ (p − q)(log p − log q).</summary>
    static Tensor SymmetricKlPerExample(Tensor logitsP, Tensor logitsQ)
    {
        var (logP, logQ) = (logitsP.log_softmax(-1), logitsQ.log_softmax(-1));
        return 0.5 * ((logP.exp() - logQ.exp()) * (logP - logQ)).sum(-1);
    }

    [Theory]
    [InlineData(DivergenceReduction.Mean)]
    [InlineData(DivergenceReduction.Sum)]
    public void One_branch_KL_gradient_is_that_of_CE_of_P1_plus_alpha_SymKL_to_a_stop_gradient_P2_and_two_branches_differ(DivergenceReduction reduction)
    {
        var plan = Presets.HiddenKeyMinus(0.3, 0.3).With(new BidirectionalKl(Alpha, KlBranches.OneWithGradient, reduction));
        var task = TinyModels.Task();

        var model = Model();
        manual_seed(MaskSeed);
        CompensatedLoss.Compute(model, task, TinyModels.Batch(), Labels, plan).Total.backward();
        var pipeline = TrainableGradients(model);

        // The paper's Figure 3, written out: P1 with gradient, then P2 with fresh masks, detached.
        model = Model();
        manual_seed(MaskSeed);
        var p1 = model.Forward(TinyModels.Batch(), plan).Logits;
        var p2 = model.Forward(TinyModels.Batch(), plan).Logits.detach();
        var kl = SymmetricKlPerExample(p1, p2);
        (CrossEntropy(p1, Labels) + Alpha * (reduction == DivergenceReduction.Mean ? kl.mean() : kl.sum())).backward();
        var independent = TrainableGradients(model);

        Assert.Equal(independent.Length, pipeline.Length);
        Assert.Contains(independent, g => Math.Abs(g) > 1e-4);
        Assert.Equal(independent, pipeline, (a, b) => Math.Abs(a - b) <= 1e-12 + 1e-9 * Math.Abs(a));

        // R-Drop's both branches back-propagate through P2 as well (and average the task loss): another gradient.
        model = Model();
        manual_seed(MaskSeed);
        CompensatedLoss.Compute(model, task, TinyModels.Batch(), Labels, plan.With(new BidirectionalKl(Alpha, KlBranches.Both, reduction))).Total.backward();
        var both = TrainableGradients(model);
        Assert.True(both.Zip(independent).Max(p => Math.Abs(p.First - p.Second)) > 1e-6, "the two-branch gradient must differ");
    }

    [Fact]
    public void Eq_12s_P_is_the_evaluation_output()
    {
        // lora_dropout > 0: a training-mode pass without a plan still drops, so only an eval-mode P equals evaluation's logits.
        var model = Model(loraDropout: 0.3, float64: false); // Evaluation reads float32 losses
        var task = TinyTask.Task;
        var split = TinyTask.Split(6, seed: 4);
        var batch = split.Batch(Enumerable.Range(0, split.Count).ToArray(), task, CPU);
        var recorder = new ReferenceRecorder(task);

        manual_seed(MaskSeed);
        CompensatedLoss.Compute(model, recorder, batch.Inputs, batch.Targets, Presets.HiddenKeyMinus(0.3, 0.3).With(new JsToInference(Alpha)));
        Assert.True(model.training);
        var p = Assert.Single(recorder.References);

        var evaluation = Evaluation.Predict(model, task, split, batchSize: split.Count, CPU);
        var evaluationLogits = tensor(evaluation.Outputs.SelectMany(row => row).ToArray()).view(split.Count, -1);
        Assert.True(TinyModels.Same(p, evaluationLogits), "Eq. 12's P is what evaluation predicts, bit for bit");

        Tensor trainModeWithoutPlan;
        using (no_grad()) trainModeWithoutPlan = model.Forward(batch.Inputs).Logits;
        Assert.False(p.allclose(trainModeWithoutPlan, rtol: 1e-6, atol: 1e-7), "a training-mode pass (LoRA dropout on) is not P");
    }

    /// <summary>A classification task that records the reference predictions its divergences are asked to compare to.</summary>
    sealed class ReferenceRecorder(ClassificationTask inner) : FineTuningTask
    {
        public List<Tensor> References { get; } = [];

        public override TaskMetric Primary => inner.Primary;
        public override IReadOnlyList<TaskMetric> Metrics => inner.Metrics;
        public override TaskHead CreateHead(HeadKind kind, Pooling pooling, long hiddenSize) => inner.CreateHead(kind, pooling, hiddenSize);
        public override Tensor Targets(IReadOnlyList<EncodedExample> examples, long length, Device device) => inner.Targets(examples, length, device);
        public override Tensor Loss(ModelOutput output, Tensor targets) => inner.Loss(output, targets);
        public override IReadOnlyDictionary<string, double> Evaluate(Predictions predictions) => inner.Evaluate(predictions);

        public override Tensor Divergence(ConsistencyDivergence kind, ModelOutput output, ModelOutput reference, Tensor targets,
            DivergenceReduction reduction = DivergenceReduction.Mean)
        {
            var kept = reference.Logits.detach().clone();
            kept.DetachFromDisposeScope();
            References.Add(kept);
            return inner.Divergence(kind, output, reference, targets, reduction);
        }
    }
}
