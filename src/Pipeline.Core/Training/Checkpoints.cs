using System.Text.Json;
using Pipeline.Storage;
using Pipeline.Models;
using Pipeline.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training;

/// <summary>
/// A run's resumable state: the trainable weights, the optimiser state, torch's CPU generator, and
/// <see cref="TrainerState"/>; plus the best evaluation's trainable weights. Each save writes a new folder
/// <c>epoch-NNNN/</c> completely, then switches the pointer file <c>latest</c> by an atomic rename, then
/// removes older folders — an interrupted save leaves the previous checkpoint intact.
/// </summary>
public sealed class Checkpoints(string directory)
{
    const string Pointer = "latest";
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Directory { get; } = directory;

    public void Save(nn.Module model, FlatAdamW optimizer, TrainerState state, IReadOnlyDictionary<string, Tensor>? best)
    {
        string name = $"epoch-{state.EpochsDone:D4}-step-{state.Step:D7}";
        string folder = Path.Combine(Directory, name);
        if (System.IO.Directory.Exists(folder)) System.IO.Directory.Delete(folder, recursive: true);
        System.IO.Directory.CreateDirectory(folder);

        model.save(Path.Combine(folder, "trainable.bin"), FrozenNames(model));
        optimizer.Save(Path.Combine(folder, "optimizer.bin"));
        using (var rng = torch.get_rng_state()) File.WriteAllBytes(Path.Combine(folder, "rng.bin"), rng.data<byte>().ToArray());
        if (best is not null) SaveWeights(best, Path.Combine(folder, "best.bin"));
        File.WriteAllText(Path.Combine(folder, "state.json"), JsonSerializer.Serialize(state, Json));
        AtomicFile.WriteAllText(Path.Combine(Directory, Pointer), name); // the switch to the new checkpoint
        foreach (string old in System.IO.Directory.GetDirectories(Directory, "epoch-*").Where(d => Path.GetFileName(d) != name))
            System.IO.Directory.Delete(old, recursive: true);
    }

