using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Pipeline.Generators.Model;
using Pipeline.Vocabulary;

namespace Pipeline.Generators.Validation;

/// <summary>A problem found across values: where, which descriptor, and its message arguments.</summary>
public sealed record Problem(DiagnosticDescriptor Descriptor, SourceSpan Span, string[] Arguments)
{
    public string Message => string.Format(CultureInfo.InvariantCulture, Descriptor.MessageFormat.ToString(CultureInfo.InvariantCulture), Arguments);
}

/// <summary>
/// Checks that need more than one value: the impossible combinations. The dropout rules are the runtime's own
/// (DropRules, shared source, judged on the vocabulary's facts), the LoRA rules mirror LoraOptions.Validate,
/// so that whatever compiles is accepted by the runtime; a few are stricter (a key that would be ignored is an error).
/// </summary>
public static class ExperimentValidator
{
    public static IReadOnlyList<Problem> Validate(ExperimentModel experiment, VocabularyModel vocabulary)
    {
        var problems = new List<Problem>();
        void Conflict(SourceSpan span, string message) => problems.Add(new Problem(DiagnosticDescriptors.Conflict, span, [message]));
        void Missing(SourceSpan span, string section, string key, string why) => problems.Add(new Problem(DiagnosticDescriptors.MissingKey, span, [section, key, why]));

        CheckModel(experiment.Model, vocabulary, Conflict);
        CheckTask(experiment.Task, vocabulary, Conflict, Missing);
        CheckLora(experiment.Lora, vocabulary, Conflict);
        CheckFullFineTuning(experiment.Lora, experiment.Training, vocabulary, Conflict);
        if (experiment.Dropout.IsList) CheckEntries(experiment.Dropout, vocabulary, Conflict);
        else CheckPreset(experiment.Dropout, vocabulary, Conflict);
        CheckCompensation(experiment.Dropout, experiment.Compensation, vocabulary, Conflict, Missing);
        return problems;
    }

    delegate void ConflictAt(SourceSpan span, string message);
    delegate void MissingAt(SourceSpan span, string section, string key, string why);

    static void CheckModel(ModelSection model, VocabularyModel vocabulary, ConflictAt conflict)
    {
        if (model.Name is not null && model.Path is not null)
            conflict(model.Where.KeyOf("path"), "model: give either 'name' (an embedded model) or 'path' (a checkpoint directory), not both");
        // ModelOptions.Pooling is how the linear head pools; the other heads take their token themselves.
        string linear = vocabulary.Heads.YamlOf("Linear");
        if (model.Pooling is not null && model.Head is not null && model.Head != linear)
            conflict(model.Where.KeyOf("pooling"), $"model: pooling applies to head {linear}; head {model.Head} pools by itself, so remove 'pooling' or use head {linear}");
    }

    static void CheckTask(TaskSection task, VocabularyModel vocabulary, ConflictAt conflict, MissingAt missing)
    {
        var where = task.Where;
        if (task.Dataset is not null && (task.Format is not null || task.Path is not null))
            conflict(where.KeyOf(task.Format is not null ? "format" : "path"), "task: give either 'dataset' (a built-in dataset) or 'format' + 'path' (your own files), not both");
        else if (task.Format is not null && task.Path is null)
            missing(where.KeyOf("format"), "task", "path", $"format {task.Format} reads your own file or folder; give its path");
        else if (task.Path is not null && task.Format is null)
            missing(where.KeyOf("path"), "task", "format", "say how to read the file: " + string.Join(", ", vocabulary.Formats));

        bool ownColumns = task.Format is "csv" or "jsonl";
        if (where.Has("columns") && !ownColumns)
            conflict(where.KeyOf("columns"), "task.columns applies to format csv or jsonl (built-in datasets and GLUE layouts know their columns)");
        if (where.Has("regression") && !ownColumns)
            conflict(where.KeyOf("regression"), "task.regression applies to format csv or jsonl (built-in datasets and GLUE layouts know their label type)");
    }

    static void CheckLora(LoraSection lora, VocabularyModel vocabulary, ConflictAt conflict)
    {
        if (lora.InitFrom is { } initFrom && initFrom.Trim().Length == 0)
            conflict(lora.Where.ValueOf("init_from"), "lora.init_from is empty; name a PEFT adapter folder (adapter_config.json + adapter_model.safetensors), or remove the key");
        if (lora.RankPerTarget is not { } ranks) return;
        var targets = lora.Targets?.ToArray() ?? vocabulary.LoraTargets.Terms.Where(t => t.IsDefault).Select(t => t.Yaml).ToArray();
        foreach (var rank in ranks.Where(r => !targets.Contains(r.Target)))
            conflict(lora.Where.KeyOf("rank_per_target"),
                $"lora.rank_per_target gives a rank for {rank.Target}, which is not among the targets ({string.Join(", ", targets)}); add it to 'targets' or remove its rank");
    }

