using TorchSharp;
using Pipeline.Lora;
using Pipeline.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Tests.Lora;

public class LoraTests
{
    static readonly LoraOptions QueryValue = new(Rank: 4, Alpha: 8);

    /// <summary>A LoRA model and a plain one holding the same base weights.</summary>
    static (TaskModel Lora, TaskModel Plain) Twins(LoraOptions lora)
    {
        var plain = TinyModels.Classifier(seed: 1);
        var adapted = TinyModels.Classifier(seed: 2, lora: lora);
        var source = plain.state_dict();
        using (no_grad())
            foreach (var (name, parameter) in adapted.named_parameters())
                if (source.TryGetValue(name, out var value)) parameter.copy_(value);
        plain.eval();
        adapted.eval();
        return (adapted, plain);
    }

    static Tensor Logits(TaskModel model) => model.Forward(TinyModels.Batch()).Logits;

    [Fact]
    public void At_initialisation_the_LoRA_model_equals_the_frozen_model()
    {
        var (lora, plain) = Twins(QueryValue);
        Assert.True(TinyModels.Same(Logits(lora), Logits(plain)), "B = 0, so B·A·x adds exactly nothing");
    }

    [Fact]
    public void Keys_of_the_base_weights_are_unchanged_and_the_adapters_use_PEFT_names()
    {
        var keys = TinyModels.Classifier(lora: QueryValue).state_dict().Keys.ToHashSet();
        Assert.Contains("bert.encoder.layer.0.attention.self.query.weight", keys);
        Assert.Contains("bert.encoder.layer.0.attention.self.query.lora_A.weight", keys);
        Assert.Contains("bert.encoder.layer.1.attention.self.value.lora_B.weight", keys);
        Assert.DoesNotContain("bert.encoder.layer.0.attention.self.key.lora_A.weight", keys);
        Assert.Contains("bert.encoder.layer.0.output.LayerNorm.weight", keys);
    }

    [Fact]
    public void Only_the_adapters_and_the_head_require_gradients()
    {
        var model = TinyModels.Classifier(lora: QueryValue);
        model.FreezeForLora();
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();

        Assert.All(trainable, name => Assert.True(name.Contains(".lora_") || name.StartsWith("classifier."), name));
        Assert.Equal(2 * 2 * 2 + 2, trainable.Count); // 2 layers × {query, value} × {A, B} + classifier weight and bias

        var counts = model.CountParameters();
        long adapter = 2 * 2 * (32 * 4 + 4 * 32);
        Assert.Equal(adapter, counts.Adapter);
        Assert.Equal(adapter + 32 * 2 + 2, counts.Trainable);
    }

    [Fact]
    public void The_formula_matches_a_hand_computed_example()
    {
        var layer = new LoraLinear(2, 2, hasBias: true, rank: 1, scaling: 16.0 / 1, dropout: 0);
        using (no_grad())
        {
            layer.Weight.copy_(tensor(new float[] { 1, 2, 3, 4 }).view(2, 2));
            layer.Bias!.copy_(tensor(new float[] { 0.5f, -0.5f }));
            layer.A.weight!.copy_(tensor(new float[] { 0.1f, 0.2f }).view(1, 2));
            layer.B.weight!.copy_(tensor(new float[] { 1f, -1f }).view(2, 1));
        }
        var y = layer.call(tensor(new float[] { 1, 1 }).view(1, 2));

        // W x + b = [1+2+0.5, 3+4−0.5] = [3.5, 6.5]; A x = 0.3; B·0.3·16 = [4.8, −4.8].
        Assert.Equal(new[] { 8.3f, 1.7f }, y.data<float>().ToArray().Select(v => MathF.Round(v, 5)).ToArray());
    }

    [Theory]
    [InlineData(false, 2.0)] // α / r = 8 / 4
    [InlineData(true, 4.0)]  // rsLoRA: α / √r = 8 / 2
    public void In_a_model_built_by_the_factory_each_adapter_adds_B_A_x_times_its_scaling(bool rsLora, double scaling)
    {
        var model = TinyModels.Classifier(lora: new LoraOptions(Rank: 4, Alpha: 8, UseRsLora: rsLora));
        var adapters = LoraParameters.Adapters(model).ToList();
        Assert.Equal(2 * 2, adapters.Count); // 2 layers × {query, value}
        using var scope = NewDisposeScope();
        manual_seed(17);
        foreach (var adapter in adapters)
        {
            using (no_grad()) adapter.B.weight!.normal_(0, 0.5);
            var x = randn(3, 32);
            var added = adapter.call(x) - functional.linear(x, adapter.Weight, adapter.Bias);
            var expected = scaling * x.matmul(adapter.A.weight!.t()).matmul(adapter.B.weight!.t());
            Assert.True(added.allclose(expected, rtol: 1e-4, atol: 1e-5), $"scaling {scaling} (rsLoRA {rsLora})");
        }
    }

