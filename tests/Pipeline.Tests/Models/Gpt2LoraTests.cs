using Pipeline.Lora;
using Pipeline.Models.Gpt2;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>LoRA on GPT-2 as the paper does it: q and v adapt slices of the fused c_attn (microsoft/LoRA's MergedLinear).</summary>
public class Gpt2LoraTests
{
    static readonly LoraOptions QueryValue = new(Rank: 4, Alpha: 8, Targets: [LoraTarget.Query, LoraTarget.Value]);

    /// <summary>A LoRA model and a plain one holding the same base weights.</summary>
    static (Gpt2Model Lora, Gpt2Model Plain) Twins(LoraOptions lora)
    {
        var plain = TinyGpt2.Random(seed: 1);
        var adapted = TinyGpt2.Random(lora, seed: 2);
        var source = plain.state_dict();
        using (no_grad())
            foreach (var (name, parameter) in adapted.named_parameters())
                if (source.TryGetValue(name, out var value)) parameter.copy_(value);
        plain.eval();
        adapted.eval();
        return (adapted, plain);
    }

    [Fact]
    public void After_freezing_only_the_q_and_v_slice_adapters_train()
    {
        using var model = TinyGpt2.Random(QueryValue);
        LoraParameters.FreezeAllButAdapters(model);
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).Order().ToList();

        string[] expected = [.. Enumerable.Range(0, 2).SelectMany(i => new[] {
            $"h.{i}.attn.c_attn.lora_A.query.weight", $"h.{i}.attn.c_attn.lora_A.value.weight",
            $"h.{i}.attn.c_attn.lora_B.query.weight", $"h.{i}.attn.c_attn.lora_B.value.weight" }).Order()];
        Assert.Equal(expected, trainable);
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal([4L, 32], shapes["h.0.attn.c_attn.lora_A.query.weight"]);
        Assert.Equal([32L, 4], shapes["h.0.attn.c_attn.lora_B.value.weight"]);   // one slice wide, not 3·D
        Assert.Equal([96L, 32], shapes["h.0.attn.c_attn.weight"]);               // the base keeps the fused name
    }

    [Fact]
    public void Fresh_adapters_give_exactly_the_base_model_output()
    {
        var all = new LoraOptions(Rank: 2, Targets: Enum.GetValues<LoraTarget>());
        foreach (var lora in new[] { QueryValue, all })
        {
            var (adapted, plain) = Twins(lora);
            using var scope = NewDisposeScope();
            var batch = TinyGpt2.Batch();
            TensorAssert.Identical(plain.Forward(batch), adapted.Forward(batch), string.Join(",", lora.Targets));
        }
    }

    [Fact]
    public void Targets_map_to_GPT2_modules()
    {
        using var model = TinyGpt2.Random(new LoraOptions(Rank: 2, Targets: [LoraTarget.Key, LoraTarget.AttentionOutput, LoraTarget.FfnIn, LoraTarget.FfnOut]));
        var adapters = model.named_parameters().Select(p => p.name).Where(LoraParameters.IsAdapter).Where(n => n.StartsWith("h.0.")).Order().ToList();
        Assert.Equal(["h.0.attn.c_attn.lora_A.key.weight", "h.0.attn.c_attn.lora_B.key.weight",
            "h.0.attn.c_proj.lora_A.weight", "h.0.attn.c_proj.lora_B.weight",
            "h.0.mlp.c_fc.lora_A.weight", "h.0.mlp.c_fc.lora_B.weight",
            "h.0.mlp.c_proj.lora_A.weight", "h.0.mlp.c_proj.lora_B.weight"], adapters);
    }

    [Fact]
    public void Gradients_reach_only_the_q_and_v_slice_adapters_and_each_adapter_moves_only_its_slice()
    {
        var (model, _) = Twins(QueryValue);
        LoraParameters.FreezeAllButAdapters(model);
        var c_attn = Assert.IsType<FusedLoraLinear>(model.h[0].attn.c_attn);
        Assert.Equal(["query", "value"], c_attn.AdaptedSlices);
        // B = 0 would stop A's gradient: give every adapter a B.
        using (no_grad())
            foreach (var fused in model.modules().OfType<FusedLoraLinear>())
                foreach (var slice in fused.AdaptedSlices) fused.B(slice).weight!.normal_(0, 0.5);
        model.train();

        using var scope = NewDisposeScope();
        model.Forward(TinyGpt2.Batch()).pow(2).mean().backward();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (LoraParameters.IsAdapter(name))
            {
                Assert.NotNull(parameter.grad);
                Assert.True(parameter.grad!.abs().sum().item<float>() > 0, $"{name} received no gradient");
            }
            else Assert.Null(parameter.grad);
        }

        // The query adapter changes the q slice of c_attn's output and nothing else.
        var x = randn(2, 5, 32);
        var withBoth = c_attn.call(x);
        using (no_grad()) c_attn.B("query").weight!.zero_();
        var withValueOnly = c_attn.call(x);
        Assert.False(withBoth[.., .., ..32].allclose(withValueOnly[.., .., ..32]), "the query adapter must move the q slice");
        TensorAssert.Identical(withBoth[.., .., 32..], withValueOnly[.., .., 32..], "k and v slices");
    }

    [Fact]
    public void Merging_the_slice_adapters_gives_the_adapted_output_and_unmerging_restores_the_weight()
    {
        var (model, _) = Twins(QueryValue);
        using (no_grad())
            foreach (var fused in LoraParameters.FusedAdapters(model))
                foreach (var slice in fused.AdaptedSlices) fused.B(slice).weight!.normal_(0, 0.5);
        using var scope = NewDisposeScope();
        var batch = TinyGpt2.Batch();
        var weight = model.h[0].attn.c_attn.get_parameter("weight")!.clone();
        var adapted = model.Forward(batch);

        LoraParameters.Merge(model);
        Assert.True(adapted.allclose(model.Forward(batch), rtol: 1e-4, atol: 1e-5));
        var merged = model.h[0].attn.c_attn.get_parameter("weight")!;
        TensorAssert.Identical(weight[32..64], merged[32..64], "the key slice has no adapter");
        LoraParameters.Unmerge(model);
        Assert.True(weight.allclose(model.h[0].attn.c_attn.get_parameter("weight")!, atol: 1e-6));
    }

    [Fact]
    public void Under_bf16_the_slice_adapters_stay_float32()
    {
        using var model = new Pipeline.Models.TaskModel(TinyGpt2.Random(QueryValue),
            Pipeline.Models.Heads.TaskHead.Create(Pipeline.Models.HeadKind.Linear, Pipeline.Models.Pooling.Mean, 32, 2));
        model.UsePrecision(Pipeline.Models.Precision.BFloat16);
        foreach (var (name, parameter) in model.named_parameters())
            Assert.Equal(LoraParameters.IsAdapter(name) || name.StartsWith("classifier.") ? ScalarType.Float32 : ScalarType.BFloat16, parameter.dtype);
    }

    [Fact]
    public void Under_bf16_the_slice_adapters_compute_close_to_full_precision_and_leave_the_key_slice_alone()
    {
        manual_seed(5);
        using var layer = new FusedLoraLinear(32, 32, ["query", "key", "value"], hasBias: true,
            new Dictionary<string, (int, double)> { ["query"] = (4, 2.0), ["value"] = (2, 4.0) }, dropout: 0);
        using (no_grad())
            foreach (var slice in new[] { "query", "value" }) layer.B(slice).weight!.normal_(0, 0.5);
        var x = randn(2, 6, 32);
        var full = layer.call(x);
        layer.to(ScalarType.BFloat16);
        layer.AdaptersTo(ScalarType.Float32);
        var mixed = layer.call(x.to(ScalarType.BFloat16)).to(ScalarType.Float32);
        Assert.True(mixed.allclose(full, rtol: 0.02, atol: 0.05));
        var plainKey = nn.functional.linear(x.to(ScalarType.BFloat16), layer.Weight, layer.Bias)[.., .., 32..64];
        Assert.True(TinyModels.Same(plainKey.to(ScalarType.Float32), mixed[.., .., 32..64]), "the key slice has no adapter");
    }
}
