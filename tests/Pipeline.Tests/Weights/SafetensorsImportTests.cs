using Pipeline.Models;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Weights;

/// <summary>HF checkpoints (config.json + model.safetensors) written here from random encoders, under each naming HF uses.</summary>
public class SafetensorsImportTests
{
    public static TheoryData<string, bool, bool> Namings => new()
    {
        // key prefix, RoBERTa, old LayerNorm.gamma/beta names
        { "", false, false },
        { "bert.", false, false },
        { "bert.", false, true },
        { "", true, false },
        { "roberta.", true, false },
    };

    [Theory]
    [MemberData(nameof(Namings))]
    public void A_saved_checkpoint_loads_into_a_fresh_model_with_identical_outputs(string prefix, bool roberta, bool gammaBeta)
    {
        var config = roberta ? TinyEncoders.Roberta : TinyEncoders.Bert;
        using var original = TinyEncoders.Random(config);
        using var dir = new TestPaths.TempDir();
        var state = TinyEncoders.StateDict(original);
        if (gammaBeta)
            state = state.ToDictionary(p => p.Key.Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta"), p => p.Value);
        state["cls.predictions.bias"] = zeros(config.VocabSize);   // a pretraining head: set aside, not an error
        HfCheckpoint.Save(dir.Path, config, state, prefix);

        using var loaded = ModelCatalog.Load(dir.Path);
        using var fresh = loaded.CreateBackbone();
        fresh.eval();

        Assert.Equal(config, loaded.Config);
        Assert.Equal(ModelOrigin.Checkpoint, loaded.Origin);
        Assert.Contains(prefix + "cls.predictions.bias", loaded.Weights.Ignored);
        using var scope = NewDisposeScope();
        var batch = TinyEncoders.Batch(config);
        TensorAssert.Identical(original.Forward(batch), fresh.Forward(batch));
    }

    [Fact]
    public void Half_precision_weights_load_as_float32()
    {
        using var original = TinyEncoders.Random(TinyEncoders.Bert);
        using var dir = new TestPaths.TempDir();
        var state = TinyEncoders.StateDict(original).ToDictionary(p => p.Key, p => p.Value.to(ScalarType.Float16));
        HfCheckpoint.Save(dir.Path, TinyEncoders.Bert, state, "bert.");

        using var weights = HfCheckpoint.Load(dir.Path);

        var word = weights.Tensors["embeddings.word_embeddings.weight"];
        Assert.Equal(ScalarType.Float32, word.dtype);
        TensorAssert.Identical(state["embeddings.word_embeddings.weight"].to(ScalarType.Float32), word);
    }

    [Theory]
    [InlineData(100)]        // the last tensor's bytes
    [InlineData(-1)]         // all but the 8-byte header length
    public void A_truncated_file_is_a_clear_error(int cut)
    {
        using var dir = SavedTiny(out string path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(cut > 0 ? bytes.Length - cut : 8)]);

        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a readable safetensors file", e.Message);
    }

    [Fact]
    public void A_damaged_header_is_a_clear_error()
    {
        using var dir = SavedTiny(out string path);
        var bytes = File.ReadAllBytes(path);
        bytes[8] = (byte)'#';   // the JSON index's opening brace
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Contains("header is not valid safetensors JSON", e.Message);
    }

    [Fact]
    public void A_huge_header_length_is_refused_before_reading()
    {
        using var dir = SavedTiny(out string path);
        var bytes = File.ReadAllBytes(path);
        BitConverter.GetBytes(ulong.MaxValue / 2).CopyTo(bytes, 0);
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Contains("header length", e.Message);
    }

    [Fact]
    public void Weights_that_do_not_fit_the_config_name_the_tensor_and_both_shapes()
    {
        using var original = TinyEncoders.Random(TinyEncoders.Bert);
        using var dir = new TestPaths.TempDir();
        HfCheckpoint.Save(dir.Path, TinyEncoders.Bert with { IntermediateSize = 48 }, TinyEncoders.StateDict(original));

        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Contains("encoder.layer.0.intermediate.dense.", e.Message);
        Assert.Contains("[32", e.Message);
        Assert.Contains("expected [48", e.Message);
    }

    [Fact]
    public void A_key_of_another_model_family_is_unexpected()
    {
        using var original = TinyEncoders.Random(TinyEncoders.Bert);
        using var dir = new TestPaths.TempDir();
        var state = TinyEncoders.StateDict(original);
        state["encoder.layer.0.attention.self.distance_embedding.weight"] = zeros(3, 16);
        HfCheckpoint.Save(dir.Path, TinyEncoders.Bert, state);

        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Contains("unexpected tensor 'encoder.layer.0.attention.self.distance_embedding.weight'", e.Message);
    }

    [Theory]
    [InlineData("\"model_type\": \"bert\"", "\"model_type\": \"mistral\"", "model_type 'mistral' is not supported; supported: bert, roberta, xlm-roberta (BERT family); gpt2 (GPT-2 family); llama (LLaMA family)")]
    [InlineData("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"gelu_new\"", "hidden_act 'gelu_new' is not supported")]
    [InlineData("\"hidden_size\": 16,", "", "required key 'hidden_size' is missing")]
    [InlineData("\"num_hidden_layers\": 2", "\"num_hidden_layers\": \"two\"", "'num_hidden_layers' should be an integer")]
    [InlineData("\"num_attention_heads\": 4", "\"num_attention_heads\": 5", "not a multiple of num_attention_heads 5")]
    public void A_bad_config_json_names_the_key(string find, string replace, string expected)
    {
        using var dir = SavedTiny(out _);
        string config = Path.Combine(dir.Path, HfCheckpoint.ConfigFile);
        string text = File.ReadAllText(config);
        Assert.Contains(find, text);
        File.WriteAllText(config, text.Replace(find, replace));

        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.ReadConfig(dir.Path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(config, e.Message);
    }

    [Fact]
    public void Config_json_maps_to_the_encoder_config_and_back()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(Path.Combine(dir.Path, HfCheckpoint.ConfigFile), HfConfig.ToJson(TinyEncoders.Roberta));

        Assert.Equal(TinyEncoders.Roberta, HfCheckpoint.ReadConfig(dir.Path));
    }

    static TestPaths.TempDir SavedTiny(out string weightsPath)
    {
        using var original = TinyEncoders.Random(TinyEncoders.Bert);
        var dir = new TestPaths.TempDir();
        HfCheckpoint.Save(dir.Path, TinyEncoders.Bert, TinyEncoders.StateDict(original));
        weightsPath = Path.Combine(dir.Path, HfCheckpoint.WeightsFile);
        return dir;
    }
}
