using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Pipeline.Generators.Emit;
using Pipeline.Generators.Model;

namespace Pipeline.Generators.Validation;

/// <summary>A problem found across values: where, which descriptor, and its message arguments.</summary>
public sealed record Problem(DiagnosticDescriptor Descriptor, SourceSpan Span, string[] Arguments)
{
    public string Message => string.Format(CultureInfo.InvariantCulture, Descriptor.MessageFormat.ToString(CultureInfo.InvariantCulture), Arguments);
}

/// <summary>
/// Checks that need more than one value: the impossible combinations. The dropout rules mirror
/// DropSpec.Validate and DropoutPlan.Validate, the LoRA rules LoraOptions.Validate (Pipeline.Core), so that
/// whatever compiles is accepted by the runtime; a few are stricter (a key that would be ignored is an error).
/// </summary>
public static class ExperimentValidator
{
    public static IReadOnlyList<Problem> Validate(ExperimentModel experiment)
    {
        var problems = new List<Problem>();
        void Conflict(SourceSpan span, string message) => problems.Add(new Problem(DiagnosticDescriptors.Conflict, span, [message]));
        void Missing(SourceSpan span, string section, string key, string why) => problems.Add(new Problem(DiagnosticDescriptors.MissingKey, span, [section, key, why]));

        CheckModel(experiment.Model, Conflict);
        CheckTask(experiment.Task, Conflict, Missing);
        CheckLora(experiment.Lora, Conflict);
        if (experiment.Dropout.IsList) CheckEntries(experiment.Dropout, Conflict);
        else CheckPreset(experiment.Dropout, Conflict);
        CheckCompensation(experiment.Dropout, experiment.Compensation, Conflict, Missing);
        return problems;
    }

    delegate void ConflictAt(SourceSpan span, string message);
    delegate void MissingAt(SourceSpan span, string section, string key, string why);

    static void CheckModel(ModelSection model, ConflictAt conflict)
    {
        if (model.Name is not null && model.Path is not null)
            conflict(model.Where.KeyOf("path"), "model: give either 'name' (an embedded model) or 'path' (a checkpoint directory), not both");
    }

    static void CheckTask(TaskSection task, ConflictAt conflict, MissingAt missing)
    {
        var where = task.Where;
        if (task.Dataset is not null && (task.Format is not null || task.Path is not null))
            conflict(where.KeyOf(task.Format is not null ? "format" : "path"), "task: give either 'dataset' (a built-in dataset) or 'format' + 'path' (your own files), not both");
        else if (task.Format is not null && task.Path is null)
            missing(where.KeyOf("format"), "task", "path", $"format {task.Format} reads your own file or folder; give its path");
        else if (task.Path is not null && task.Format is null)
            missing(where.KeyOf("path"), "task", "format", "say how to read the file: " + string.Join(", ", Schema.Format.Names));

        bool ownColumns = task.Format is "csv" or "jsonl";
        if (where.Has("columns") && !ownColumns)
            conflict(where.KeyOf("columns"), "task.columns applies to format csv or jsonl (built-in datasets and GLUE layouts know their columns)");
        if (where.Has("regression") && !ownColumns)
            conflict(where.KeyOf("regression"), "task.regression applies to format csv or jsonl (built-in datasets and GLUE layouts know their label type)");
    }

    static void CheckLora(LoraSection lora, ConflictAt conflict)
    {
        if (lora.RankPerTarget is not { } ranks) return;
        var targets = lora.Targets?.ToArray() ?? Schema.DefaultLoraTargets;
        foreach (var rank in ranks.Where(r => !targets.Contains(r.Target)))
            conflict(lora.Where.KeyOf("rank_per_target"),
                $"lora.rank_per_target gives a rank for {rank.Target}, which is not among the targets ({string.Join(", ", targets)}); add it to 'targets' or remove its rank");
    }

    static void CheckPreset(DropoutSection dropout, ConflictAt conflict)
    {
        if (dropout.Preset is not string preset) return;
        var where = dropout.Where;
        if (preset == "baseline")
        {
            foreach (var key in Written(dropout, "rate", "key_rate", "hidden_rate", "pattern"))
                conflict(where.KeyOf(key), $"dropout: preset baseline has all dropout off, so '{key}' means nothing; remove it or choose another preset");
            return;
        }
        if (Schema.IsSingleRatePreset(preset))
        {
            foreach (var key in Written(dropout, "key_rate", "hidden_rate"))
                conflict(where.KeyOf(key), $"dropout: '{key}' belongs to hiddenkey and hiddenkey_minus; preset {preset} takes 'rate'");
            string position = preset switch { "dropkey" => "attention_logits", "dropattention" => "attention_weights", _ => "hidden" };
            string pattern = dropout.Pattern ?? (preset == "hiddencut" ? "span" : "element");
            if (PatternProblem(position, pattern) is string problem)
                conflict(where.ValueOf("pattern"), $"dropout: preset {preset} drops at {position}, and {problem}");
            return;
        }
        if (dropout.Pattern is not null)
            conflict(where.KeyOf("pattern"), $"dropout: preset {preset} fixes its patterns (column DropKey + element HiddenCut); write a list of entries to choose others");
        if (dropout.Rate is not null && (dropout.KeyRate is not null || dropout.HiddenRate is not null))
            conflict(where.KeyOf("rate"), $"dropout: 'rate' sets both rates of {preset}; give either 'rate' or 'key_rate'/'hidden_rate'");
    }

