using System.Text.Json.Nodes;
using Pipeline.Models;
using Pipeline.Tests.Models;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Weights;

/// <summary>
/// Sharded checkpoints (model.safetensors.index.json + shards, as HF saves large models) for every family, and weights
/// stored in float16 or bfloat16: each loads to what the single float32 file gives, and each mismatch names the file.
/// </summary>
public class ShardedCheckpointTests
{
    /// <summary>Writes <paramref name="state"/> (checkpoint keys) as <paramref name="shards"/> shards and their index, as HF does.</summary>
    static void WriteSharded(string directory, IReadOnlyDictionary<string, Tensor> state, int shards = 2)
    {
        var keys = state.Keys.Order(StringComparer.Ordinal).ToList();
        var map = new JsonObject();
        for (int s = 0; s < shards; s++)
        {
            string file = $"model-{s + 1:00000}-of-{shards:00000}.safetensors";
            var part = keys.Where((_, i) => i % shards == s).ToDictionary(k => k, k => state[k]);
            SafetensorsFile.Save(Path.Combine(directory, file), part);
            foreach (var key in part.Keys) map[key] = file;
        }
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 0 }, ["weight_map"] = map };
        File.WriteAllText(Path.Combine(directory, HfCheckpoint.WeightsIndexFile), index.ToJsonString());
    }

    /// <summary>A single-file checkpoint of a tiny model of <paramref name="family"/>, turned into shards; returns its state.</summary>
    static Dictionary<string, Tensor> ShardedCheckpoint(string directory, string family)
    {
        using var single = new TestPaths.TempDir();
        if (family == "gpt2") TinyGpt2.WriteCheckpoint(single.Path);
        else
        {
            using var model = TinyLlama.Random();
            HfCheckpoint.Save(single.Path, TinyLlama.Config, TinyLlama.StateDict(model), "model.");
        }
        var state = SafetensorsFile.Load(Path.Combine(single.Path, HfCheckpoint.WeightsFile));
        File.Copy(Path.Combine(single.Path, HfCheckpoint.ConfigFile), Path.Combine(directory, HfCheckpoint.ConfigFile));
        WriteSharded(directory, state);
        return state;
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void A_sharded_checkpoint_loads_the_same_tensors_as_the_single_file(string family)
    {
        using var dir = new TestPaths.TempDir();
        var state = ShardedCheckpoint(dir.Path, family);
        Assert.True(HfCheckpoint.IsCheckpoint(dir.Path));
        Assert.Equal(2, HfCheckpoint.WeightFiles(dir.Path).Count);
        using var sharded = ModelCatalog.Load(dir.Path);
        Assert.Equal(dir.File(HfCheckpoint.WeightsIndexFile), sharded.Weights.Source);
        var (expected, _) = HfCheckpoint.Normalize(state, sharded.Config, "single");
        Assert.Equal(expected.Keys.Order(), sharded.Weights.Tensors.Keys.Order());
        foreach (var (name, tensor) in expected) TensorAssert.Identical(tensor, sharded.Weights.Tensors[name], name);
        using var backbone = sharded.CreateBackbone();
    }

    [Fact]
    public void A_missing_shard_file_names_the_index_the_shard_and_a_tensor_it_holds()
    {
        using var dir = new TestPaths.TempDir();
        ShardedCheckpoint(dir.Path, "llama");
        File.Delete(dir.File("model-00002-of-00002.safetensors"));
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.StartsWith($"{dir.File(HfCheckpoint.WeightsIndexFile)}: shard model-00002-of-00002.safetensors (holding '", e.Message);
        Assert.EndsWith($"more) does not exist in {dir.Path}", e.Message);
    }

    [Fact]
    public void A_tensor_the_index_maps_to_a_shard_that_lacks_it_names_the_tensor_and_the_shard()
    {
        using var dir = new TestPaths.TempDir();
        ShardedCheckpoint(dir.Path, "llama");
        string indexPath = dir.File(HfCheckpoint.WeightsIndexFile);
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!.AsObject();
        index["weight_map"]!["model.norm.weight"] = index["weight_map"]!["model.norm.weight"]!.GetValue<string>() == "model-00001-of-00002.safetensors"
            ? "model-00002-of-00002.safetensors" : "model-00001-of-00002.safetensors";
        File.WriteAllText(indexPath, index.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Matches(@"(tensor 'model\.norm\.weight' is mapped to model-0000\d-of-00002\.safetensors, which does not hold it|" +
            @"tensor 'model\.norm\.weight' is not in model\.safetensors\.index\.json's weight_map for this shard)", e.Message);
    }

    [Fact]
    public void A_tensor_missing_from_every_shard_names_the_index_and_the_tensor()
    {
        using var dir = new TestPaths.TempDir();
        var state = ShardedCheckpoint(dir.Path, "llama");
        foreach (var file in Directory.GetFiles(dir.Path, "model-*.safetensors")) File.Delete(file);
        WriteSharded(dir.Path, state.Where(p => p.Key != "model.layers.1.mlp.up_proj.weight").ToDictionary());
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Equal($"{dir.File(HfCheckpoint.WeightsIndexFile)}: 1 tensor(s) missing for {TinyLlama.Config.Describe()}, " +
            "first 'layers.1.mlp.up_proj.weight' (expected shape [48, 32])", e.Message);
    }

    [Fact]
    public void A_mis_shaped_tensor_in_a_shard_names_that_shard()
    {
        using var dir = new TestPaths.TempDir();
        var state = ShardedCheckpoint(dir.Path, "llama");
        foreach (var file in Directory.GetFiles(dir.Path, "model-*.safetensors")) File.Delete(file);
        state["model.layers.0.mlp.down_proj.weight"] = zeros(48, 32);
        WriteSharded(dir.Path, state);
        string shard = JsonNode.Parse(File.ReadAllText(dir.File(HfCheckpoint.WeightsIndexFile)))!["weight_map"]!["model.layers.0.mlp.down_proj.weight"]!.GetValue<string>();
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Equal($"{dir.File(shard)}: tensor 'layers.0.mlp.down_proj.weight' has shape [48, 32], expected [32, 48] for {TinyLlama.Config.Describe()}", e.Message);
    }

    [Fact]
    public void An_index_without_a_weight_map_or_pointing_outside_the_directory_is_refused()
    {
        using var dir = new TestPaths.TempDir();
        ShardedCheckpoint(dir.Path, "gpt2");
        string indexPath = dir.File(HfCheckpoint.WeightsIndexFile);
        File.WriteAllText(indexPath, """{"metadata": {}}""");
        Assert.Equal($"{indexPath}: no 'weight_map' object (tensor name → shard file)", Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path)).Message);
        File.WriteAllText(indexPath, """{"weight_map": {"transformer.wte.weight": "../elsewhere.safetensors"}}""");
        Assert.Equal($"{indexPath}: tensor 'transformer.wte.weight' is mapped to '../elsewhere.safetensors', expected a .safetensors file in the checkpoint directory",
            Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path)).Message);
    }

    [Theory]
    [InlineData(ScalarType.BFloat16, "BF16")]
    [InlineData(ScalarType.Float16, "F16")]
    public void Half_precision_weights_load_as_float32_equal_to_the_stored_values(ScalarType dtype, string stored)
    {
        using var model = TinyLlama.Random();
        var state = TinyLlama.StateDict(model);
        using var dir = new TestPaths.TempDir();
        HfCheckpoint.Save(dir.Path, TinyLlama.Config, state.ToDictionary(p => p.Key, p => p.Value.to(dtype)), "model.");
        Assert.All(SafetensorsFile.ReadHeader(dir.File(HfCheckpoint.WeightsFile)), e => Assert.Equal(stored, e.DType));

        using var loaded = ModelCatalog.Load(dir.Path);
        foreach (var (name, tensor) in state)
        {
            var weight = loaded.Weights.Tensors[name];
            Assert.Equal(ScalarType.Float32, weight.dtype);
            TensorAssert.Identical(tensor.to(dtype).to(ScalarType.Float32), weight, name);
        }
        // Rounding happened (the test can fail): bf16/fp16 keep fewer bits than the float32 originals.
        Assert.False(state["lm_head.weight"].eq(loaded.Weights.Tensors["lm_head.weight"]).all().item<bool>());

        // Sharded and half precision together.
        using var shardedDir = new TestPaths.TempDir();
        File.Copy(dir.File(HfCheckpoint.ConfigFile), shardedDir.File(HfCheckpoint.ConfigFile));
        WriteSharded(shardedDir.Path, SafetensorsFile.Load(dir.File(HfCheckpoint.WeightsFile)), shards: 3);
        using var sharded = ModelCatalog.Load(shardedDir.Path);
        foreach (var (name, tensor) in loaded.Weights.Tensors) TensorAssert.Identical(tensor, sharded.Weights.Tensors[name], name);
    }
}
