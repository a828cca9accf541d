using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Models;
using Pipeline.Models.Heads;
using Pipeline.Vocabulary;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Interop;

/// <summary>
/// A head with no transformers counterpart (the mean-pooled linear head of MiniLM, a [CLS]-pooled one, a roberta head
/// on BERT), written beside a base-model export: <c>head.safetensors</c> (<c>classifier.*</c> as the task model names
/// them, metadata format pt) and <c>head.json</c> (<c>head</c> and <c>pooling</c> by their YAML names, the labels).
/// docs/interop.md shows the Python that applies it.
/// </summary>
public static class HeadFile
{
    public const string WeightsFile = "head.safetensors";
    public const string ConfigFile = "head.json";

    public static void Write(string directory, TaskModel model, IReadOnlyList<string>? labels)
    {
        var (kind, pooling) = KindOf(model.Head) ?? throw new ArgumentException($"head {model.Head.GetType().Name} has no head file");
        var tensors = model.named_parameters().Where(p => p.name.StartsWith(TaskModel.HeadPrefix, StringComparison.Ordinal))
            .ToDictionary(p => p.name, p => (Tensor)p.parameter.detach().cpu().to(ScalarType.Float32));
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFile), tensors);
        var json = new JsonObject
        {
            ["head"] = YamlVocabulary.NameOf(kind),
            ["pooling"] = pooling is { } chosen ? YamlVocabulary.NameOf(chosen) : null,
            ["labels"] = labels is null ? null : new JsonArray(labels.Select(l => (JsonNode?)l).ToArray()),
        };
        File.WriteAllText(Path.Combine(directory, ConfigFile), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>A head's YAML kind and pooling; null for a language model's head.</summary>
    public static (HeadKind Kind, Pooling? Pooling)? KindOf(TaskHead head) => head switch
    {
        LinearHead { Pooling: { } own } => (HeadKind.Linear, own),
        LinearHead => (HeadKind.Pooler, null),
        RobertaHead => (HeadKind.Roberta, null),
        _ => null,
    };

    /// <summary>The head's kind, pooling and weights (<c>classifier.*</c>), or null when the folder has no head file.</summary>
    public static (HeadKind Kind, Pooling? Pooling, Dictionary<string, Tensor> Weights)? Read(string directory)
    {
        string weights = Path.Combine(directory, WeightsFile), config = Path.Combine(directory, ConfigFile);
        if (!File.Exists(weights)) return null;
        if (!File.Exists(config))
            throw new FileNotFoundException($"{directory}: {WeightsFile} without {ConfigFile}, which says which head and pooling the weights are for", config);
        var json = JsonNode.Parse(File.ReadAllText(config)) as JsonObject ?? throw new InvalidDataException($"{config}: expected a JSON object");
        string headName = json["head"]?.GetValue<string>() ?? throw new InvalidDataException($"{config}: no 'head'");
        var kind = YamlVocabulary.Parse<HeadKind>(headName)
            ?? throw new InvalidDataException($"{config}: head '{headName}' is not one of {string.Join(", ", YamlVocabulary.NamesOf<HeadKind>())}");
        Pooling? pooling = null;
        if (json["pooling"]?.GetValue<string>() is { } poolingName)
            pooling = YamlVocabulary.Parse<Pooling>(poolingName)
                ?? throw new InvalidDataException($"{config}: pooling '{poolingName}' is not one of {string.Join(", ", YamlVocabulary.NamesOf<Pooling>())}");
        var tensors = SafetensorsFile.Load(weights);
        foreach (var key in tensors.Keys.Where(k => !k.StartsWith(TaskModel.HeadPrefix, StringComparison.Ordinal)))
            throw new InvalidDataException($"{weights}: tensor '{key}' is not a head weight (classifier.*)");
        return (kind, pooling, tensors.ToDictionary(p => p.Key, p => p.Value.to(ScalarType.Float32)));
    }
}
