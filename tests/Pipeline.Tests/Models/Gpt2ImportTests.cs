using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>What a GPT-2 checkpoint may not be: each refusal names the file and the key or tensor.</summary>
public class Gpt2ImportTests
{
    [Theory]
    [InlineData("\"activation_function\": \"gelu_new\"", "\"activation_function\": \"relu\"", "activation_function 'relu' is not supported")]
    [InlineData("\"activation_function\": \"gelu_new\"", "\"activation_function\": \"gelu\"", "activation_function 'gelu' is not supported")]
    [InlineData("\"scale_attn_weights\": true", "\"scale_attn_weights\": false", "scale_attn_weights false is not supported")]
    [InlineData("\"scale_attn_by_inverse_layer_idx\": false", "\"scale_attn_by_inverse_layer_idx\": true", "scale_attn_by_inverse_layer_idx true is not supported")]
    [InlineData("\"reorder_and_upcast_attn\": false", "\"reorder_and_upcast_attn\": true", "reorder_and_upcast_attn true is not supported")]
    [InlineData("\"n_embd\": 32,", "", "required key 'n_embd' is missing")]
    [InlineData("\"n_head\": 4", "\"n_head\": 5", "n_embd 32 is not a multiple of n_head 5")]
    [InlineData("\"eos_token_id\": 49", "\"eos_token_id\": 50", "eos_token_id 50 (the padding id) is outside the vocabulary of 50")]
    public void A_bad_config_json_names_the_file_and_the_key(string find, string replace, string expected)
    {
        using var dir = Saved(TinyGpt2.StateDict);
        string config = dir.File(HfCheckpoint.ConfigFile);
        string text = File.ReadAllText(config);
        Assert.Contains(find, text);
        File.WriteAllText(config, text.Replace(find, replace));

        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.ReadConfig(dir.Path));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(config, e.Message);
    }

    [Fact]
    public void A_missing_tensor_names_the_file_and_the_tensor()
    {
        using var dir = Saved(model => TinyGpt2.StateDict(model).Where(p => p.Key != "h.1.mlp.c_fc.bias").ToDictionary());

        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.StartsWith(dir.File(HfCheckpoint.WeightsFile), e.Message);
        Assert.Contains("missing", e.Message);
        Assert.Contains("'h.1.mlp.c_fc.bias' (expected shape [128])", e.Message);
    }

    [Fact]
    public void A_Conv1D_weight_of_the_wrong_shape_names_the_file_tensor_and_the_shape_the_file_should_have()
    {
        // Stored as nn.Linear [out, in] instead of HF's Conv1D [in, out]: the transposition gives it away.
        using var dir = Saved(TinyGpt2.StateDict, prefix: "transformer.");
        var state = SafetensorsFile.Load(dir.File(HfCheckpoint.WeightsFile)).ToDictionary(p => p.Key, p => p.Value);
        state["transformer.h.0.mlp.c_fc.weight"] = state["transformer.h.0.mlp.c_fc.weight"].t().contiguous();
        SafetensorsFile.Save(dir.File(HfCheckpoint.WeightsFile), state);

        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Equal($"{dir.File(HfCheckpoint.WeightsFile)}: tensor 'transformer.h.0.mlp.c_fc.weight' has shape [128, 32], " +
            "expected [32, 128] (HF Conv1D, [in, out]) for GPT-2: 2 layers × 32, 4 heads, MLP 128, vocab 50, 16 positions", e.Message);
    }

    [Fact]
    public void An_embedding_of_the_wrong_shape_names_the_tensor_and_both_shapes()
    {
        using var dir = Saved(model => TinyGpt2.StateDict(model).ToDictionary(p => p.Key, p => p.Key == "wpe.weight" ? zeros(12, 32) : p.Value));

        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.StartsWith(dir.File(HfCheckpoint.WeightsFile), e.Message);
        Assert.Contains("tensor 'wpe.weight' has shape [12, 32], expected [16, 32]", e.Message);
    }

    static TestPaths.TempDir Saved(Func<Pipeline.Models.Gpt2.Gpt2Model, Dictionary<string, Tensor>> state, string prefix = "")
    {
        using var model = TinyGpt2.Random();
        var dir = new TestPaths.TempDir();
        HfCheckpoint.Save(dir.Path, TinyGpt2.Config, state(model), prefix);
        return dir;
    }
}
