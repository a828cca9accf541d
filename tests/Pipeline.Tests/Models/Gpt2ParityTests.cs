using System.Text.Json.Nodes;
using Pipeline.Models;
using Pipeline.Models.Gpt2;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>
/// The GPT-2 family against a hand-written PyTorch reference (scripts/reference/gpt2.py, the fixture in
/// Fixtures/gpt2-tiny: HF layout, Conv1D weights [in, out], the old causal-mask buffers), and HF checkpoint round trips.
/// </summary>
public class Gpt2ParityTests
{
    [Fact]
    public void The_fixture_loads_through_the_catalog_and_matches_the_PyTorch_reference_logits()
    {
        var reference = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyGpt2.FixtureDirectory, "reference.json")))!;
        using var pretrained = ModelCatalog.Load(TinyGpt2.FixtureDirectory);
        var config = Assert.IsType<Gpt2Config>(pretrained.Config);
        Assert.Null(config.NInner);
        Assert.Equal(4 * 16, config.InnerSize);
        Assert.Contains("transformer.h.0.attn.bias", pretrained.Weights.Ignored);
        Assert.Contains("transformer.h.1.attn.masked_bias", pretrained.Weights.Ignored);
        Assert.Equal(HeadKind.Linear, pretrained.DefaultHead);
        Assert.Equal(Pooling.Mean, pretrained.DefaultPooling);

        using var backbone = Assert.IsType<Gpt2Model>(pretrained.CreateBackbone());
        backbone.eval();
        using var scope = NewDisposeScope();
        var ids = Matrix(reference["input_ids"]!);
        var mask = Matrix(reference["attention_mask"]!);
        var logits = backbone.LmLogits(backbone.Forward(new EncoderBatch(ids, mask)));

        var rows = reference["logits"]!.AsArray();
        Assert.Equal(ids.shape[0], rows.Count);
        double worst = 0;
        for (int row = 0; row < rows.Count; row++)
        {
            var expected = rows[row]!.AsArray();
            Assert.Equal(mask[row].sum().item<long>(), expected.Count);
            for (int t = 0; t < expected.Count; t++)
            {
                var want = tensor(expected[t]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray());
                worst = Math.Max(worst, (logits[row, t] - want).abs().max().item<float>());
            }
        }
        Assert.True(worst < 1e-5, $"largest logit difference to the PyTorch reference: {worst:g3}");
    }

    [Fact]
    public void A_saved_checkpoint_stores_Conv1D_weights_transposed_and_loads_back_to_identical_outputs()
    {
        using var original = TinyGpt2.Random();
        original.eval();
        using var dir = new TestPaths.TempDir();
        HfCheckpoint.Save(dir.Path, TinyGpt2.Config, TinyGpt2.StateDict(original), "transformer.");

        var header = SafetensorsFile.ReadHeader(dir.File(HfCheckpoint.WeightsFile)).ToDictionary(e => e.Name, e => e.Shape);
        Assert.Equal([32L, 96], header["transformer.h.0.attn.c_attn.weight"]);   // HF Conv1D: [in, out]
        Assert.Equal([128L, 32], header["transformer.h.1.mlp.c_proj.weight"]);
        Assert.Equal([50L, 32], header["transformer.wte.weight"]);

        // GPT-2's own tokenizer files (no RoBERTa special tokens) make the decoder tokenizer, not the encoder one.
        TinyGpt2.WriteTokenizer(dir.Path, TinyGpt2.Config.EosTokenId);
        using var loaded = ModelCatalog.Load(dir.Path);
        Assert.Equal(TinyGpt2.Config, loaded.Config);
        Assert.Null(loaded.Tokenizer);
        Assert.Equal(TinyGpt2.Config.EosTokenId, loaded.RequireDecoderTokenizer().EosId);
        using var fresh = loaded.CreateBackbone();
        fresh.eval();
        using var scope = NewDisposeScope();
        var batch = TinyGpt2.Batch();
        TensorAssert.Identical(original.Forward(batch), fresh.Forward(batch));
    }

    [Fact]
    public void Config_json_maps_to_the_GPT2_config_and_back()
    {
        foreach (var config in new[] { TinyGpt2.Config, TinyGpt2.Config with { NInner = 40, PadToken = 0, LayerNormEpsilon = 1e-6 }, Gpt2Config.Medium })
        {
            var json = JsonNode.Parse(HfConfig.ToJson(config))!.AsObject();
            Assert.Equal("gelu_new", json["activation_function"]!.GetValue<string>());
            Assert.Equal(config, HfConfig.Parse(json, "written"));
        }
        var medium = JsonNode.Parse(HfConfig.ToJson(Gpt2Config.Medium))!.AsObject();
        Assert.Null(medium["n_inner"]);
        Assert.False(medium.ContainsKey("pad_token_id"));
    }

    [Fact]
    public void Gpt2_config_json_reaches_the_GPT2_family_and_its_dropout_keys_are_ignored()
    {
        var json = JsonNode.Parse("""
            {"model_type": "gpt2", "vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12,
             "resid_pdrop": 0.1, "embd_pdrop": 0.1, "attn_pdrop": 0.1, "summary_first_dropout": 0.1}
            """)!.AsObject();
        var config = Assert.IsType<Gpt2Config>(HfConfig.Parse(json, "gpt2/config.json"));
        Assert.Same(Gpt2Family.Instance, config.Family);
        Assert.Equal(Gpt2Config.Small, config);
        Assert.Equal(50256, config.PadTokenId);
        Assert.Equal("transformer", config.Family.BackboneName(config));
        Assert.Equal(HeadKind.Linear, config.Family.DefaultHead(config, hasPooler: false));
        // The layout names exactly the module's parameters.
        using var backbone = config.Family.CreateBackbone(TinyGpt2.Config, Pipeline.Lora.LinearFactory.Plain);
        Assert.Equal(TinyGpt2.Config.Family.Layout(TinyGpt2.Config).Shapes().Keys.Order(), backbone.named_parameters().Select(p => p.name).Order());
    }

    static Tensor Matrix(JsonNode rows) =>
        tensor(rows.AsArray().SelectMany(r => r!.AsArray().Select(v => v!.GetValue<long>())).ToArray(), dtype: ScalarType.Int64)
            .view(rows.AsArray().Count, -1);
}
