using System.Text.Json.Nodes;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Models.Llama;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>
/// The LLaMA family against a hand-written PyTorch reference (scripts/reference/llama.py, the fixture in Fixtures/llama-tiny:
/// HF layout, grouped-query attention, an untied lm_head, the old rotary buffers), and HF checkpoint round trips.
/// </summary>
public class LlamaParityTests
{
    [Fact]
    public void The_fixture_loads_through_the_catalog_and_matches_the_PyTorch_reference_logits()
    {
        var reference = TinyLlama.Fixture("reference.json");
        using var pretrained = ModelCatalog.Load(TinyLlama.FixtureDirectory);
        var config = Assert.IsType<LlamaConfig>(pretrained.Config);
        Assert.Equal((4, 2, 8, false), (config.NumAttentionHeads, config.KeyValueHeads, config.HeadDim, config.TieWordEmbeddings));
        Assert.Contains("model.layers.0.self_attn.rotary_emb.inv_freq", pretrained.Weights.Ignored);
        Assert.Contains(LlamaWeightLayout.LmHead, pretrained.Weights.Tensors.Keys);
        Assert.Equal(HeadKind.Linear, pretrained.DefaultHead);
        Assert.Equal(Pooling.Mean, pretrained.DefaultPooling);

        using var backbone = Assert.IsType<LlamaModel>(pretrained.CreateBackbone());
        backbone.eval();
        using var scope = NewDisposeScope();
        var mask = TinyLlama.Matrix(reference["attention_mask"]!);
        var logits = backbone.LmLogits(backbone.Forward(new EncoderBatch(TinyLlama.Matrix(reference["input_ids"]!), mask)));
        double worst = TinyLlama.WorstDifference(logits, mask, reference["logits"]!.AsArray());
        Assert.True(worst < 1e-5, $"largest logit difference to the PyTorch reference: {worst:g3}");
        Console.WriteLine($"llama-tiny: logits within {worst:g3} of the float64 PyTorch reference");
    }

    [Fact]
    public void A_saved_checkpoint_keeps_lm_head_beside_the_model_prefix_and_loads_back_to_identical_outputs()
    {
        using var original = TinyLlama.Random();
        original.eval();
        using var dir = new TestPaths.TempDir();
        HfCheckpoint.Save(dir.Path, TinyLlama.Config, TinyLlama.StateDict(original), "model.");

        var header = SafetensorsFile.ReadHeader(dir.File(HfCheckpoint.WeightsFile)).ToDictionary(e => e.Name, e => e.Shape);
        Assert.Equal([60L, 32], header["lm_head.weight"]);                        // LlamaForCausalLM: beside model., not in it
        Assert.Equal([16L, 32], header["model.layers.0.self_attn.k_proj.weight"]); // 2 key/value heads of 8
        Assert.Equal([32L, 32], header["model.layers.1.self_attn.o_proj.weight"]);
        Assert.DoesNotContain(header.Keys, k => k.StartsWith("model.lm_head"));

        using var loaded = ModelCatalog.Load(dir.Path);
        Assert.Equal(TinyLlama.Config, loaded.Config);
        Assert.Null(loaded.Tokenizer);
        Assert.Empty(loaded.Weights.Ignored);
        using var fresh = Assert.IsType<LlamaModel>(loaded.CreateBackbone());
        fresh.eval();
        using var scope = NewDisposeScope();
        var batch = TinyLlama.Batch();
        TensorAssert.Identical(original.LmLogits(original.Forward(batch)), fresh.LmLogits(fresh.Forward(batch)));
    }

    [Fact]
    public void A_tied_head_reads_the_token_embeddings_and_a_stored_lm_head_is_set_aside()
    {
        var tied = TinyLlama.Config with { TieWordEmbeddings = true };
        using var model = TinyLlama.Random(config: tied);
        model.eval();
        Assert.Null(model.lm_head);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.StartsWith("lm_head"));
        using var scope = NewDisposeScope();
        var batch = TinyLlama.Batch();
        var hidden = model.Forward(batch);
        TensorAssert.Identical(matmul(hidden, model.embed_tokens.weight!.t()), model.LmLogits(hidden));

        // Some tied checkpoints store lm_head.weight anyway (a copy of embed_tokens): it loads as ignored.
        using var dir = new TestPaths.TempDir();
        var state = TinyLlama.StateDict(model);
        state["lm_head.weight"] = state["embed_tokens.weight"].clone();
        HfCheckpoint.Save(dir.Path, tied, state, "model.");
        using var loaded = ModelCatalog.Load(dir.Path);
        Assert.Equal(["lm_head.weight"], loaded.Weights.Ignored);
    }

    [Fact]
    public void Attention_and_MLP_biases_load_when_the_config_asks_for_them()
    {
        var biased = TinyLlama.Config with { AttentionBias = true, MlpBias = true };
        using var model = TinyLlama.Random(config: biased);
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("layers.0.self_attn.k_proj.bias", names);
        Assert.Contains("layers.1.mlp.gate_proj.bias", names);
        Assert.Equal(biased.Family.Layout(biased).Shapes().Keys.Order(), names.Order());
        using var dir = new TestPaths.TempDir();
        HfCheckpoint.Save(dir.Path, biased, TinyLlama.StateDict(model), "model.");
        using var loaded = ModelCatalog.Load(dir.Path);
        Assert.Equal(biased, loaded.Config);
        using var fresh = loaded.CreateBackbone();
        Assert.Equal(names.Order(), fresh.named_parameters().Select(p => p.name).Order());
    }

    [Fact]
    public void Config_json_maps_to_the_LLaMA_config_and_back()
    {
        foreach (var config in new[] { TinyLlama.Config, TinyLlama.Config with { NumKeyValueHeads = null, HeadDimension = 16, PadToken = 0, TieWordEmbeddings = true }, LlamaConfig.Llama2_7B })
        {
            var json = JsonNode.Parse(HfConfig.ToJson(config))!.AsObject();
            Assert.Equal("silu", json["hidden_act"]!.GetValue<string>());
            Assert.Equal(config, HfConfig.Parse(json, "written"));
        }
    }

    [Fact]
    public void Llama_config_json_reaches_the_LLaMA_family_with_HFs_defaults_and_the_layout_names_the_modules_parameters()
    {
        var json = JsonNode.Parse("""
            {"model_type": "llama", "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
             "num_attention_heads": 32, "attention_dropout": 0.0, "pretraining_tp": 1, "rope_scaling": null}
            """)!.AsObject();
        var config = Assert.IsType<LlamaConfig>(HfConfig.Parse(json, "llama/config.json"));
        Assert.Same(LlamaFamily.Instance, config.Family);
        Assert.Equal((32, 128, 2048, 1e-6, 10000.0), (config.KeyValueHeads, config.HeadDim, config.MaxPositionEmbeddings, config.RmsNormEps, config.RopeTheta));
        Assert.Equal((1, 2, 2, false), (config.BosTokenId, config.EosTokenId, config.PadTokenId, config.TieWordEmbeddings));
        Assert.Equal("model", config.Family.BackboneName(config));
        Assert.False(config.Family.UsesEncoderTokenizer);

        using var backbone = TinyLlama.Config.Family.CreateBackbone(TinyLlama.Config, LinearFactory.Plain);
        Assert.Equal(TinyLlama.Config.Family.Layout(TinyLlama.Config).Shapes().Keys.Order(), backbone.named_parameters().Select(p => p.name).Order());
        Assert.IsAssignableFrom<ICausalLanguageModel>(backbone);
    }
}
