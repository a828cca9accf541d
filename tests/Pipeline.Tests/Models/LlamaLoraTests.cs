using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Models.Llama;
using Pipeline.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>LoRA on LLaMA's seven projections, and ffn_gate (the SwiGLU gate) refused by the families that have no gate.</summary>
public class LlamaLoraTests
{
    static readonly LoraOptions Every = new(Rank: 2, Alpha: 4, Targets: Enum.GetValues<LoraTarget>());

    [Fact]
    public void Targets_map_to_the_LLaMA_projections_gate_included()
    {
        using var model = TinyLlama.Random(Every);
        var adapters = model.named_parameters().Select(p => p.name).Where(LoraParameters.IsAdapter).Where(n => n.StartsWith("layers.0.")).Order().ToList();
        string[] modules = ["mlp.down_proj", "mlp.gate_proj", "mlp.up_proj", "self_attn.k_proj", "self_attn.o_proj", "self_attn.q_proj", "self_attn.v_proj"];
        Assert.Equal(modules.SelectMany(m => new[] { $"layers.0.{m}.lora_A.weight", $"layers.0.{m}.lora_B.weight" }).Order(), adapters);
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal([16L, 2], shapes["layers.0.self_attn.k_proj.lora_B.weight"]);   // 2 key/value heads of 8
        Assert.Equal([48L, 2], shapes["layers.0.mlp.gate_proj.lora_B.weight"]);

        using var gateOnly = TinyLlama.Random(new LoraOptions(Rank: 2, Targets: [LoraTarget.FfnGate]));
        Assert.Equal(["layers.0.mlp.gate_proj.lora_A.weight", "layers.0.mlp.gate_proj.lora_B.weight",
            "layers.1.mlp.gate_proj.lora_A.weight", "layers.1.mlp.gate_proj.lora_B.weight"],
            gateOnly.named_parameters().Select(p => p.name).Where(LoraParameters.IsAdapter).Order());
    }

    [Fact]
    public void Fresh_adapters_give_exactly_the_base_model_output_and_merging_trained_ones_keeps_it()
    {
        using var plain = TinyLlama.Random(seed: 1);
        using var adapted = TinyLlama.Random(Every, seed: 2);
        var source = plain.state_dict();
        using (no_grad())
            foreach (var (name, parameter) in adapted.named_parameters())
                if (source.TryGetValue(name, out var value)) parameter.copy_(value);
        plain.eval();
        adapted.eval();
        using var scope = NewDisposeScope();
        var batch = TinyLlama.Batch();
        TensorAssert.Identical(plain.Forward(batch), adapted.Forward(batch));

        using (no_grad())
            foreach (var layer in LoraParameters.Adapters(adapted)) layer.B.weight!.normal_(0, 0.5);
        var output = adapted.Forward(batch);
        Assert.False(output.allclose(plain.Forward(batch), atol: 1e-4));
        LoraParameters.Merge(adapted);
        Assert.True(output.allclose(adapted.Forward(batch), rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Gradients_reach_only_the_adapters_after_freezing_and_the_lm_head_stays_frozen()
    {
        using var model = TinyLlama.Random(Every);
        LoraParameters.FreezeAllButAdapters(model);
        using (no_grad())
            foreach (var layer in LoraParameters.Adapters(model)) layer.B.weight!.normal_(0, 0.5);
        using var scope = NewDisposeScope();
        model.LmLogits(model.Forward(TinyLlama.Batch())).pow(2).mean().backward();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (LoraParameters.IsAdapter(name))
                Assert.True(parameter.grad is { } g && g.abs().sum().item<float>() > 0, $"{name} received no gradient");
            else Assert.Null(parameter.grad);
        }
    }

    [Fact]
    public void Ffn_gate_on_a_family_without_a_gate_is_an_error_naming_the_target_and_the_family()
    {
        using var dir = new TestPaths.TempDir();
        TinyGpt2.WriteCheckpoint(dir.Path);
        using var gpt2 = ModelCatalog.Load(dir.Path);
        var lora = new LoraOptions(Targets: [LoraTarget.Query, LoraTarget.FfnGate]);
        var e = Assert.Throws<ArgumentException>(() => gpt2.CreateBackbone(lora));
        Assert.Equal("LoRA target ffn_gate: the GPT-2 family has no such projection (no gated FFN); its targets are " +
            "query, key, value, attention_output, ffn_in, ffn_out", e.Message);
        Assert.Throws<ArgumentException>(() => gpt2.CreateTaskModel(TinyModels.Task(), lora: lora));
        Assert.DoesNotContain(LoraTarget.FfnGate, Pipeline.Models.Bert.BertFamily.Instance.LoraTargets);
        Assert.Contains(LoraTarget.FfnGate, LlamaFamily.Instance.LoraTargets);
        using var adapted = gpt2.CreateBackbone(lora with { Targets = [LoraTarget.Query] });   // without the gate it builds
    }

    [Fact]
    public void A_LLaMA_task_model_loads_the_checkpoint_under_model_and_keeps_the_untied_head()
    {
        using var source = TinyLlama.Random();
        using var dir = new TestPaths.TempDir();
        HfCheckpoint.Save(dir.Path, TinyLlama.Config, TinyLlama.StateDict(source), "model.");
        using var pretrained = ModelCatalog.Load(dir.Path);
        using var model = pretrained.CreateTaskModel(TinyModels.Task(), lora: Every);
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.Contains("model.lm_head.weight", names);
        Assert.Contains("model.layers.1.mlp.gate_proj.lora_A.weight", names);
        TensorAssert.Identical(source.lm_head!.weight!, model.get_parameter("model.lm_head.weight")!);
    }
}
