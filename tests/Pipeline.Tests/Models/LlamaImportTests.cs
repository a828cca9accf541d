using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>What a LLaMA checkpoint may not be: each refusal names the file and the key or tensor, and what was expected.</summary>
public class LlamaImportTests
{
    [Theory]
    [InlineData("\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\"", "hidden_act 'gelu' is not supported; LLaMA here computes SwiGLU with silu")]
    [InlineData("\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}",
        "rope_scaling of kind 'llama3' is not supported; only the default rotary embedding is implemented (rope_scaling null)")]
    [InlineData("\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}",
        "rope_scaling of kind 'linear' is not supported; only the default rotary embedding is implemented")]
    [InlineData("\"rope_scaling\": null", "\"rope_scaling\": \"dynamic\"", "'rope_scaling' should be null or an object, found \"dynamic\"")]
    [InlineData("\"hidden_size\": 32,", "", "required key 'hidden_size' is missing")]
    [InlineData("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3", "num_attention_heads 4 is not a multiple of num_key_value_heads 3")]
    [InlineData("\"eos_token_id\": 2", "\"eos_token_id\": [2, 5]", "'eos_token_id' should be an integer, found [2,5]")]
    [InlineData("\"eos_token_id\": 2", "\"eos_token_id\": 60", "eos_token_id 60 is outside the vocabulary of 60")]
    [InlineData("\"attention_bias\": false", "\"attention_bias\": \"no\"", "'attention_bias' should be true or false")]
    public void A_bad_config_json_names_the_file_and_the_key(string find, string replace, string expected)
    {
        using var dir = Saved(TinyLlama.StateDict);
        string config = dir.File(HfCheckpoint.ConfigFile);
        string text = File.ReadAllText(config);
        Assert.Contains(find, text);
        File.WriteAllText(config, text.Replace(find, replace));

        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.ReadConfig(dir.Path));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(config, e.Message);
    }

    [Fact]
    public void A_missing_tensor_names_the_file_the_tensor_and_its_shape()
    {
        using var dir = Saved(model => TinyLlama.StateDict(model).Where(p => p.Key != "lm_head.weight").ToDictionary());
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Equal($"{dir.File(HfCheckpoint.WeightsFile)}: 1 tensor(s) missing for {TinyLlama.Config.Describe()}, first 'lm_head.weight' (expected shape [60, 32])", e.Message);
    }

    [Fact]
    public void A_key_value_projection_sized_for_full_heads_names_the_tensor_and_both_shapes()
    {
        // A checkpoint of the same model without grouped-query attention: k_proj is [32, 32] where 2 kv heads need [16, 32].
        using var dir = Saved(model => TinyLlama.StateDict(model).ToDictionary(p => p.Key, p => p.Key == "layers.1.self_attn.k_proj.weight" ? zeros(32, 32) : p.Value));
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Equal($"{dir.File(HfCheckpoint.WeightsFile)}: tensor 'layers.1.self_attn.k_proj.weight' has shape [32, 32], expected [16, 32] for " +
            "LLaMA: 2 layers × 32, 4 heads (2 key/value) of 8, MLP 48, vocab 60, 24 positions", e.Message);
    }

    [Fact]
    public void A_tensor_no_LLaMA_has_is_an_error_naming_it()
    {
        using var dir = Saved(model => TinyLlama.StateDict(model).Append(new("layers.0.mlp.c_fc.weight", zeros(4))).ToDictionary());
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.StartsWith($"{dir.File(HfCheckpoint.WeightsFile)}: unexpected tensor 'layers.0.mlp.c_fc.weight' [4]: not part of a LLaMA family model", e.Message);
    }

    static TestPaths.TempDir Saved(Func<Pipeline.Models.Llama.LlamaModel, Dictionary<string, Tensor>> state)
    {
        using var model = TinyLlama.Random();
        var dir = new TestPaths.TempDir();
        HfCheckpoint.Save(dir.Path, TinyLlama.Config, state(model), "model.");   // config.json as HF writes it
        return dir;
    }
}
