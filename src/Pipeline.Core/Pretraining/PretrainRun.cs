using System.Diagnostics;
using Pipeline.Models.Gpt2;
using Pipeline.Storage;
using Pipeline.Text;
using Pipeline.Training;
using Pipeline.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Pretraining;

/// <summary>One epoch of a pretraining run as the summary records it.</summary>
public sealed record PretrainEpoch(int Epoch, int Step, double TrainLoss, double HeldOutLoss, double HeldOutPerplexity, double Seconds);

/// <summary>What <c>pipeline pretrain</c> did, written as <c>pretraining.json</c> beside the checkpoint (and where <c>--summary</c> says).</summary>
public sealed record PretrainSummary(
    string Model,
    string Configuration,
    PretrainConfig Settings,
    string Architecture,
    long Parameters,
    IReadOnlyList<string> Corpus,
    string Split,
    string DataHash,
    int TrainDocuments,
    long TrainTokens,
    int TrainBlocks,
    int HeldOutDocuments,
    long HeldOutTokens,
    int HeldOutBlocks,
    long EvaluatedTokens,
    double UnigramPerplexity,
    double HeldOutPerplexity,
    IReadOnlyList<PretrainEpoch> History,
    double TrainingSeconds,
    string Device,
    int Threads);

/// <summary>
/// <c>pipeline pretrain</c> end to end: the cached corpus split and tokenized into blocks, the unigram baseline, a
/// randomly initialised GPT-2 trained by <see cref="Pretrainer"/> (checkpoints in
/// <c>PIPELINE_HOME/pretrain/&lt;name&gt;/</c>, resumable), the result written into the model cache as an HF
/// checkpoint. Both perplexities are over the same held-out tokens: every token but the first of each scored block.
/// </summary>
public sealed class PretrainRun(PretrainConfig config, string modelName, string modelsDirectory, PipelineHome home, Device device)
{
    public Action<string> Log { get; init; } = _ => { };

    public string WorkDirectory => Path.Combine(home.Root, "pretrain", modelName);

    public string ModelDirectory => Path.Combine(modelsDirectory, modelName);

    /// <summary>An interrupted run of this model left a checkpoint to resume.</summary>
    public bool HasCheckpoint => File.Exists(Path.Combine(WorkDirectory, "checkpoints", "latest"));

