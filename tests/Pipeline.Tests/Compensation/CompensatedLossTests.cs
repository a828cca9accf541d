using Pipeline.Compensation;
using Pipeline.Dropout;
using static TorchSharp.torch;

namespace Pipeline.Tests.Compensation;

/// <summary>The compensation is part of the step: passes, gradients and the parts of the loss.</summary>
public class CompensatedLossTests
{
    static readonly Tensor Labels = TinyModels.Labels(0, 1, 1, 0);

    static StepLoss Step(DropoutPlan plan, int labels = 2)
    {
        var model = TinyModels.Classifier(labels: labels);
        manual_seed(21);
        var y = labels == 1 ? tensor(new[] { 0.1f, 0.9f, 0.4f, 0.2f }) : Labels;
        return CompensatedLoss.Compute(model, TinyModels.Task(labels), TinyModels.Batch(), y, plan);
    }

    [Fact]
    public void KL_of_two_passes_without_dropout_is_exactly_zero()
    {
        var step = Step(Presets.HiddenKey(0, 0, klWeight: 1));
        Assert.Equal(0.0, step.Consistency!.item<float>());
        Assert.Equal(step.Task.item<float>(), step.Total.item<float>());
    }

    [Theory]
    [InlineData(KlBranches.OneWithGradient)]
    [InlineData(KlBranches.Both)]
    public void HiddenKey_adds_a_positive_KL_that_carries_gradient(KlBranches branches)
    {
        var step = Step(Presets.HiddenKeyMinus(0.3, 0.3).With(new BidirectionalKl(2.0, branches)));
        Assert.True(step.Consistency!.item<float>() > 0);
        Assert.True(step.Total.requires_grad);
    }

    [Fact]
    public void The_weight_scales_the_consistency_term()
    {
        var one = Step(Presets.HiddenKey(0.3, 0.3, klWeight: 1)).Consistency!.item<float>();
        var five = Step(Presets.HiddenKey(0.3, 0.3, klWeight: 5)).Consistency!.item<float>();
        Assert.Equal(5 * one, five, 4);
    }

    [Fact]
    public void Summing_over_the_batch_multiplies_the_consistency_by_the_batch_size()
    {
        // Same seed, same masks: R-Drop's sum over the 4 examples is 4 × the batch mean, so α means 4 × as much.
        var mean = Step(Presets.HiddenKey(0.3, 0.3)).Consistency!.item<float>();
        var sum = Step(Presets.HiddenKeyMinus(0.3, 0.3).With(new BidirectionalKl(1, Reduction: DivergenceReduction.Sum))).Consistency!.item<float>();
        Assert.Equal(4 * mean, sum, 4);
    }

    [Fact]
    public void JS_to_inference_leaves_the_model_in_training_mode()
    {
        var model = TinyModels.Classifier();
        var step = CompensatedLoss.Compute(model, TinyModels.Task(), TinyModels.Batch(), Labels, Presets.HiddenKeyMinus(0.3, 0.3).With(new JsToInference(1)));
        Assert.True(model.training);
        Assert.True(step.Consistency!.item<float>() > 0);
    }

    [Fact]
    public void HiddenCut_JS_sums_the_task_losses_of_both_passes()
    {
        var step = Step(Presets.HiddenCut(0.3).With(new HiddenCutJs(1)));
        var single = Step(Presets.HiddenCut(0.3)).Task.item<float>();
        Assert.True(step.Task.item<float>() > single, "CE(uncut) + CE(cut) exceeds one CE");
        Assert.True(step.Consistency!.item<float>() > 0);
    }

    [Fact]
    public void Regression_uses_MSE_for_the_task_and_the_pooled_representations()
    {
        var step = Step(Presets.HiddenKey(0.3, 0.3), labels: 1);
        Assert.True(step.Task.item<float>() > 0);
        Assert.True(step.Consistency!.item<float>() > 0);
        Assert.Equal(new long[] { 4, 1 }, step.Output.Logits.shape);
    }

    [Fact]
    public void Backward_reaches_the_adapters_and_head_only()
    {
        var model = TinyModels.Classifier(lora: new Pipeline.Lora.LoraOptions(Rank: 2));
        model.FreezeForLora();
        using (no_grad())
            foreach (var adapter in Pipeline.Lora.LoraParameters.Adapters(model)) adapter.B.weight!.normal_(0, 0.1);
        var step = CompensatedLoss.Compute(model, TinyModels.Task(), TinyModels.Batch(), Labels, Presets.HiddenKey(0.2, 0.2));
        step.Total.backward();

        foreach (var (name, parameter) in model.named_parameters())
        {
            bool trainable = name.Contains(".lora_") || name.StartsWith("classifier.");
            Assert.Equal(trainable, parameter.grad is not null && parameter.grad.abs().sum().item<float>() > 0);
        }
    }
}

/// <summary>bf16 frozen weights with fp32 adapters, head and loss (the GPU setting), exercised on the CPU.</summary>
public class MixedPrecisionTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_HiddenKey_step_in_bf16_is_finite_and_trains_fp32_adapters(int labels)
    {
        var model = TinyModels.Classifier(labels: labels, lora: new Pipeline.Lora.LoraOptions(Rank: 2));
        model.UsePrecision(Pipeline.Models.Precision.BFloat16);
        model.FreezeForLora();
        var y = labels == 1 ? tensor(new[] { 0.1f, 0.9f, 0.4f, 0.2f }) : TinyModels.Labels(0, 1, 1, 0);

        var step = CompensatedLoss.Compute(model, TinyModels.Task(labels), TinyModels.Batch(), y, Presets.HiddenKey(0.3, 0.3));
        step.Total.backward();

        Assert.Equal(ScalarType.Float32, step.Total.dtype);
        Assert.True(double.IsFinite(step.Total.item<float>()));
        foreach (var (name, parameter) in model.named_parameters())
        {
            bool trainable = name.Contains(".lora_") || name.StartsWith("classifier.");
            Assert.Equal(trainable ? ScalarType.Float32 : ScalarType.BFloat16, parameter.dtype);
            Assert.Equal(trainable, parameter.requires_grad);
            if (trainable) Assert.False(parameter.grad!.isnan().any().item<bool>(), name);
        }
    }
}
