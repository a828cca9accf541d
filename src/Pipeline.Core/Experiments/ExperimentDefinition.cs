using Pipeline.Dropout;
using Pipeline.Lora;
using Pipeline.Models;

namespace Pipeline.Experiments;

/// <summary>
/// One runnable experiment variant, fully resolved: what <c>experiments/*.yaml</c> compiles into (one per
/// variant of the sweep grid). Every field maps one-to-one onto a YAML section (docs/experiments.md).
/// </summary>
/// <param name="Name">The experiment's name (YAML <c>name</c>), unique in the repository.</param>
/// <param name="Variant">The variant's name inside the experiment: "default", or the grid point, e.g. "rate=0.1,kl_weight=1".</param>
/// <param name="Description">One line for <c>pipeline list</c>.</param>
/// <param name="Model">YAML <c>model</c>.</param>
/// <param name="Task">YAML <c>task</c>.</param>
/// <param name="Lora">YAML <c>lora</c>; null for <c>lora: none</c>: full fine-tuning, no adapters, every backbone and head weight trains.</param>
/// <param name="Dropout">YAML <c>dropout</c> + <c>compensation</c>.</param>
/// <param name="Training">YAML <c>training</c>.</param>
/// <param name="Seeds">YAML <c>seeds</c>: each seed is one run of the variant.</param>
public sealed record ExperimentDefinition(
    string Name,
    string Variant,
    string Description,
    ModelOptions Model,
    TaskOptions Task,
    LoraOptions? Lora,
    DropoutPlan Dropout,
    TrainingOptions Training,
    IReadOnlyList<int> Seeds)
{
    /// <summary>
    /// The variant that is the YAML file as written; the grid's points are named after their values. The
    /// experiment generator reads this constant from the compilation to name the variants it emits.
    /// </summary>
    public const string DefaultVariant = "default";

    /// <summary><c>lora: none</c>: every weight trains, as in the paper's full fine-tuning baselines.</summary>
    public bool IsFullFineTuning => Lora is null;
}

/// <summary>The pretrained encoder and how it reads a sentence.</summary>
/// <param name="Name">An embedded model (<c>all-minilm-l6-v2</c>, <c>arctic-embed-xs</c>) or null when <paramref name="Path"/> is given.</param>
/// <param name="Path">A Hugging Face checkpoint directory (config.json + model.safetensors + vocab.txt, or vocab.json + merges.txt for RoBERTa).</param>
/// <param name="Pooling">Sentence representation for the linear head; null = the model's own (mean for MiniLM, as it was trained; [CLS] for arctic-embed-xs).</param>
/// <param name="Head">The classification head; null = the model's own (roberta for RoBERTa checkpoints, pooler for BERT checkpoints with a pooler, else linear).</param>
public sealed record ModelOptions(string? Name = "all-minilm-l6-v2", string? Path = null, Pooling? Pooling = null, HeadKind? Head = null);

/// <summary>Where the task's examples come from and how they are split and measured.</summary>
/// <param name="Dataset">A built-in dataset (<c>pipeline data list</c>), or null when <paramref name="Format"/> and <paramref name="Path"/> are given.</param>
/// <param name="Format">For users' files: glue-sst2, glue-mrpc, glue-rte, glue-cola, glue-qnli, glue-stsb, csv, jsonl.</param>
/// <param name="Path">File or folder of a user's data.</param>
/// <param name="TextColumn">csv/jsonl: the text column.</param>
/// <param name="PairColumn">csv/jsonl: the second text of a pair, if any.</param>
/// <param name="LabelColumn">csv/jsonl: the label column.</param>
/// <param name="Regression">csv/jsonl: the label is a number to regress (else a class name).</param>
/// <param name="MaxLength">Tokens per example after truncation (the paper: 128 or 512; the calibration: 64).</param>
/// <param name="MaxExamples">Use at most this many training examples (deterministic subsample); null = all.</param>
/// <param name="MaxEvalExamples">Use at most this many dev and this many test examples (deterministic subsample); null = all.</param>
/// <param name="Metric">accuracy, f1, macro_f1, mcc, pearson, spearman; for generation bleu, nist, meteor, rouge_l, cider, ter, perplexity, token_accuracy; null = the task's default.</param>
/// <param name="Decoding">Generation tasks: how texts are generated for evaluation (YAML <c>task.decoding</c>); null = the paper's NLG decoding.</param>
/// <param name="TrainEveryReference">
/// Generation tasks: each reference of a training input is a training example of its own (<see cref="Data.TextTarget.OnePerReference"/>),
/// as the paper's E2E and WebNLG fine-tuning reads its data — one (meaning representation, text) pair per line; false:
/// only the input's first text (<see cref="Data.TextTarget.Text"/>) trains. Evaluation always scores against every reference.
/// </param>
public sealed record TaskOptions(
    string? Dataset = "mr-polarity",
    string? Format = null,
    string? Path = null,
    string? TextColumn = null,
    string? PairColumn = null,
    string? LabelColumn = null,
    bool Regression = false,
    int MaxLength = 128,
    int? MaxExamples = null,
    string? Metric = null,
    int? MaxEvalExamples = null,
    DecodingOptions? Decoding = null,
    bool TrainEveryReference = true);

