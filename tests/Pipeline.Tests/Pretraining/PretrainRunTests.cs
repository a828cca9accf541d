using Pipeline.Models;
using Pipeline.Generation;
using Pipeline.Models.Gpt2;
using Pipeline.Pretraining;
using Pipeline.Storage;
using Pipeline.Training;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Pretraining;

/// <summary>
/// <c>pipeline pretrain</c>'s run on the real corpus with a tiny configuration (1 layer × 32, blocks of 32, a few
/// dozen steps): held-out perplexity falls, the checkpoint lands in the model cache and generates, an interrupted
/// run resumes to exactly the uninterrupted one's weights, and the misuses are refused with what to do.
/// </summary>
[Collection(PretrainingCorpusCollection.Name)]
public class PretrainRunTests(FetchedCorpus corpus)
{
    static readonly PretrainConfig Tiny = new("tiny", "test", Layers: 1, Embedding: 32, Heads: 2, BlockSize: 32, BatchSize: 8,
        Epochs: 2, BlocksPerEpoch: 48, EvalBlocks: 16, LearningRate: 5e-3);

    /// <summary>A Pipeline home with the fixture's fetched data linked in, and its own pretrain/ and models/ folders.</summary>
    sealed class Workspace : IDisposable
    {
        readonly TestPaths.TempDir dir = new();

        public Workspace(FetchedCorpus corpus)
        {
            Directory.CreateSymbolicLink(Path.Combine(dir.Path, "data"), corpus.Home.DataRoot);
            Home = new PipelineHome(dir.Path);
        }

        public PipelineHome Home { get; }
        public string Models => Path.Combine(dir.Path, "models");
        public PretrainRun Run(PretrainConfig config, string name = "tiny-lm") => new(config, name, Models, Home, CPU);
        public void Dispose() => dir.Dispose();
    }

    sealed class CancelAfterEpoch(int epoch, CancellationTokenSource cancel) : ITrainingObserver
    {
        public void Evaluated(EpochRecord record, bool improved)
        {
            if (record.Epoch == epoch) cancel.Cancel();
        }
    }

    [Fact]
    public void A_tiny_run_lowers_held_out_perplexity_and_writes_a_checkpoint_that_generates()
    {
        using var work = new Workspace(corpus);
        var run = work.Run(Tiny);
        var summary = run.Run(resume: false);

        Assert.Equal([1, 2], summary.History.Select(e => e.Epoch));
        Assert.Equal(12, summary.History[^1].Step);   // 2 epochs × 48 blocks / 8
        // From ln(50,257) ≈ 10.8 at initialisation, down each epoch.
        Assert.True(summary.History[0].HeldOutPerplexity < 50_257, $"{summary.History[0].HeldOutPerplexity}");
        Assert.True(summary.History[1].HeldOutPerplexity < summary.History[0].HeldOutPerplexity);
        Assert.Equal(Math.Exp(summary.History[1].HeldOutLoss), summary.HeldOutPerplexity, 9);
        Assert.Equal(16 * 31, summary.EvaluatedTokens);
        Assert.InRange(summary.UnigramPerplexity, 200, 3000);
        Assert.Equal(corpus.Split.DataHash, summary.DataHash);
        Assert.False(Directory.Exists(run.WorkDirectory));   // the resumable state goes once the model is written

        Assert.True(File.Exists(Path.Combine(run.ModelDirectory, DecoderCheckpoint.SummaryFile)));
        using var pretrained = ModelCatalog.Load(run.ModelDirectory);
        Assert.Equal(Tiny.Model, pretrained.Config);
        var lm = pretrained.CreateLanguageModel();
        using var module = (nn.Module)lm;
        var texts = TextGenerator.Generate(lm, pretrained.RequireDecoderTokenizer(), ["The President said"], new GenerationOptions(MaxNewTokens: 5));
        Assert.NotEqual("", texts[0]);

        // A second run under the same name would overwrite the model: refused.
        var e = Assert.Throws<ArgumentException>(() => work.Run(Tiny).Run(resume: false));
        Assert.Equal($"model 'tiny-lm' already exists in {run.ModelDirectory}: choose another --name, or delete it first", e.Message);
    }

    [Fact]
    public void A_run_over_a_cut_vocabulary_writes_its_tokenizer_and_a_model_of_that_size()
    {
        using var work = new Workspace(corpus);
        var config = Tiny with { Name = "tiny-cut", Epochs = 1, Merges = 500 };
        var run = work.Run(config);
        var summary = run.Run(resume: false);

        using var pretrained = ModelCatalog.Load(run.ModelDirectory);
        Assert.Equal(config.Model, pretrained.Config);
        Assert.Equal((757, 756, 756), (config.Model.VocabSize, config.Model.EosTokenId, config.Model.BosTokenId));
        var tokenizer = pretrained.RequireDecoderTokenizer();
        Assert.Equal((757, 756), (tokenizer.VocabSize, tokenizer.EosId));
        Assert.All(tokenizer.Encode("The President said to Congress"), id => Assert.InRange(id, 0, 755));
        // From ln(757) ≈ 6.6 at initialisation, and the unigram baseline over the same 757 tokens.
        Assert.True(summary.HeldOutPerplexity < 757, $"{summary.HeldOutPerplexity}");
        Assert.InRange(summary.UnigramPerplexity, 20, 757);
        var lm = pretrained.CreateLanguageModel();
        using var module = (nn.Module)lm;
        Assert.NotEqual("", TextGenerator.Generate(lm, tokenizer, ["The President said"], new GenerationOptions(MaxNewTokens: 5))[0]);
    }