    public PretrainSummary Run(bool resume, ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        var errors = config.Validate().ToList();
        if (errors.Count > 0) throw new ArgumentException($"pretraining configuration '{config.Name}': {string.Join("; ", errors)}");
        if (string.IsNullOrWhiteSpace(modelName) || modelName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || modelName.StartsWith('.'))
            throw new ArgumentException($"'{modelName}' cannot name a model directory: use letters, digits, '-' and '_'");
        PretrainingCorpus.Require(home, config);
        var checkpoints = new Checkpoints(Path.Combine(WorkDirectory, "checkpoints"));
        bool hasCheckpoint = HasCheckpoint;
        if (resume && !hasCheckpoint)
            throw new FileNotFoundException($"--resume: no checkpoint of '{modelName}' in {checkpoints.Directory}; run without --resume to start", checkpoints.Directory);
        if (!resume && hasCheckpoint)
            throw new ArgumentException($"'{modelName}' has a checkpoint of an unfinished run in {checkpoints.Directory}: add --resume to continue it, or delete {WorkDirectory} to start over");
        if (!resume && HfCheckpoint.IsCheckpoint(ModelDirectory))
            throw new ArgumentException($"model '{modelName}' already exists in {ModelDirectory}: choose another --name, or delete it first");

        var clock = Stopwatch.StartNew();
        var split = PretrainingCorpus.Load(home, config);
        var (vocabPath, mergesPath) = config.Merges is int merges
            ? Gpt2TokenizerFiles.WriteCut(home, merges, Path.Combine(WorkDirectory, "tokenizer"))
            : (Gpt2TokenizerFiles.VocabPath(home), Gpt2TokenizerFiles.MergesPath(home));
        var tokenizer = Gpt2TokenizerFiles.Load(vocabPath, mergesPath, config.EndOfTextId);
        var train = TokenBlocks.Tokenize(split.Train, tokenizer, config.BlockSize);
        var heldOut = TokenBlocks.Tokenize(split.HeldOut, tokenizer, config.BlockSize);
        var scored = heldOut.Spread(config.EvalBlocks);
        Log($"corpus: {string.Join(", ", PretrainingCorpus.SourcesOf(config).Select(s => $"{s.Package.Package}@{s.Package.Version}"))}, data hash {split.DataHash[..12]}…");
        Log($"train {split.Train.Count} documents, {train.TokenCount:N0} tokens, {train.Count:N0} blocks of {config.BlockSize}; " +
            $"held-out {split.HeldOut.Count} documents, {heldOut.TokenCount:N0} tokens, {heldOut.Count:N0} blocks ({scored.Count:N0} scored each epoch); tokenized in {clock.Elapsed.TotalSeconds:F0} s");

        var unigram = UnigramModel.Fit(train.AllTokens(), config.Model.VocabSize);
        double baseline = unigram.Perplexity(scored.Targets());
        Log($"unigram baseline (add-one smoothed, fitted on the train tokens): held-out perplexity {baseline:F1}");

        var identity = new RunIdentity(config, split.DataHash);
        string identityPath = Path.Combine(WorkDirectory, "run.json");
        if (resume)
        {
            var saved = AtomicFile.ReadJson<RunIdentity>(identityPath);
            if (saved != identity)
                throw new ArgumentException($"--resume: {identityPath} records another configuration or corpus than this run's " +
                    $"('{saved.Settings.Name}', data {saved.DataHash[..12]}… vs '{config.Name}', data {split.DataHash[..12]}…); resume with the same options, or delete {WorkDirectory}");
        }
        else AtomicFile.WriteJson(identityPath, identity);

        manual_seed(config.Seed);
        using var model = new Gpt2Model(config.Model);
        Gpt2Initialization.Apply(model);
        model.to(device);
        long parameters = model.parameters().Sum(p => p.numel());
        Log($"model: {config.Model.Describe()}, {parameters:N0} parameters, on {device}, {torch.get_num_threads()} threads");

        var pretrainer = new Pretrainer(model, config, device, observer);
        var history = pretrainer.Fit(train, heldOut, checkpoints, cancel);
        var final = history[^1];
        Log($"held-out perplexity {final.Score:F1} after {final.Epoch} epochs ({final.Seconds / 60:F1} min of training); unigram baseline {baseline:F1}");

        var summary = new PretrainSummary(modelName, config.Name, config, config.Model.Describe(), parameters,
            PretrainingCorpus.SourcesOf(config).Select(s => $"{s.Name}: {s.Package.Package}@{s.Package.Version}").ToList(), split.Definition, split.DataHash,
            split.Train.Count, train.TokenCount, train.Count, split.HeldOut.Count, heldOut.TokenCount, heldOut.Count,
            scored.Count * (config.BlockSize - 1L), baseline, final.Score,
            history.Select(r => new PretrainEpoch(r.Epoch, r.Step, r.TrainLoss, r.DevLoss, r.Score, r.Seconds)).ToList(),
            final.Seconds, device.ToString(), torch.get_num_threads());
        DecoderCheckpoint.Write(ModelDirectory, model, vocabPath, mergesPath, summary);
        Log($"wrote {ModelDirectory} (load it as `model: {{name: {modelName}}}` or `pipeline generate --model {modelName}`)");
        // The checkpoint is the product now; the resumable state (weights + two optimiser moments) would only take space.
        Directory.Delete(WorkDirectory, recursive: true);
        return summary;
    }

    /// <summary>What a checkpoint was made with; a resume under other settings or another corpus is refused.</summary>
    sealed record RunIdentity(PretrainConfig Settings, string DataHash);
}