    [Fact]
    public void In_a_model_built_by_the_factory_A_starts_Kaiming_uniform_and_B_at_zero()
    {
        // PEFT: kaiming_uniform_(A, a=√5), i.e. U(−1/√fan_in, 1/√fan_in); B = 0.
        var adapters = LoraParameters.Adapters(TinyModels.Classifier(lora: new LoraOptions(Rank: 8, Alpha: 16))).ToList();
        using var scope = NewDisposeScope();
        var a = cat(adapters.Select(adapter => adapter.A.weight!.detach().flatten()).ToList(), 0).to(ScalarType.Float64);
        double bound = 1 / Math.Sqrt(32);                         // fan_in = hidden size 32
        Assert.Equal(4 * 8 * 32, a.shape[0]);
        Assert.True(a.abs().max().item<double>() <= bound, "inside the Kaiming-uniform bound");
        Assert.True(a.abs().max().item<double>() > 0.95 * bound, "reaching it (1,024 uniform draws)");
        // Uniform on ±b: variance b²/3 (relative standard error ≈ 3% here), mean 0 (standard error ≈ 0.018 b).
        Assert.InRange(a.var().item<double>() / (bound * bound / 3), 0.88, 1.12);
        Assert.InRange(a.mean().item<double>() / bound, -0.08, 0.08);
        Assert.All(adapters, adapter => Assert.True(adapter.B.weight!.eq(0).all().item<bool>(), "B starts at zero"));
        Assert.NotEqual(adapters[0].A.weight!.data<float>().ToArray(), adapters[1].A.weight!.data<float>().ToArray());
    }

    [Fact]
    public void Per_target_ranks_override_the_default_rank()
    {
        var lora = new LoraOptions(Rank: 4, Targets: [LoraTarget.Query, LoraTarget.FfnOut],
            RankPerTarget: new Dictionary<LoraTarget, int> { [LoraTarget.FfnOut] = 2 });
        var model = TinyModels.Classifier(lora: lora);
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);

        Assert.Equal(new long[] { 4, 32 }, shapes["bert.encoder.layer.0.attention.self.query.lora_A.weight"]);
        Assert.Equal(new long[] { 2, 64 }, shapes["bert.encoder.layer.0.output.dense.lora_A.weight"]);
        Assert.Empty(lora.Validate());
    }

    [Fact]
    public void Merge_then_unmerge_round_trips()
    {
        var (model, _) = Twins(QueryValue);
        using (no_grad())
            foreach (var adapter in LoraParameters.Adapters(model)) adapter.B.weight!.normal_(0, 0.5);
        var before = Logits(model);
        var weights = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        LoraParameters.Merge(model);
        var merged = Logits(model);
        Assert.True(before.allclose(merged, rtol: 1e-4, atol: 1e-5), "a merged adapter computes the same function");
        Assert.All(LoraParameters.Adapters(model), a => Assert.True(a.IsMerged));

        LoraParameters.Unmerge(model);
        Assert.True(before.allclose(Logits(model), rtol: 1e-5, atol: 1e-6));
        foreach (var (name, value) in model.state_dict())
            Assert.True(weights[name].allclose(value, rtol: 1e-5, atol: 1e-6), name);
    }

    [Fact]
    public void Invalid_options_are_named()
    {
        var errors = new LoraOptions(Rank: 0, Alpha: -1, Targets: [], Dropout: 1).Validate().ToList();
        Assert.Contains(errors, e => e.Contains("rank 0"));
        Assert.Contains(errors, e => e.Contains("alpha -1"));
        Assert.Contains(errors, e => e.Contains("dropout 1"));
        Assert.Contains(errors, e => e.Contains("targets must name"));
    }

    [Fact]
    public void Beside_a_bf16_frozen_layer_fp32_adapters_compute_in_bf16_and_keep_fp32_gradients_close_to_full_precision()
    {
        manual_seed(3);
        using var layer = new LoraLinear(64, 48, hasBias: true, rank: 4, scaling: 2.0, dropout: 0);
        using (no_grad()) layer.B.weight!.normal_(0, 0.5); // B starts at zero: give the adapter something to add
        var x = randn(3, 7, 64);
        var full = layer.call(x);
        full.pow(2).sum().backward();
        var (fullA, fullB) = (layer.A.weight!.grad!.clone(), layer.B.weight!.grad!.clone());
        layer.zero_grad();

        layer.to(ScalarType.BFloat16); // as TaskModel.UsePrecision: frozen path bf16, adapters back to fp32
        layer.A.to(ScalarType.Float32);
        layer.B.to(ScalarType.Float32);
        var mixed = layer.call(x.to(ScalarType.BFloat16));
        mixed.to(ScalarType.Float32).pow(2).sum().backward();

        Assert.Equal(ScalarType.BFloat16, mixed.dtype);
        Assert.True(mixed.to(ScalarType.Float32).allclose(full, rtol: 0.02, atol: 0.05), "bf16 rounding only");
        foreach (var (grad, reference) in new[] { (layer.A.weight!.grad!, fullA), (layer.B.weight!.grad!, fullB) })
        {
            Assert.Equal(ScalarType.Float32, grad.dtype);
            double relative = ((grad - reference).norm() / reference.norm()).item<float>();
            Assert.True(relative < 0.02, $"adapter gradient {relative:P2} off the fp32 one");
        }
    }
}