    /// <summary>The preset parameters among <paramref name="keys"/> that have a value (written, or set by a sweep).</summary>
    static IEnumerable<string> Written(DropoutSection dropout, params string[] keys) => keys.Where(key => key switch
    {
        "rate" => dropout.Rate is not null,
        "key_rate" => dropout.KeyRate is not null,
        "hidden_rate" => dropout.HiddenRate is not null,
        _ => dropout.Pattern is not null,
    });

    /// <summary>DropSpec.Validate's pattern rules; null when the pattern may be used at the position.</summary>
    public static string? PatternProblem(string position, string pattern)
    {
        if (pattern == "feature" && position is not ("input" or "hidden"))
            return "pattern feature applies to the input and hidden positions only";
        if (position == "output" && pattern != "element")
            return "the output position takes the element pattern only (it drops units of one pooled vector)";
        return null;
    }

    static void CheckEntries(DropoutSection dropout, ConflictAt conflict)
    {
        var entries = dropout.Entries!.Value;
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var where = entry.Where;
            string label = $"dropout[{Literals.Integer(i)}] ({entry.Position})";
            if (PatternProblem(entry.Position, entry.Pattern) is string problem)
                conflict(where.ValueOf("pattern"), $"{label}: {problem}");
            if (entry.SpanStart is not null && entry.Pattern != "span")
                conflict(where.KeyOf("span_start"), $"{label}: span_start applies to the span pattern, not {entry.Pattern}");
            else if (entry.SpanStart == "attention_guided" && entry.Position != "hidden")
                conflict(where.ValueOf("span_start"), $"{label}: span_start attention_guided applies to spans at the hidden position (HiddenCut)");
            if (entry.Normalization is not null && entry.Position != "attention_weights")
                conflict(where.KeyOf("normalization"), $"{label}: normalization applies to the attention_weights position (DropAttention)");
            if (entry.Layers is not null && !Schema.IsPerLayer(entry.Position))
                conflict(where.KeyOf("layers"), $"{label}: layers apply to the per-layer positions (attention_logits, attention_weights, hidden), not {entry.Position}");

            for (int j = 0; j < i; j++)
            {
                if (entries[j].Position == entry.Position && Plans.Overlap(entries[j].Layers, entry.Layers))
                {
                    conflict(where.ValueOf("position"),
                        $"{label}: dropout[{Literals.Integer(j)}] already drops at {entry.Position} in the same layers; give them disjoint 'layers' or merge them");
                    break;
                }
            }
        }
    }

    static void CheckCompensation(DropoutSection dropout, CompensationSection? compensation, ConflictAt conflict, MissingAt missing)
    {
        if (compensation is not null)
        {
            var where = compensation.Where;
            var own = Plans.PresetCompensation(dropout.Preset);
            if (compensation.Kind is null && own.IsNone)
            {
                string about = dropout.Preset is not null ? $"preset {dropout.Preset} has no compensation of its own" : "an explicit dropout list has no compensation of its own";
                missing(where.Span, "compensation", "kind", $"{about}; name one of {string.Join(", ", Schema.CompensationKind.Names)}");
                return;
            }
            if (compensation.Kind == "none")
            {
                foreach (var key in new[] { "weight", "branches" }.Where(where.Has))
                    conflict(where.KeyOf(key), $"compensation: kind none has no '{key}'; remove it or name a kind");
                return;
            }
            string kind = compensation.Kind ?? own.Kind;
            if (compensation.Branches is not null && kind != "bidirectional_kl")
                conflict(where.KeyOf("branches"), $"compensation: branches applies to bidirectional_kl, not {kind}");
        }
        var effective = Plans.Effective(dropout, compensation);
        if (!effective.IsNone && !Plans.HasDrops(dropout))
            conflict(compensation?.Where.ValueOf("kind") ?? dropout.Where.Span,
                $"compensation {effective.Kind} compares dropout passes, but the dropout plan drops nothing; add dropout or use kind none");
    }
}
