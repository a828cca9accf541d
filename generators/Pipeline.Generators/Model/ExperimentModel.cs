using System.Linq;
using Pipeline.Vocabulary;

namespace Pipeline.Generators.Model;

// The experiment as equatable data: one record per YAML section, one property per YAML key. A null property
// means "not written", so the runtime record's default applies (and the generated code leaves it out).
// Enumerated values keep their YAML names ("attention_logits"); the VocabularyModel maps them to C# members.
// Every section carries where its keys were written (Located), for diagnostics found after reading.

/// <summary>One experiment file, read and checked.</summary>
public sealed record ExperimentModel(
    string Name,
    string Description,
    ModelSection Model,
    TaskSection Task,
    LoraSection Lora,
    DropoutSection Dropout,
    CompensationSection? Compensation,
    TrainingSection Training,
    EquatableArray<int> Seeds,
    EquatableArray<SweepAxis> Sweep,
    Located Where);

/// <summary>YAML <c>model</c> → ModelOptions.</summary>
public sealed record ModelSection(string? Name, string? Path, string? Head, string? Pooling, Located Where);

/// <summary>YAML <c>task</c> → TaskOptions (<c>columns</c> holds TextColumn, PairColumn, LabelColumn).</summary>
public sealed record TaskSection(
    string? Dataset, string? Format, string? Path,
    string? TextColumn, string? PairColumn, string? LabelColumn,
    bool? Regression, int? MaxLength, int? MaxExamples, int? MaxEvalExamples, string? Metric,
    Located Where, DecodingSection? Decoding = null, bool? TrainEveryReference = null);

/// <summary>YAML <c>task.decoding</c> → DecodingOptions (how a generation task generates its evaluation texts).</summary>
public sealed record DecodingSection(int? NumBeams, double? LengthPenalty, int? NoRepeatNgramSize, int? MaxNewTokens);

/// <summary>
/// YAML <c>lora</c> → LoraOptions; <c>lora: none</c> (<see cref="IsNone"/>) → no LoraOptions at all: full
/// fine-tuning, every weight trains.
/// </summary>
public sealed record LoraSection(
    int? Rank, double? Alpha, EquatableArray<string>? Targets, double? Dropout, bool? RsLora,
    EquatableArray<TargetRank>? RankPerTarget, Located Where, bool IsNone = false, bool? TrainEmbeddings = null, string? InitFrom = null)
{
    public static LoraSection None(Located where) => new(null, null, null, null, null, null, where, IsNone: true);
}

public sealed record TargetRank(string Target, int Rank);

/// <summary>
/// YAML <c>dropout</c>: a preset (<see cref="Preset"/> set, with its parameters) or an explicit list of
/// <see cref="Entries"/>. Null everywhere means no <c>dropout</c> key: the baseline.
/// </summary>
public sealed record DropoutSection(
    string? Preset, double? Rate, double? KeyRate, double? HiddenRate, string? Pattern,
    EquatableArray<DropEntry>? Entries, Located Where)
{
    public bool IsList => Entries is not null;

    /// <summary>The preset parameters that have a value (written, or set by a sweep), in the YAML's words.</summary>
    public string[] WrittenParameters =>
        new[] { ("rate", Rate is not null), ("key_rate", KeyRate is not null), ("hidden_rate", HiddenRate is not null), ("pattern", Pattern is not null) }
            .Where(p => p.Item2).Select(p => p.Item1).ToArray();

    /// <summary>The value of a rate parameter by its YAML key.</summary>
    public double? RateOf(string key) => key switch { "rate" => Rate, "key_rate" => KeyRate, "hidden_rate" => HiddenRate, _ => null };

    /// <summary>This section with a rate parameter set by its YAML key.</summary>
    public DropoutSection WithRate(string key, double? value) => key switch
    {
        "rate" => this with { Rate = value },
        "key_rate" => this with { KeyRate = value },
        "hidden_rate" => this with { HiddenRate = value },
        _ => this,
    };
}

/// <summary>One entry of an explicit dropout list → DropSpec.</summary>
public sealed record DropEntry(
    string Position, string Pattern, double Rate, LayersValue? Layers, string? SpanStart, string? Normalization,
    Located Where)
{
    /// <summary>The entry as DropRules judges it (shared with the runtime's DropSpec.Validate).</summary>
    internal WrittenSpec Written => new(Position, Pattern, Rate, SpanStart, Normalization, Layers?.Kind switch
    {
        null => null,
        LayersValue.All => LayerSet.All,
        LayersValue.LatterHalf => LayerSet.LatterHalf,
        _ => LayerSet.Of(Layers.Indices),
    });
}

/// <summary><c>layers</c>: all, latter_half, or a list of 0-based indices.</summary>
public sealed record LayersValue(string Kind, EquatableArray<int> Indices)
{
    public const string All = LayerSet.AllName;
    public const string LatterHalf = LayerSet.LatterHalfName;
    public const string List = "list";
}

/// <summary>YAML <c>compensation</c> → a CompensationMeasure (a preset's own one when <c>kind</c> is left out).</summary>
public sealed record CompensationSection(string? Kind, double? Weight, string? Branches, Located Where, string? Reduction = null);

/// <summary>YAML <c>training</c> → TrainingOptions.</summary>
public sealed record TrainingSection(
    int? Epochs, int? BatchSize, double? LearningRate, double? WeightDecay, double? WarmupRatio, double? MaxGradNorm,
    int? GradientAccumulation, int? EvalEverySteps, int? EarlyStoppingPatience, string? Device, string? Precision,
    double? LabelSmoothing, Located Where, int? EvalFromEpoch = null);

/// <summary>One axis of the sweep grid: its values in YAML order (numbers or names), each with its location.</summary>
public sealed record SweepAxis(string Name, EquatableArray<SweepValue> Values, SourceSpan KeySpan);

/// <summary>A value of a sweep axis: <see cref="Number"/> for numeric axes, <see cref="Text"/> for names.</summary>
public sealed record SweepValue(double Number, string? Text, SourceSpan Span);

/// <summary>One point of the grid: its name ("default", "rate=0.1,weight=1") and the resolved experiment.</summary>
public sealed record Variant(string Name, ExperimentModel Experiment);
