using Pipeline.Models;
using static TorchSharp.torch;

namespace Pipeline.Weights;

/// <summary>
/// An HF checkpoint directory: <c>config.json</c> (its <c>model_type</c> picks the family) + <c>model.safetensors</c>
/// (+ <c>vocab.txt</c> for WordPiece models, <c>vocab.json</c> + <c>merges.txt</c> for byte-level BPE). Keys may carry the
/// task-model prefix (<c>bert.</c>, <c>roberta.</c>: <see cref="ModelFamily.BackboneName"/>) or not, and may use the old <c>LayerNorm.gamma/beta</c> names; pretraining and task
/// heads (<c>cls.*</c>, <c>lm_head.*</c>, <c>classifier.*</c>, <c>qa_outputs.*</c>) are set aside and listed.
/// </summary>
public static class HfCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string VocabFile = "vocab.txt";
    public const string BpeVocabFile = "vocab.json";
    public const string BpeMergesFile = "merges.txt";

    /// <summary>Heads that sit on top of the encoder in HF task models; an encoder import does not use them.</summary>
    static readonly string[] HeadPrefixes = ["cls.", "lm_head.", "classifier.", "qa_outputs."];

    public static bool IsCheckpoint(string directory) =>
        File.Exists(Path.Combine(directory, ConfigFile)) && File.Exists(Path.Combine(directory, WeightsFile));

    public static IModelConfig ReadConfig(string directory) => HfConfig.Read(Require(directory, ConfigFile));

    public static PretrainedWeights Load(string directory)
    {
        var config = ReadConfig(directory);
        string weightsPath = Require(directory, WeightsFile);
        using var scope = NewDisposeScope();
        var raw = SafetensorsFile.Load(weightsPath);
        var (tensors, ignored) = Normalize(raw, config, weightsPath);
        return new PretrainedWeights(config, tensors, weightsPath, ignored);
    }

    /// <summary>
    /// HF keys → the family's <see cref="IWeightLayout"/> names, as float32. The prefix is that of the model type
    /// (<c>bert.</c> for BERT, <c>roberta.</c> for RoBERTa): a key with another one is left as it is and
    /// reported as unexpected, since it means the checkpoint is not what config.json says.
    /// </summary>
    public static (Dictionary<string, Tensor> Tensors, List<string> Ignored) Normalize(
        IReadOnlyDictionary<string, Tensor> raw, IModelConfig config, string source)
    {
        string prefix = config.Family.BackboneName(config) + ".";
        var buffers = config.Family.Layout(config).ComputedBuffers;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var ignored = new List<string>();
        foreach (var (key, tensor) in raw)
        {
            string name = key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : key;
            if (HeadPrefixes.Any(h => name.StartsWith(h, StringComparison.Ordinal)) || buffers.Contains(name))
            {
                ignored.Add(key);
                continue;
            }
            // TF-converted BERT checkpoints name LayerNorm parameters gamma/beta.
            if (name.EndsWith("LayerNorm.gamma", StringComparison.Ordinal)) name = name[..^"gamma".Length] + "weight";
            else if (name.EndsWith("LayerNorm.beta", StringComparison.Ordinal)) name = name[..^"beta".Length] + "bias";
            if (!tensor.is_floating_point())
                throw new InvalidDataException($"{source}: tensor '{key}' is {tensor.dtype}, expected a floating-point weight");
            if (!tensors.TryAdd(name, config.Family.FromCheckpoint(config, name, key, tensor.to(ScalarType.Float32), source)))
                throw new InvalidDataException($"{source}: '{key}' and another key both name '{name}' (with and without the '{prefix}' prefix?)");
        }
        return (tensors, ignored);
    }

    /// <summary>
    /// Writes an HF-style checkpoint of <paramref name="tensors"/> (backbone names, as its state dict) with keys
    /// under <paramref name="keyPrefix"/> ("" or "bert."/"roberta."/"transformer."), each tensor in the family's
    /// checkpoint layout (<see cref="ModelFamily.ToCheckpoint"/>: GPT-2's Conv1D weights [in, out]).
    /// </summary>
    public static void Save(string directory, IModelConfig config, IReadOnlyDictionary<string, Tensor> tensors, string keyPrefix = "")
    {
        Directory.CreateDirectory(directory);
        using (NewDisposeScope())
            SafetensorsFile.Save(Path.Combine(directory, WeightsFile),
                tensors.ToDictionary(p => keyPrefix + p.Key, p => config.Family.ToCheckpoint(config, p.Key, p.Value)));
        File.WriteAllText(Path.Combine(directory, ConfigFile), HfConfig.ToJson(config));
    }

    static string Require(string directory, string file)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"checkpoint directory '{directory}' does not exist");
        string path = Path.Combine(directory, file);
        return File.Exists(path) ? path
            : throw new FileNotFoundException($"{directory}: no {file}; an HF checkpoint directory holds {ConfigFile} and {WeightsFile}", path);
    }
}