    /// <summary>Restores the latest checkpoint into the model and optimiser; null when there is none.</summary>
    public (TrainerState State, Dictionary<string, Tensor>? Best)? TryLoad(nn.Module model, FlatAdamW optimizer)
    {
        string pointer = Path.Combine(Directory, Pointer);
        if (!File.Exists(pointer)) return null;
        string name = File.ReadAllText(pointer).Trim();
        // The pointer's text becomes a path: only a folder this class writes, never "../…" or an absolute path.
        if (!name.StartsWith("epoch-", StringComparison.Ordinal) || Path.GetFileName(name) != name || name.Contains('\\'))
            throw new InvalidDataException($"{pointer}: '{Truncated(name)}' is not a checkpoint folder name (epoch-…); delete {Directory} to start over");
        string folder = Path.Combine(Directory, name);
        string stateFile = Path.Combine(folder, "state.json");
        if (!File.Exists(stateFile))
            throw new InvalidDataException($"{pointer} names {folder}, which has no state.json; delete {Directory} to start over");

        TrainerState state;
        try
        {
            state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(stateFile), Json)
                ?? throw new InvalidDataException($"{stateFile} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{stateFile}: not a trainer state ({e.Message}); delete {Directory} to start over", e);
        }
        string trainable = Path.Combine(folder, "trainable.bin");
        CheckTrainable(model, trainable);
        model.load(trainable, strict: false, skip: FrozenNames(model));
        optimizer.Load(Path.Combine(folder, "optimizer.bin"));
        string rngFile = Path.Combine(folder, "rng.bin");
        var rng = File.ReadAllBytes(rngFile);
        using (var current = torch.get_rng_state())
            if (rng.Length != current.numel())
                throw new InvalidDataException($"{rngFile}: {rng.Length} bytes, torch's generator state has {current.numel()}; delete {Directory} to start over");
        using (var rngState = tensor(rng, dtype: ScalarType.Byte)) torch.set_rng_state(rngState);
        string bestFile = Path.Combine(folder, "best.bin");
        return (state, File.Exists(bestFile) ? LoadWeights(bestFile) : null);
    }

    /// <summary>
    /// trainable.bin (TorchSharp's Module.save) checked before TorchSharp reads it: every entry a trainable tensor of
    /// this model with its dtype and shape. TorchSharp's reader would allocate whatever a damaged header says, and
    /// (non-strict) lose its place in the file at an unknown name.
    /// </summary>
    void CheckTrainable(nn.Module model, string path)
    {
        var frozen = FrozenNames(model).ToHashSet(StringComparer.Ordinal);
        var expected = model.state_dict().Where(p => !frozen.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var (name, header) in TorchSharpFormat.ReadModuleHeaders(path))
        {
            if (!expected.TryGetValue(name, out var target))
                throw new InvalidDataException($"{path}: tensor '{name}' is not a trainable tensor of this model; the run's model or adapter settings changed? " +
                    $"delete {Directory} to start over");
            if (header.DType != target.dtype || !header.Shape.SequenceEqual(target.shape))
                throw new InvalidDataException($"{path}: tensor '{name}' is {header.DType} {Weights.TensorShape.Format(header.Shape)}, the model's is " +
                    $"{target.dtype} {Weights.TensorShape.Format(target.shape)}; delete {Directory} to start over");
        }
    }

    static string Truncated(string text) => text.Length <= 80 ? text : text[..80] + "…";

    /// <summary>Names of the parameters that do not train (left out of checkpoints: they come from the pretrained model).</summary>
    public static IList<string> FrozenNames(nn.Module model) =>
        model.named_parameters().Where(p => !p.parameter.requires_grad).Select(p => p.name).ToList();

    /// <summary>Copies of the trainable parameters (adapters and head), detached, on the CPU.</summary>
    public static Dictionary<string, Tensor> TrainableWeights(nn.Module model) =>
        model.named_parameters().Where(p => p.parameter.requires_grad)
            .ToDictionary(p => p.name, p => p.parameter.detach().cpu().clone());

    /// <summary>Copies weights (by name) into the model's parameters.</summary>
    public static void Restore(nn.Module model, IReadOnlyDictionary<string, Tensor> weights)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var noGrad = no_grad();
        foreach (var (name, value) in weights)
        {
            if (!parameters.TryGetValue(name, out var parameter))
                throw new InvalidDataException($"saved weight {name} has no parameter in this model");
            parameter.copy_(value);
        }
    }

    /// <summary>Writes named tensors (TorchSharp's tensor format, preceded by names) atomically.</summary>
    public static void SaveWeights(IReadOnlyDictionary<string, Tensor> weights, string path) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(weights.Count);
            foreach (var (name, value) in weights)
            {
                writer.Write(name);
                value.Save(writer);
            }
        });

    /// <summary>
    /// Reads what <see cref="SaveWeights"/> wrote (adapter.bin, model.bin, best.bin) as hostile input: the count and every
    /// name and tensor header are checked against the bytes left before anything is allocated
    /// (<see cref="TorchSharpFormat"/>); a damaged file is an <see cref="InvalidDataException"/> naming it.
    /// </summary>
    public static Dictionary<string, Tensor> LoadWeights(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        if (stream.Length < sizeof(int)) throw TorchSharpFormat.Damaged(path, "shorter than its 4-byte tensor count");
        int count = reader.ReadInt32();
        if (count < 0 || count > stream.Length)
            throw TorchSharpFormat.Damaged(path, $"the tensor count {count} does not fit a file of {stream.Length} bytes");
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            for (int i = 0; i < count; i++)
            {
                string name = TorchSharpFormat.Name(reader, path, i);
                if (weights.ContainsKey(name)) throw TorchSharpFormat.Damaged(path, $"tensor '{name}' appears twice");
                weights[name] = TorchSharpFormat.ReadTensor(reader, path, name);
            }
            if (stream.Position != stream.Length)
                throw TorchSharpFormat.Damaged(path, $"{stream.Length - stream.Position} bytes follow the last of its {count} tensors");
            return weights;
        }
        catch
        {
            foreach (var tensor in weights.Values) tensor.Dispose();
            throw;
        }
    }
}
