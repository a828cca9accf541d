using System.Text.Json.Nodes;
using Pipeline.Interop;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Tests.Weights;

namespace Pipeline.Tests.Interop;

/// <summary>PEFT options this project does not compute are refused by name, naming the file and the key.</summary>
public class PeftRefusalTests
{
    [Theory]
    [InlineData("use_dora", "true", "use_dora true")]
    [InlineData("layers_to_transform", "[0]", "layers_to_transform [0]")]
    [InlineData("layers_pattern", "\"layer\"", "layers_pattern \"layer\"")]
    [InlineData("bias", "\"lora_only\"", "bias 'lora_only'")]
    [InlineData("megatron_config", "{\"tensor_model_parallel_size\": 2}", "megatron_config")]
    [InlineData("init_lora_weights", "\"pissa\"", "init_lora_weights 'pissa'")]
    [InlineData("peft_type", "\"IA3\"", "peft_type 'IA3'")]
    [InlineData("task_type", "\"TOKEN_CLS\"", "task_type 'TOKEN_CLS'")]
    [InlineData("use_bdlora", "true", "use_bdlora true")]
    [InlineData("kasa_config", "{\"r\": 4}", "kasa_config (set)")]
    [InlineData("arrow_config", "{\"top_k\": 3}", "arrow_config (set)")]
    public void An_unsupported_PEFT_option_is_refused_naming_the_file_and_the_key(string key, string value, string expected)
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = ModelCatalog.Load(InteropModels.WriteEncoder(dir.File("base"), TinyEncoders.Bert));
        var lora = new LoraOptions(Rank: 2, Alpha: 4);
        using var model = InteropModels.Trained(pretrained, InteropModels.Classes(2), HeadKind.Pooler, null, lora);
        string adapter = dir.File("peft");
        PeftExport.Write(adapter, model, lora, InteropModels.TrainedNames(model), "base");
        string configPath = Path.Combine(adapter, PeftConfig.FileName);
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(configPath))!;
        json[key] = JsonNode.Parse(value);
        File.WriteAllText(configPath, json.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => PeftAdapter.Read(adapter, pretrained.Config));
        Assert.StartsWith(configPath + ": " + expected, error.Message);
        Assert.Contains("not supported", error.Message);
    }

    [Fact]
    public void An_adapter_on_some_layers_only_is_refused_naming_the_target_and_the_layers()
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = ModelCatalog.Load(InteropModels.WriteEncoder(dir.File("base"), TinyEncoders.Bert));
        var lora = new LoraOptions(Rank: 2, Alpha: 4);
        using var model = InteropModels.Trained(pretrained, InteropModels.Classes(2), HeadKind.Pooler, null, lora);
        string adapter = dir.File("peft");
        PeftExport.Write(adapter, model, lora, InteropModels.TrainedNames(model), "base");
        string weights = Path.Combine(adapter, PeftConfig.WeightsFile);
        var tensors = Pipeline.Weights.SafetensorsFile.Load(weights)
            .Where(p => !p.Key.Contains("layer.1.attention.self.value", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value);
        Pipeline.Weights.SafetensorsWriter.Write(weights, tensors);

        var error = Assert.Throws<InvalidDataException>(() => PeftAdapter.Read(adapter, pretrained.Config));
        Assert.Contains("target value is adapted in layer 0 only", error.Message);
        Assert.StartsWith(weights, error.Message);
    }
}