/// <summary>
/// How a generation task generates its evaluation texts; the defaults are the paper's NLG decoding (beam 10,
/// length penalty 0.9, no repeated 4-gram: A Table 7, E2E).
/// </summary>
/// <param name="NumBeams">Beam width; 1 = greedy.</param>
/// <param name="LengthPenalty">Beam search: a finished text scores sum(log p) / length^penalty (WebNLG: 0.8).</param>
/// <param name="NoRepeatNgramSize">No n-gram of this size occurs twice in prompt + text; 0 = off.</param>
/// <param name="MaxNewTokens">At most this many generated tokens (the end-of-text token counts).</param>
public sealed record DecodingOptions(int NumBeams = 10, double LengthPenalty = 0.9, int NoRepeatNgramSize = 4, int MaxNewTokens = 64)
{
    /// <summary>The generator's options: beam search, or greedy for one beam.</summary>
    public Generation.GenerationOptions ToGenerationOptions() => new(
        Strategy: NumBeams == 1 ? Generation.DecodingStrategy.Greedy : Generation.DecodingStrategy.Beam,
        MaxNewTokens: MaxNewTokens, NumBeams: NumBeams, LengthPenalty: LengthPenalty, NoRepeatNgramSize: NoRepeatNgramSize);
}

public static class TaskOptionsExtensions
{
    /// <summary>The data loader's options for this task (the YAML <c>task</c> section names the data the same way).</summary>
    public static Data.DataOptions ToDataOptions(this TaskOptions task) => new()
    {
        Dataset = task.Dataset,
        Format = task.Format,
        Path = task.Path,
        TextColumn = task.TextColumn ?? "text",
        PairColumn = task.PairColumn,
        LabelColumn = task.LabelColumn ?? "label",
        Regression = task.Regression,
        MaxTrainExamples = task.MaxExamples,
        MaxEvalExamples = task.MaxEvalExamples,
        // A built-in data set that is not cached yet is fetched through its ordinary client on first use.
        AutoFetch = true,
    };
}

/// <summary>
/// The optimiser, schedule and loop: AdamW, warmup 6 %, linear decay. Learning rate, weight decay and label smoothing
/// left unwritten (null) come from the task's <see cref="TrainingRecipe"/>: the paper's NLU setting, or its NLG one
/// for generation tasks.
/// </summary>
/// <param name="Epochs">Passes over the training split.</param>
/// <param name="BatchSize">Examples per optimiser step (before accumulation).</param>
/// <param name="LearningRate">Peak learning rate after warmup; null = the task's recipe (NLU 4e-4, NLG 2e-4).</param>
/// <param name="WeightDecay">AdamW's decoupled weight decay; null = the task's recipe (NLU 0.1, NLG 0.01).</param>
/// <param name="WarmupRatio">Fraction of all steps with a linear warmup, then linear decay to 0.</param>
/// <param name="MaxGradNorm">Gradient clipping by global norm; 0 = off.</param>
/// <param name="GradientAccumulation">Batches per optimiser step.</param>
/// <param name="EvalEverySteps">Evaluate every N optimiser steps as well as at every epoch end; 0 = epoch ends only.</param>
/// <param name="EarlyStoppingPatience">Stop after this many evaluations without a better dev metric; 0 = never.</param>
/// <param name="EvalFromEpoch">
/// The first epoch that evaluates (at its end, and every <paramref name="EvalEverySteps"/> inside it); earlier epochs
/// train only, so a run spends no time on dev generations too early to be picked; 1 = every epoch.
/// </param>
/// <param name="Device">cpu, cuda, cuda:N; null = CUDA when available.</param>
/// <param name="Precision">float32 or bfloat16 (frozen weights in bf16; adapters, optimiser state and loss in fp32). LoRA only: full fine-tuning has no frozen weights and refuses bfloat16.</param>
/// <param name="LabelSmoothing">Cross-entropy label smoothing for classification and generation; null = the task's recipe (NLU 0, NLG 0.1).</param>
public sealed record TrainingOptions(
    int Epochs = 10,
    int BatchSize = 32,
    double? LearningRate = null,
    double? WeightDecay = null,
    double WarmupRatio = 0.06,
    double MaxGradNorm = 1.0,
    int GradientAccumulation = 1,
    int EvalEverySteps = 0,
    int EarlyStoppingPatience = 0,
    string? Device = null,
    Precision Precision = Precision.Float32,
    double? LabelSmoothing = null,
    int EvalFromEpoch = 1)
{
    /// <summary>These options with every value the YAML left to the task filled from <paramref name="recipe"/>.</summary>
    public TrainingOptions Resolved(TrainingRecipe recipe) => this with
    {
        LearningRate = LearningRate ?? recipe.LearningRate,
        WeightDecay = WeightDecay ?? recipe.WeightDecay,
        LabelSmoothing = LabelSmoothing ?? recipe.LabelSmoothing,
    };
}

/// <summary>
/// The paper's training defaults per kind of task (A Tables 6–7): NLU (RoBERTa on GLUE: AdamW, wd 0.1) and NLG
/// (GPT2-Medium on E2E/WebNLG: AdamW, wd 0.01, lr 2e-4, label smoothing 0.1).
/// </summary>
public sealed record TrainingRecipe(double LearningRate, double WeightDecay, double LabelSmoothing)
{
    public static TrainingRecipe Nlu { get; } = new(4e-4, 0.1, 0);
    public static TrainingRecipe Nlg { get; } = new(2e-4, 0.01, 0.1);
}

/// <summary>A declared experiment: its YAML file and its variants (the expanded sweep grid; at least one).</summary>
public interface IExperiment
{
    string Name { get; }
    string Description { get; }
    /// <summary>The YAML file, relative to the repository root (e.g. experiments/quickstart.yaml).</summary>
    string SourceFile { get; }
    IReadOnlyList<ExperimentDefinition> Variants { get; }
}
