using System.Collections.Generic;
using System.Linq;
using Pipeline.Generators.Emit;
using Pipeline.Generators.Model;
using Pipeline.Vocabulary;

namespace Pipeline.Generators.Validation;

/// <summary>
/// The sweep grid → typed variants, at generation time. Variant "default" is the YAML's own configuration;
/// then one variant per grid point (the cartesian product, first axis slowest), named "axis=value,…" in the
/// YAML's axis order. Each variant is validated like the base; a problem is reported at the axis that caused
/// it (or at 'sweep' when the combination did), naming the variant.
/// </summary>
public static class SweepExpander
{
    public static IReadOnlyList<Variant> Expand(ExperimentModel experiment, VocabularyModel vocabulary, List<Problem> problems)
    {
        var variants = new List<Variant> { new(vocabulary.DefaultVariant, experiment) };
        if (experiment.Sweep.IsEmpty) return variants;

        var axes = experiment.Sweep;
        var reported = new HashSet<string>();
        var sweepKey = experiment.Where.KeyOf("sweep");
        foreach (var point in Grid(axes))
        {
            string name = string.Join(",", point.Select((value, i) => $"{axes[i].Name}={Format(value)}"));
            var variant = experiment;
            bool ok = true;
            // The preset first: what the other axes mean depends on it.
            foreach (int i in Enumerable.Range(0, axes.Count).OrderBy(i => axes[i].Name == "preset" ? 0 : 1))
            {
                var (applied, error) = Apply(variant, axes[i].Name, point[i], vocabulary);
                if (error is not null)
                {
                    if (reported.Add(axes[i].Name + error))
                        problems.Add(new Problem(DiagnosticDescriptors.InvalidSweep, axes[i].KeySpan, [$"axis '{axes[i].Name}' (variant '{name}'): {error}"]));
                    ok = false;
                    break;
                }
                variant = applied!;
            }
            if (!ok) continue;
            foreach (var problem in ExperimentValidator.Validate(variant, vocabulary))
            {
                if (reported.Add(problem.Message))
                    problems.Add(new Problem(DiagnosticDescriptors.InvalidSweep, sweepKey, [$"variant '{name}': {problem.Message}"]));
                ok = false;
            }
            if (ok) variants.Add(new Variant(name, variant with { Sweep = EquatableArray<SweepAxis>.Empty }));
        }
        return variants;
    }

    static string Format(SweepValue value) => value.Text ?? Literals.Number(value.Number);

    static IEnumerable<SweepValue[]> Grid(EquatableArray<SweepAxis> axes)
    {
        IEnumerable<SweepValue[]> points = [[]];
        foreach (var axis in axes)
        {
            var current = axis;
            points = points.SelectMany(p => current.Values.Select(v => p.Concat([v]).ToArray()));
        }
        return points;
    }

