using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Models;

namespace Pipeline.Weights;

/// <summary>
/// HF <c>config.json</c> ↔ <see cref="IModelConfig"/>: <c>model_type</c> picks the family
/// (<see cref="ModelFamilies"/>), which reads the rest; an unknown model type is an error listing the supported ones.
/// </summary>
public static class HfConfig
{
    public static IModelConfig Read(string path) => Parse(UntrustedFile.ReadJsonObject(path), path);

    public static IModelConfig Parse(JsonObject json, string source)
    {
        string modelType = JsonFields.String(json, "model_type", source)
            ?? throw new InvalidDataException($"{source}: no 'model_type' (expected one of {string.Join(", ", ModelFamilies.All.SelectMany(f => f.ModelTypes))})");
        return ModelFamilies.For(modelType, source).ReadConfig(json, modelType, source);
    }

    /// <summary>The config.json HF would write for <paramref name="config"/>.</summary>
    public static string ToJson(IModelConfig config) =>
        config.Family.WriteConfig(config).ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
