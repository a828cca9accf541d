using Pipeline.Models;
using Pipeline.Models.Gpt2;
using Pipeline.Pretraining;
using Pipeline.Tests.Text;
using Pipeline.Text;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Pretraining;

/// <summary>A pretrained decoder written as an HF checkpoint (with GPT-2's real tokenizer files) loads back by path with the same logits.</summary>
public class DecoderCheckpointTests(Gpt2Files gpt2) : IClassFixture<Gpt2Files>
{
    [Fact]
    public void The_checkpoint_has_gpt2_lm_head_model_keys_and_loads_back_with_the_same_logits_and_tokenizer()
    {
        using var dir = new TestPaths.TempDir();
        var config = new Gpt2Config(VocabSize: Gpt2TokenizerFiles.VocabSize, NPositions: 32, NEmbd: 32, NLayer: 2, NHead: 2);
        manual_seed(11);
        using var model = new Gpt2Model(config);
        Gpt2Initialization.Apply(model);
        string target = Path.Combine(dir.Path, "models", "tiny-pretrained");

        DecoderCheckpoint.Write(target, model, gpt2.Encoder, gpt2.Merges, new { corpus = "test" });

        Assert.Equal(["config.json", "merges.txt", "model.safetensors", "pretraining.json", "vocab.json"],
            Directory.GetFiles(target).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["tiny-pretrained"], Directory.GetFileSystemEntries(Path.Combine(dir.Path, "models")).Select(Path.GetFileName));
        var header = SafetensorsFile.ReadHeader(Path.Combine(target, HfCheckpoint.WeightsFile)).ToDictionary(e => e.Name, e => e.Shape);
        Assert.Equal([32L, 96L], header["transformer.h.0.attn.c_attn.weight"]);   // Conv1D: [in, out]
        Assert.Equal([128L, 32L], header["transformer.h.1.mlp.c_proj.weight"]);
        Assert.Equal([50257L, 32L], header["transformer.wte.weight"]);
        Assert.DoesNotContain(header.Keys, k => k.StartsWith("lm_head", StringComparison.Ordinal));   // tied to wte

        using var loaded = ModelCatalog.Load(target);
        var decoder = loaded.CreateLanguageModel();
        using var module = (nn.Module)decoder;
        var tokenizer = loaded.RequireDecoderTokenizer();
        Assert.Equal([15496, 995, 0], tokenizer.Encode("Hello world!"));
        using var ids = tensor(new long[] { 15496, 995, 0, 50256 }).unsqueeze(0);
        using var mask = ones_like(ids);
        model.eval();
        var (expected, cache) = model.Decode(ids, mask);
        var (actual, cache2) = decoder.Decode(ids, mask);
        cache.Dispose(); cache2.Dispose();
        Assert.True(expected.allclose(actual, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void A_missing_tokenizer_file_is_refused_before_anything_is_written()
    {
        using var dir = new TestPaths.TempDir();
        using var model = new Gpt2Model(new Gpt2Config(50257, 16, 16, 1, 1));
        string target = Path.Combine(dir.Path, "m");
        var e = Assert.Throws<FileNotFoundException>(() => DecoderCheckpoint.Write(target, model, dir.File("vocab.json"), gpt2.Merges, 0));
        Assert.Equal($"tokenizer file {dir.File("vocab.json")} does not exist", e.Message);
        Assert.False(Directory.Exists(target));
    }
}
