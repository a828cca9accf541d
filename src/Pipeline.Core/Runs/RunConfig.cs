using Pipeline.Compensation;
using Pipeline.Dropout;
using Pipeline.Engine;
using Pipeline.Experiments;
using Pipeline.Lora;
using Pipeline.Vocabulary;

namespace Pipeline.Runs;

/// <summary>
/// The resolved configuration of a run as plain data (<c>config.json</c>): enough to see exactly what ran,
/// with which seed, on which device and software. Enumerated values appear under their YAML names.
/// </summary>
public sealed record RunConfig(
    string Experiment, string Variant, string Description, int Seed, string Device,
    ModelOptions Model, TaskOptions Task, RunLora? Lora, string Plan, IReadOnlyList<RunDrop> Dropout, RunCompensation Compensation,
    TrainingOptions Training, IReadOnlyDictionary<string, string> Versions)
{
    public static RunConfig From(ExperimentDefinition d, int seed, string device) => new(
        d.Name, d.Variant, d.Description, seed, device, d.Model, d.Task,
        d.Lora is not { } lora ? null : new RunLora(lora.Rank, lora.Alpha, lora.Targets.Select(t => YamlVocabulary.NameOf(t)).ToList(), lora.Dropout, lora.UseRsLora,
            lora.RankPerTarget.ToDictionary(kv => YamlVocabulary.NameOf(kv.Key), kv => kv.Value), lora.TrainEmbeddings, lora.InitFrom),
        d.Dropout.ToString(),
        d.Dropout.Drops.Select(s => new RunDrop(YamlVocabulary.NameOf(s.Position), YamlVocabulary.NameOf(s.Pattern), s.Rate, s.Layers.ToString(),
            YamlVocabulary.NameOf(s.EffectiveSpanStart), YamlVocabulary.NameOf(s.EffectiveNormalization))).ToList(),
        new RunCompensation(YamlVocabulary.NameOf(d.Dropout.Compensation), d.Dropout.Compensation.Weight,
            d.Dropout.Compensation is BidirectionalKl kl ? YamlVocabulary.NameOf(kl.Branches) : null,
            d.Dropout.Compensation is NoCompensation ? null : YamlVocabulary.NameOf(d.Dropout.Compensation.Reduction)),
        d.Training,
        new Dictionary<string, string>
        {
            ["pipeline"] = typeof(RunConfig).Assembly.GetName().Version?.ToString() ?? "unknown",
            ["dotnet"] = Environment.Version.ToString(),
            ["torchsharp"] = TorchRuntime.TorchSharpVersion,
            ["libtorch"] = TorchRuntime.LibTorchVersion(TorchRuntime.LoadedLibTorchPath()),
        });
}

/// <summary>The LoRA settings; <c>null</c> in config.json for full fine-tuning (<c>lora: none</c>).</summary>
public sealed record RunLora(int Rank, double Alpha, IReadOnlyList<string> Targets, double Dropout, bool RsLora, IReadOnlyDictionary<string, int> RankPerTarget,
    bool TrainEmbeddings, string? InitFrom = null);

public sealed record RunDrop(string Position, string Pattern, double Rate, string Layers, string SpanStart, string Normalization);

/// <summary>The compensation; <c>Reduction</c> (mean or sum over the batch's rows) is null for kind none.</summary>
public sealed record RunCompensation(string Kind, double Weight, string? Branches, string? Reduction);