    [Fact]
    public void An_interrupted_run_resumes_from_its_epoch_checkpoint_to_the_uninterrupted_runs_weights()
    {
        using var straight = new Workspace(corpus);
        var expected = straight.Run(Tiny).Run(resume: false);

        using var interrupted = new Workspace(corpus);
        var run = interrupted.Run(Tiny);
        using (var cancel = new CancellationTokenSource())
            Assert.Throws<OperationCanceledException>(() => run.Run(resume: false, new CancelAfterEpoch(1, cancel), cancel.Token));
        Assert.False(Directory.Exists(run.ModelDirectory));

        var e = Assert.Throws<ArgumentException>(() => interrupted.Run(Tiny).Run(resume: false));
        Assert.StartsWith("'tiny-lm' has a checkpoint of an unfinished run in ", e.Message);
        Assert.EndsWith("add --resume to continue it, or delete " + run.WorkDirectory + " to start over", e.Message);
        e = Assert.Throws<ArgumentException>(() => interrupted.Run(Tiny with { LearningRate = 1e-3 }).Run(resume: true));
        Assert.StartsWith($"--resume: {Path.Combine(run.WorkDirectory, "run.json")} records another configuration or corpus than this run's", e.Message);

        var resumed = interrupted.Run(Tiny).Run(resume: true);
        Assert.Equal(expected.History.Select(h => h.HeldOutLoss), resumed.History.Select(h => h.HeldOutLoss));
        Assert.Equal(expected.History.Select(h => h.TrainLoss), resumed.History.Select(h => h.TrainLoss));
        using var scope = NewDisposeScope();
        var a = SafetensorsFile.Load(Path.Combine(straight.Models, "tiny-lm", HfCheckpoint.WeightsFile));
        var b = SafetensorsFile.Load(Path.Combine(interrupted.Models, "tiny-lm", HfCheckpoint.WeightsFile));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (key, tensor) in a) Assert.True(tensor.eq(b[key]).all().item<bool>(), key);
    }

    [Fact]
    public void Resume_without_a_checkpoint_and_bad_names_are_refused_with_what_to_do()
    {
        using var work = new Workspace(corpus);
        var run = work.Run(Tiny);
        var e = Assert.Throws<FileNotFoundException>(() => run.Run(resume: true));
        Assert.Equal($"--resume: no checkpoint of 'tiny-lm' in {Path.Combine(run.WorkDirectory, "checkpoints")}; run without --resume to start", e.Message);
        Assert.Equal("'../x' cannot name a model directory: use letters, digits, '-' and '_'",
            Assert.Throws<ArgumentException>(() => work.Run(Tiny, "../x").Run(resume: false)).Message);
        Assert.Equal("unknown pretraining configuration 'tpu'; choose one of cpu, cpu-bpe8k, cpu-pkmn, gpu", Assert.Throws<ArgumentException>(() => PretrainConfig.Get("tpu")).Message);
        Assert.Equal("pretraining configuration 'tiny': n_embd 32 is not a multiple of n_head 3",
            Assert.Throws<ArgumentException>(() => work.Run(Tiny with { Heads = 3 }).Run(resume: false)).Message);
    }

    [Fact]
    public void Epochs_shorter_than_the_corpus_walk_through_shuffled_passes_and_depend_only_on_seed_and_epoch()
    {
        using var model = new Gpt2Model(Tiny.Model);
        var pretrainer = new Pretrainer(model, Tiny, CPU);
        // 10 blocks, 4 per epoch: epochs 1–2 are the first 8 of pass 0, epoch 3 its last 2 and the first 2 of pass 1.
        var pass0 = pretrainer.EpochBlocks(10, 10, 1);
        var pass1 = pretrainer.EpochBlocks(10, 10, 2);
        Assert.Equal(Enumerable.Range(0, 10), pass0.Order());
        Assert.NotEqual(pass0, pass1);
        Assert.Equal(pass0[..4], pretrainer.EpochBlocks(10, 4, 1));
        Assert.Equal(pass0[4..8], pretrainer.EpochBlocks(10, 4, 2));
        Assert.Equal(pass0[8..].Concat(pass1[..2]), pretrainer.EpochBlocks(10, 4, 3));
        Assert.Equal(pretrainer.EpochBlocks(10, 4, 3), new Pretrainer(model, Tiny, CPU).EpochBlocks(10, 4, 3));
    }
}
