using Pipeline.Models.Bert;
using Pipeline.Models.Gpt2;
using Pipeline.Models.Llama;

namespace Pipeline.Models;

/// <summary>The model-family registry: HF config.json's <c>model_type</c> → the family that reads and builds it.</summary>
public static class ModelFamilies
{
    public static IReadOnlyList<ModelFamily> All { get; } = [BertFamily.Instance, Gpt2Family.Instance, LlamaFamily.Instance];

    /// <summary>The family of <paramref name="modelType"/>; an unknown one is an error listing what is supported.</summary>
    public static ModelFamily For(string modelType, string source) =>
        All.FirstOrDefault(f => f.ModelTypes.Contains(modelType))
        ?? throw new InvalidDataException($"{source}: model_type '{modelType}' is not supported; supported: " +
            string.Join("; ", All.Select(f => $"{string.Join(", ", f.ModelTypes)} ({f.Name})")));
}