    /// <summary>
    /// bf16 keeps frozen weights in bf16 (TaskModel.UsePrecision); with every weight training, or the token embeddings
    /// training beside the adapters, bf16 master weights would round small updates away (TaskModel.UsePrecision
    /// refuses both at run time with the same words).
    /// </summary>
    static void CheckFullFineTuning(LoraSection lora, TrainingSection training, VocabularyModel vocabulary, ConflictAt conflict)
    {
        string bf16 = vocabulary.Precisions.YamlOf("BFloat16");
        if (lora.IsNone && training.Precision == bf16)
            conflict(training.Where.ValueOf("precision"),
                $"training.precision {bf16} with lora: {Schema.NoLora}: full fine-tuning would train bf16 weights, whose rounding loses small updates (there are no fp32 master weights); use precision {vocabulary.Precisions.YamlOf("Float32")}, or LoRA");
        if (lora.TrainEmbeddings == true && training.Precision == bf16)
            conflict(training.Where.ValueOf("precision"),
                $"training.precision {bf16} with lora.train_embeddings: the token embeddings would train as bf16 weights, whose rounding loses small updates (there are no fp32 master weights); use precision {vocabulary.Precisions.YamlOf("Float32")}, or train_embeddings: false");
    }

    static void CheckPreset(DropoutSection dropout, VocabularyModel vocabulary, ConflictAt conflict)
    {
        if (vocabulary.Preset(dropout.Preset) is not { } preset) return;
        string? pattern = dropout.Pattern;
        foreach (var problem in DropRules.CheckPreset(preset.Facts, dropout.WrittenParameters, pattern, vocabulary.DropFacts))
            conflict(problem.Key == preset.PatternKey ? dropout.Where.ValueOf(problem.Key) : dropout.Where.KeyOf(problem.Key), problem.Message);
    }

    static void CheckEntries(DropoutSection dropout, VocabularyModel vocabulary, ConflictAt conflict)
    {
        var entries = dropout.Entries!.Value;
        foreach (var problem in DropRules.CheckPlan(entries.Select(e => e.Written).ToList(), vocabulary.DropFacts))
        {
            var where = entries[problem.Entry].Where;
            // A key written where it means nothing is marked at the key; a value that cannot be used, at the value.
            conflict(problem.Key == "layers" ? where.KeyOf(problem.Key) : where.ValueOf(problem.Key), problem.Message);
        }
    }

    static void CheckCompensation(DropoutSection dropout, CompensationSection? compensation, VocabularyModel vocabulary, ConflictAt conflict, MissingAt missing)
    {
        if (compensation is not null)
        {
            var where = compensation.Where;
            var own = Plans.PresetCompensation(dropout.Preset, vocabulary);
            if (compensation.Kind is null && own.IsNone)
            {
                string about = dropout.Preset is not null ? $"preset {dropout.Preset} has no compensation of its own" : "an explicit dropout list has no compensation of its own";
                missing(where.Span, "compensation", "kind", $"{about}; name one of {string.Join(", ", vocabulary.CompensationNames.Names)}");
                return;
            }
            // A key the kind's record does not take (NoCompensation: no weight, no reduction; only BidirectionalKl has branches).
            var kind = vocabulary.Compensation(compensation.Kind ?? own.Kind)!;
            if (where.Has("weight") && !kind.HasWeight)
                conflict(where.KeyOf("weight"), $"compensation: kind {kind.Yaml} has no 'weight'; remove it or name another kind");
            if (where.Has("branches") && kind.DefaultBranches is null)
                conflict(where.KeyOf("branches"), $"compensation: kind {kind.Yaml} has no 'branches'; remove it or name another kind");
            if (where.Has("reduction") && kind.DefaultReduction is null)
                conflict(where.KeyOf("reduction"), $"compensation: kind {kind.Yaml} has no 'reduction' (it compares no distributions); remove it or name another kind");
            if (!kind.HasWeight) return;
        }
        var effective = Plans.Effective(dropout, compensation, vocabulary);
        if (!effective.IsNone && !Plans.HasDrops(dropout, vocabulary))
            conflict(compensation?.Where.ValueOf("kind") ?? dropout.Where.Span,
                $"compensation {effective.Kind} compares dropout passes, but the dropout plan drops nothing; add dropout or use kind {vocabulary.NoCompensation}");
    }
}
