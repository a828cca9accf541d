using System.Collections.Generic;
using Pipeline.Generators.Model;

namespace Pipeline.Generators.Parsing;

// sweep: {axis: [values…], …} — each value typed and range-checked like the key it sweeps.
partial class ExperimentReader
{
    /// <summary>Grids larger than this are a typo, not an experiment (it would also make a huge class).</summary>
    public const int MaxVariants = 2000;

    EquatableArray<SweepAxis>? ReadSweep(YamlNode node)
    {
        if (Mapping(node, "sweep", Schema.SweepAxes(vocabulary), "a mapping of axis: [values], e.g. {rate: [0.05, 0.1], weight: [1, 2]}") is not { } mapped)
            return null;
        var (values, where) = mapped;
        var axes = new List<SweepAxis>();
        bool ok = true;
        long points = 1;
        foreach (var key in where.Keys)
        {
            var axis = ReadAxis(key.Key, values[key.Key], key.KeyLocation);
            if (axis is null)
            {
                ok = false;
                continue;
            }
            axes.Add(axis);
            points *= axis.Values.Count;
        }
        if (ok && axes.Count == 0)
        {
            Report(DiagnosticDescriptors.InvalidSweep, where.Span, "the grid has no axes; remove 'sweep' or add one, e.g. 'rate: [0.05, 0.1]'");
            return null;
        }
        if (ok && points > MaxVariants)
        {
            Report(DiagnosticDescriptors.InvalidSweep, where.Span, $"the grid has {points.ToString(System.Globalization.CultureInfo.InvariantCulture)} points, more than {Emit.Literals.Integer(MaxVariants)}; split it into several experiments");
            return null;
        }
        return ok ? axes.ToEquatableArray() : null;
    }

    SweepAxis? ReadAxis(string name, YamlNode node, SourceSpan keySpan)
    {
        string key = "sweep." + name;
        if (node is not YamlSequence { Items.Count: > 0 } sequence)
        {
            if (node is YamlSequence) Report(DiagnosticDescriptors.InvalidSweep, node.Span, $"axis '{name}' has no values; list at least one");
            else WrongType(key, "a list of values, e.g. [0.05, 0.1]", node);
            return null;
        }
        var result = new List<SweepValue>();
        foreach (var item in sequence.Items)
        {
            SweepValue? value = name switch
            {
                "preset" => Name(item, key, vocabulary.PresetNames) is string preset ? new SweepValue(0, preset, item.Span) : null,
                "pattern" => Name(item, key, vocabulary.Patterns.Map) is string pattern ? new SweepValue(0, pattern, item.Span) : null,
                "reduction" => Name(item, key, vocabulary.Reductions.Map) is string reduction ? new SweepValue(0, reduction, item.Span) : null,
                "dataset" => Name(item, key, vocabulary.DatasetNames) is string dataset ? new SweepValue(0, dataset, item.Span) : null,
                "lora_rank" or "epochs" or "batch_size" or "max_examples" =>
                    Integer(item, key, AtLeastOne) is int whole ? new SweepValue(whole, null, item.Span) : null,
                "weight" or "weight_decay" => Number(item, key, NonNegative) is double w ? new SweepValue(w, null, item.Span) : null,
                "lora_alpha" or "learning_rate" => Number(item, key, Positive) is double p ? new SweepValue(p, null, item.Span) : null,
                _ => Number(item, key, RateRange) is double rate ? new SweepValue(rate, null, item.Span) : null,
            };
            if (value is null) return null;
            if (result.Exists(v => v.Number.Equals(value.Number) && v.Text == value.Text))
            {
                Report(DiagnosticDescriptors.InvalidSweep, item.Span, $"axis '{name}' lists {(value.Text ?? Emit.Literals.Number(value.Number))} twice");
                return null;
            }
            result.Add(value);
        }
        return new SweepAxis(name, result.ToEquatableArray(), keySpan);
    }
}