    /// <summary>One axis value applied to an experiment, or why it cannot be.</summary>
    static (ExperimentModel? Result, string? Error) Apply(ExperimentModel e, string axis, SweepValue value, VocabularyModel vocabulary)
    {
        var dropout = e.Dropout;
        var preset = vocabulary.Preset(dropout.Preset);
        double x = value.Number;
        string PresetsWith(string key) => DropRules.Or(vocabulary.Presets.Where(p => p.Facts.Keys.Contains(key)).Select(p => p.Yaml).ToList());
        switch (axis)
        {
            case "preset":
                if (dropout.IsList) return (null, "the dropout plan is an explicit list; a preset axis needs 'dropout: {preset: …}'");
                return (e with { Dropout = dropout with { Preset = value.Text } }, null);
            case "pattern":
                if (preset?.PatternKey is null)
                    return (null, $"pattern sweeps the pattern of preset {PresetsWith("pattern")}");
                return (e with { Dropout = dropout with { Pattern = value.Text } }, null);
            case "rate":
                if (dropout.IsList)
                    return dropout.Entries!.Value.Count == 0 ? (null, "the dropout list is empty")
                        : (e with { Dropout = dropout with { Entries = dropout.Entries.Value.Select(d => d with { Rate = x }).ToEquatableArray() } }, null);
                if (preset is null || preset.Facts.RatesSetBy(PresetFacts.SharedRateKey).Count == 0)
                    return (null, $"preset {dropout.Preset ?? vocabulary.Baseline} has no rate");
                // 'rate' of a several-rate preset sets each of its rates, which then sweep together.
                if (preset.RateKeys.Contains(PresetFacts.SharedRateKey)) return (e with { Dropout = dropout with { Rate = x } }, null);
                return (e with { Dropout = preset.RateKeys.Aggregate(dropout with { Rate = null }, (d, key) => d.WithRate(key, x)) }, null);
            case var rateKey when !dropout.IsList && vocabulary.Presets.Any(p => p.RateKeys.Contains(rateKey)):
                if (preset is null || !preset.RateKeys.Contains(axis))
                    return (null, $"{axis} sweeps a rate of preset {PresetsWith(axis)}" +
                        (vocabulary.PositionSweptBy(axis) is { } at ? $" (or the {at} entries of a list)" : ""));
                // The other rates keep what a shared 'rate' gave them.
                var rates = preset.RateKeys.Aggregate(dropout with { Rate = null }, (d, key) => d.WithRate(key, dropout.RateOf(key) ?? dropout.Rate));
                return (e with { Dropout = rates.WithRate(axis, x) }, null);
            case var rateAxis when vocabulary.PositionSweptBy(rateAxis) is { } position:
                if (!dropout.IsList || !dropout.Entries!.Value.Any(d => d.Position == position))
                    return (null, $"{axis} sweeps the rate of the {position} entries of a dropout list, and there are none");
                return (e with { Dropout = dropout with { Entries = dropout.Entries.Value.Select(d => d.Position == position ? d with { Rate = x } : d).ToEquatableArray() } }, null);
            case "weight":
                if (Plans.Effective(dropout, e.Compensation, vocabulary).IsNone)
                    return (null, "there is no compensation to weigh; add 'compensation: {kind: …}' or use preset hiddenkey");
                var compensation = e.Compensation ?? new CompensationSection(null, null, null, Located.At(e.Where.Span));
                return (e with { Compensation = compensation with { Weight = x } }, null);
            case "reduction":
                var effective = Plans.Effective(dropout, e.Compensation, vocabulary);
                if (effective.IsNone)
                    return (null, "there is no compensation whose divergence to reduce; add 'compensation: {kind: …}' or use preset hiddenkey");
                if (effective.Reduction is null)
                    return (null, $"compensation {effective.Kind} has no reduction");
                var reduced = e.Compensation ?? new CompensationSection(null, null, null, Located.At(e.Where.Span));
                return (e with { Compensation = reduced with { Reduction = value.Text } }, null);
            case "lora_rank" or "lora_alpha" when e.Lora.IsNone:
                return (null, $"lora is {Schema.NoLora} (full fine-tuning, no adapters): it has no {(axis == "lora_rank" ? "rank" : "alpha")} to sweep; remove the axis, or give 'lora' a mapping");
            case "lora_rank": return (e with { Lora = e.Lora with { Rank = (int)x } }, null);
            case "lora_alpha": return (e with { Lora = e.Lora with { Alpha = x } }, null);
            case "learning_rate": return (e with { Training = e.Training with { LearningRate = x } }, null);
            case "weight_decay": return (e with { Training = e.Training with { WeightDecay = x } }, null);
            case "epochs": return (e with { Training = e.Training with { Epochs = (int)x } }, null);
            case "batch_size": return (e with { Training = e.Training with { BatchSize = (int)x } }, null);
            case "max_examples": return (e with { Task = e.Task with { MaxExamples = (int)x } }, null);
            case "dataset" when e.Task.Format is not null || e.Task.Path is not null:
                return (null, "task reads your own files ('format' + 'path'); a dataset axis swaps built-in data sets: remove 'format' and 'path', or the axis");
            // One experiment over several tasks (the paper's Table 1 columns); `pipeline report` makes each a task column.
            case "dataset": return (e with { Task = e.Task with { Dataset = value.Text } }, null);
            default: return (null, "unknown axis");
        }
    }
}
