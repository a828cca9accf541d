using System.Text.Json.Nodes;
using Pipeline.Models;
using static TorchSharp.torch;

namespace Pipeline.Weights;

/// <summary>
/// An HF checkpoint directory: <c>config.json</c> (its <c>model_type</c> picks the family) + <c>model.safetensors</c>, or
/// the shards a <c>model.safetensors.index.json</c> names (its <c>weight_map</c>: tensor → shard file, as HF writes large
/// models) (+ <c>vocab.txt</c> for WordPiece models, <c>vocab.json</c> + <c>merges.txt</c> for byte-level BPE,
/// <c>tokenizer.model</c> for SentencePiece). Stored float16 and bfloat16 tensors become float32. Keys may carry the
/// task-model prefix (<c>bert.</c>, <c>roberta.</c>: <see cref="ModelFamily.BackboneName"/>) or not, and may use the old <c>LayerNorm.gamma/beta</c> names; pretraining and task
/// heads (<c>cls.*</c>, <c>lm_head.*</c>, <c>classifier.*</c>, <c>qa_outputs.*</c>) are set aside and listed.
/// </summary>
public static class HfCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string WeightsIndexFile = "model.safetensors.index.json";
    public const string VocabFile = "vocab.txt";
    public const string BpeVocabFile = "vocab.json";
    public const string BpeMergesFile = "merges.txt";

    /// <summary>Heads that sit on top of the encoder in HF task models; an encoder import does not use them.</summary>
    static readonly string[] HeadPrefixes = ["cls.", "lm_head.", "classifier.", "qa_outputs."];

    public static bool IsCheckpoint(string directory) =>
        File.Exists(Path.Combine(directory, ConfigFile))
        && (File.Exists(Path.Combine(directory, WeightsFile)) || File.Exists(Path.Combine(directory, WeightsIndexFile)));

    public static IModelConfig ReadConfig(string directory) => HfConfig.Read(Require(directory, ConfigFile));

    public static PretrainedWeights Load(string directory)
    {
        var config = ReadConfig(directory);
        using var scope = NewDisposeScope();
        if (!IsSharded(directory))
        {
            string weightsPath = Require(directory, WeightsFile);
            var raw = SafetensorsFile.Load(weightsPath);
            var (tensors, ignored) = Normalize(raw, config, weightsPath);
            return new PretrainedWeights(config, tensors, weightsPath, ignored);
        }
        string indexPath = Path.Combine(directory, WeightsIndexFile);
        var all = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var allIgnored = new List<string>();
        var expected = config.Family.Layout(config).Shapes();
        foreach (var (shard, keys) in ReadIndex(indexPath))
        {
            string shardPath = Path.Combine(directory, shard);
            var raw = SafetensorsFile.Load(shardPath);
            // The index and the shard must agree, tensor by tensor: a stale index would otherwise load a mixture.
            if (keys.FirstOrDefault(k => !raw.ContainsKey(k)) is { } absent)
                throw new InvalidDataException($"{indexPath}: tensor '{absent}' is mapped to {shard}, which does not hold it");
            if (raw.Keys.FirstOrDefault(k => !keys.Contains(k)) is { } unlisted)
                throw new InvalidDataException($"{shardPath}: tensor '{unlisted}' is not in {WeightsIndexFile}'s weight_map for this shard");
            var (tensors, ignored) = Normalize(raw, config, shardPath);
            foreach (var (name, tensor) in tensors)
            {
                // The shape is checked here too, so that the message names the shard that holds the tensor.
                if (expected.TryGetValue(name, out var shape) && !shape.SequenceEqual(tensor.shape))
                    throw new InvalidDataException($"{shardPath}: tensor '{name}' has shape {TensorShape.Format(tensor.shape)}, " +
                        $"expected {TensorShape.Format(shape)} for {config.Describe()}");
                if (!all.TryAdd(name, tensor))
                    throw new InvalidDataException($"{shardPath}: tensor '{name}' is held by another shard too");
            }
            allIgnored.AddRange(ignored);
        }
        return new PretrainedWeights(config, all, indexPath, allIgnored);
    }

    /// <summary>Sharded: no model.safetensors, but a model.safetensors.index.json (a single file wins when both are there).</summary>
    static bool IsSharded(string directory) =>
        !File.Exists(Path.Combine(directory, WeightsFile)) && File.Exists(Path.Combine(directory, WeightsIndexFile));

    /// <summary>
    /// The safetensors files of a checkpoint: model.safetensors, or the shards its index names (each checked to exist).
    /// </summary>
    public static IReadOnlyList<string> WeightFiles(string directory) => IsSharded(directory)
        ? [.. ReadIndex(Path.Combine(directory, WeightsIndexFile)).Keys.Select(shard => Path.Combine(directory, shard))]
        : [Require(directory, WeightsFile)];

    /// <summary>
    /// model.safetensors.index.json's weight_map grouped by shard, in the order shards first appear; a shard file that
    /// is missing, or a map that is not tensor name → file name in this directory, is an error naming the index.
    /// </summary>
    public static IReadOnlyDictionary<string, HashSet<string>> ReadIndex(string indexPath)
    {
        var map = UntrustedFile.ReadJsonObject(indexPath)["weight_map"] as JsonObject
            ?? throw new InvalidDataException($"{indexPath}: no 'weight_map' object (tensor name → shard file)");
        var shards = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            string shard = JsonFields.String(map, key, indexPath)
                ?? throw new InvalidDataException($"{indexPath}: tensor '{key}' is mapped to null, expected a shard file name");
            if (Path.GetFileName(shard) != shard || !shard.EndsWith(".safetensors", StringComparison.Ordinal))
                throw new InvalidDataException($"{indexPath}: tensor '{key}' is mapped to '{shard}', expected a .safetensors file in the checkpoint directory");
            if (!shards.TryGetValue(shard, out var keys)) shards[shard] = keys = new HashSet<string>(StringComparer.Ordinal);
            keys.Add(key);
        }
        if (shards.Count == 0) throw new InvalidDataException($"{indexPath}: the weight_map is empty");
        string directory = Path.GetDirectoryName(indexPath) ?? ".";
        foreach (var (shard, keys) in shards)
            if (!File.Exists(Path.Combine(directory, shard)))
                throw new InvalidDataException($"{indexPath}: shard {shard} (holding '{keys.Order(StringComparer.Ordinal).First()}' and " +
                    $"{keys.Count - 1} more) does not exist in {directory}");
        return shards;
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
        var layout = config.Family.Layout(config);
        var buffers = layout.ComputedBuffers;
        var names = layout.Shapes();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var ignored = new List<string>();
        foreach (var (key, tensor) in raw)
        {
            string name = key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : key;
            // A head HF keeps beside the backbone is part of the layout when the family holds it (LLaMA's untied lm_head).
            if ((HeadPrefixes.Any(h => name.StartsWith(h, StringComparison.Ordinal)) && !names.ContainsKey(name)) || buffers.Contains(name))
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
    /// checkpoint layout (<see cref="ModelFamily.ToCheckpoint"/>: GPT-2's Conv1D weights [in, out]) and under its key
    /// (<see cref="ModelFamily.CheckpointKey"/>: LLaMA's lm_head without the prefix). <paramref name="head"/> holds tensors
    /// the task model keeps beside the backbone (<c>classifier.*</c>), written under their own names. The file's metadata
    /// is <c>{"format": "pt"}</c>, as transformers writes it.
    /// </summary>
    public static void Save(string directory, IModelConfig config, IReadOnlyDictionary<string, Tensor> tensors, string keyPrefix = "",
        IReadOnlyDictionary<string, Tensor>? head = null)
    {
        Directory.CreateDirectory(directory);
        using (NewDisposeScope())
        {
            var keyed = tensors.ToDictionary(p => config.Family.CheckpointKey(config, p.Key, keyPrefix), p => config.Family.ToCheckpoint(config, p.Key, p.Value));
            foreach (var (name, tensor) in head ?? new Dictionary<string, Tensor>())
                if (!keyed.TryAdd(name, tensor)) throw new ArgumentException($"head tensor '{name}' collides with a backbone key");
            SafetensorsWriter.Write(Path.Combine(directory, WeightsFile), keyed);
        }
        File.WriteAllText(Path.Combine(directory, ConfigFile), HfConfig.ToJson(config));
    }

    static string Require(string directory, string file)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"checkpoint directory '{directory}' does not exist");
        string path = Path.Combine(directory, file);
        return File.Exists(path) ? path
            : throw new FileNotFoundException($"{directory}: no {file}; an HF checkpoint directory holds {ConfigFile} and {WeightsFile} " +
                $"(or {WeightsIndexFile} and its shards)", path);
    }
}
