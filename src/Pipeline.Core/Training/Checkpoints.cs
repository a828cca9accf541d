using System.Text.Json;
using Pipeline.Storage;
using Pipeline.Models;
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
        string folder = Path.Combine(Directory, File.ReadAllText(pointer).Trim());
        string stateFile = Path.Combine(folder, "state.json");
        if (!File.Exists(stateFile))
            throw new InvalidDataException($"{pointer} names {folder}, which has no state.json; delete {Directory} to start over");

        var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(stateFile), Json)
            ?? throw new InvalidDataException($"{stateFile} is empty");
        model.load(Path.Combine(folder, "trainable.bin"), strict: false, skip: FrozenNames(model));
        optimizer.Load(Path.Combine(folder, "optimizer.bin"));
        var rng = File.ReadAllBytes(Path.Combine(folder, "rng.bin"));
        using (var rngState = tensor(rng, dtype: ScalarType.Byte)) torch.set_rng_state(rngState);
        string bestFile = Path.Combine(folder, "best.bin");
        return (state, File.Exists(bestFile) ? LoadWeights(bestFile) : null);
    }

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

    public static Dictionary<string, Tensor> LoadWeights(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        int count = reader.ReadInt32();
        var weights = new Dictionary<string, Tensor>(count);
        for (int i = 0; i < count; i++)
            weights[reader.ReadString()] = Tensor.Load(reader);
        return weights;
    }
}
