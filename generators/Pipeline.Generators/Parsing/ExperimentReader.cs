using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Pipeline.Generators.Model;

namespace Pipeline.Generators.Parsing;

/// <summary>
/// The YAML tree → <see cref="ExperimentModel"/>, one method per section. Checks what one value can tell on
/// its own (keys, types, names, ranges) at that value's span; checks across values are
/// <see cref="Validation.ExperimentValidator"/>'s. Returns null when anything was wrong.
/// </summary>
public sealed partial class ExperimentReader
{
    static readonly Regex ExperimentName = new("^[a-z][a-z0-9_-]*$", RegexOptions.CultureInvariant);

    readonly string path;
    readonly VocabularyModel vocabulary;
    readonly List<DiagnosticInfo> diagnostics;
    int errors;

    ExperimentReader(string path, VocabularyModel vocabulary, List<DiagnosticInfo> diagnostics)
    {
        this.path = path;
        this.vocabulary = vocabulary;
        this.diagnostics = diagnostics;
    }

    public static ExperimentModel? Read(YamlNode? root, SourceText text, string path, VocabularyModel vocabulary, List<DiagnosticInfo> diagnostics)
    {
        var reader = new ExperimentReader(path, vocabulary, diagnostics);
        if (root is null || root is YamlScalar { IsNull: true })
        {
            reader.Report(DiagnosticDescriptors.MissingKey, SourceSpan.From(text, 0, text.Length),
                "The experiment file", "name", "it is empty; start with 'name: my-experiment' (docs/experiments.md)");
            return null;
        }
        var model = reader.ReadExperiment(root);
        return reader.errors == 0 ? model : null;
    }

    void Report(DiagnosticDescriptor descriptor, SourceSpan span, params string[] arguments)
    {
        diagnostics.Add(DiagnosticInfo.Create(descriptor, path, span, arguments));
        if (descriptor.DefaultSeverity == DiagnosticSeverity.Error) errors++;
    }

    ExperimentModel? ReadExperiment(YamlNode root)
    {
        if (Mapping(root, "the experiment file", Schema.TopLevelKeys, "a mapping of sections (name, model, task, lora, dropout, …)") is not { } mapped)
            return null;
        var (values, where) = mapped;

        string? name = null;
        if (values.TryGetValue("name", out var nameNode))
        {
            name = Text(nameNode, "name");
            if (name is not null && !ExperimentName.IsMatch(name))
            {
                Report(DiagnosticDescriptors.InvalidName, nameNode.Span, name);
                name = null;
            }
        }
        else
        {
            var first = root is YamlMapping { Entries.Count: > 0 } m ? m.Entries[0].Key.Span : root.Span;
            Report(DiagnosticDescriptors.MissingKey, first, "The experiment", "name", "add 'name: my-experiment' (lower-case letters, digits, '-', '_')");
        }

        string description = values.TryGetValue("description", out var d) ? Text(d, "description") ?? "" : "";
        var model = values.TryGetValue("model", out var n) ? ReadModel(n) : new ModelSection(null, null, null, null, Located.At(where.Span));
        var task = values.TryGetValue("task", out n) ? ReadTask(n) : new TaskSection(null, null, null, null, null, null, null, null, null, null, null, Located.At(where.Span));
        var lora = values.TryGetValue("lora", out n) ? ReadLora(n) : new LoraSection(null, null, null, null, null, null, Located.At(where.Span));
        var dropout = values.TryGetValue("dropout", out n) ? ReadDropout(n) : new DropoutSection(null, null, null, null, null, null, Located.At(where.Span));
        var compensation = values.TryGetValue("compensation", out n) ? ReadCompensation(n) : null;
        var training = values.TryGetValue("training", out n) ? ReadTraining(n) : new TrainingSection(null, null, null, null, null, null, null, null, null, null, null, null, Located.At(where.Span));
        var seeds = values.TryGetValue("seeds", out n) ? ReadSeeds(n) : (EquatableArray<int>?)new[] { 1 }.ToEquatableArray();
        var sweep = values.TryGetValue("sweep", out n) ? ReadSweep(n) : (EquatableArray<SweepAxis>?)EquatableArray<SweepAxis>.Empty;

        if (name is null || model is null || task is null || lora is null || dropout is null || training is null || seeds is null || sweep is null)
            return null;
        if (values.ContainsKey("compensation") && compensation is null) return null;
        return new ExperimentModel(name, description, model, task, lora, dropout, compensation, training, seeds.Value, sweep.Value, where);
    }

    ModelSection? ReadModel(YamlNode node)
    {
        if (Mapping(node, "model", Schema.ModelKeys, "a mapping (name or path, head, pooling)") is not { } mapped) return null;
        var (v, where) = mapped;
        return new ModelSection(
            v.TryGetValue("name", out var n) ? Name(n, "model.name", vocabulary.ModelNames) : null,
            v.TryGetValue("path", out n) ? Text(n, "model.path") : null,
            v.TryGetValue("head", out n) ? Name(n, "model.head", vocabulary.Heads.Map) : null,
            v.TryGetValue("pooling", out n) ? Name(n, "model.pooling", vocabulary.Poolings.Map) : null,
            where);
    }

    TaskSection? ReadTask(YamlNode node)
    {
        if (Mapping(node, "task", Schema.TaskKeys, "a mapping (dataset, or format + path + columns; max_length, metric, …)") is not { } mapped) return null;
        var (v, where) = mapped;
        string? text = null, pair = null, label = null;
        if (v.TryGetValue("columns", out var columnsNode) && Mapping(columnsNode, "task.columns", Schema.ColumnKeys, "a mapping (text, pair, label)") is { } columns)
        {
            text = columns.Values.TryGetValue("text", out var t) ? Text(t, "task.columns.text") : null;
            pair = columns.Values.TryGetValue("pair", out t) ? Text(t, "task.columns.pair") : null;
            label = columns.Values.TryGetValue("label", out t) ? Text(t, "task.columns.label") : null;
        }
        return new TaskSection(
            v.TryGetValue("dataset", out var n) ? Name(n, "task.dataset", vocabulary.DatasetNames) : null,
            v.TryGetValue("format", out n) ? Name(n, "task.format", vocabulary.FormatNames) : null,
            v.TryGetValue("path", out n) ? Text(n, "task.path") : null,
            text, pair, label,
            v.TryGetValue("regression", out n) ? Boolean(n, "task.regression") : null,
            v.TryGetValue("max_length", out n) ? Integer(n, "task.max_length", new Range(2, true, 8192, true, "between 2 and 8192 tokens")) : null,
            v.TryGetValue("max_examples", out n) ? Integer(n, "task.max_examples", AtLeastOne) : null,
            v.TryGetValue("max_eval_examples", out n) ? Integer(n, "task.max_eval_examples", AtLeastOne) : null,
            v.TryGetValue("metric", out n) ? Name(n, "task.metric", vocabulary.MetricNames) : null,
            where,
            v.TryGetValue("decoding", out n) ? ReadDecoding(n) : null,
            v.TryGetValue("train_every_reference", out n) ? Boolean(n, "task.train_every_reference") : null);
    }

    DecodingSection? ReadDecoding(YamlNode node)
    {
        if (Mapping(node, "task.decoding", Schema.DecodingKeys, "a mapping (num_beams, length_penalty, no_repeat_ngram_size, max_new_tokens)") is not { } mapped) return null;
        var v = mapped.Values;
        return new DecodingSection(
            v.TryGetValue("num_beams", out var n) ? Integer(n, "task.decoding.num_beams", new Range(1, true, 64, true, "between 1 (greedy) and 64")) : null,
            v.TryGetValue("length_penalty", out n) ? Number(n, "task.decoding.length_penalty", new Range(-10, true, 10, true, "between -10 and 10")) : null,
            v.TryGetValue("no_repeat_ngram_size", out n) ? Integer(n, "task.decoding.no_repeat_ngram_size", new Range(0, true, 64, true, "between 0 (off) and 64")) : null,
            v.TryGetValue("max_new_tokens", out n) ? Integer(n, "task.decoding.max_new_tokens", new Range(1, true, 8192, true, "between 1 and 8192")) : null);
    }

    LoraSection? ReadLora(YamlNode node)
    {
        const string expected = "a mapping (rank, alpha, targets, …) or none (full fine-tuning: every weight trains)";
        if (node is YamlScalar { IsNull: false } scalar)
        {
            if (scalar.Value == Schema.NoLora)
                return LoraSection.None(Located.At(scalar.Span));
            WrongType("lora", expected, node);
            return null;
        }
        if (Mapping(node, "lora", Schema.LoraKeys, expected) is not { } mapped) return null;
        var (v, where) = mapped;
        EquatableArray<TargetRank>? ranks = null;
        if (v.TryGetValue("rank_per_target", out var r) && Mapping(r, "lora.rank_per_target", vocabulary.LoraTargets.Names.ToArray(), "a mapping of target: rank, e.g. {query: 4}") is { } perTarget)
        {
            var list = new List<TargetRank>();
            foreach (var pair in perTarget.Values)
                if (Integer(pair.Value, $"lora.rank_per_target.{pair.Key}", AtLeastOne) is int rank) list.Add(new TargetRank(pair.Key, rank));
            ranks = list.ToEquatableArray();
        }
        return new LoraSection(
            v.TryGetValue("rank", out var n) ? Integer(n, "lora.rank", AtLeastOne) : null,
            v.TryGetValue("alpha", out n) ? Number(n, "lora.alpha", Positive) : null,
            v.TryGetValue("targets", out n) ? NonEmpty(Names(n, "lora.targets", vocabulary.LoraTargets.Map), n, "lora.targets") : null,
            v.TryGetValue("dropout", out n) ? Number(n, "lora.dropout", RateRange) : null,
            v.TryGetValue("rslora", out n) ? Boolean(n, "lora.rslora") : null,
            ranks,
            where,
            TrainEmbeddings: v.TryGetValue("train_embeddings", out n) ? Boolean(n, "lora.train_embeddings") : null,
            InitFrom: v.TryGetValue("init_from", out n) ? Text(n, "lora.init_from") : null);
    }

    EquatableArray<string>? NonEmpty(EquatableArray<string>? names, YamlNode node, string key)
    {
        if (names is { IsEmpty: true })
        {
            Report(DiagnosticDescriptors.OutOfRange, node.Span, key, "empty", "at least one of " + string.Join(", ", vocabulary.LoraTargets.Names));
            return null;
        }
        return names;
    }

    DropoutSection? ReadDropout(YamlNode node)
    {
        if (node is YamlScalar { IsNull: false } shorthand)
        {
            // "dropout: hiddenkey" is short for "dropout: {preset: hiddenkey}".
            string? preset = Name(shorthand, "dropout", vocabulary.PresetNames);
            return preset is null ? null : new DropoutSection(preset, null, null, null, null, null,
                new Located(shorthand.Span, new[] { new KeySpan("preset", shorthand.Span, shorthand.Span) }.ToEquatableArray()));
        }
        if (node is YamlSequence sequence)
        {
            var entries = new List<DropEntry>();
            bool ok = true;
            for (int i = 0; i < sequence.Items.Count; i++)
            {
                if (ReadDropEntry(sequence.Items[i], $"dropout[{Emit.Literals.Integer(i)}]") is DropEntry entry) entries.Add(entry);
                else ok = false;
            }
            return ok ? new DropoutSection(null, null, null, null, null, entries.ToEquatableArray(), Located.At(sequence.Span)) : null;
        }
        if (node is YamlMapping mapping && mapping.Entries.Any(e => e.Key.Value == "position") && !mapping.Entries.Any(e => e.Key.Value == "preset"))
        {
            Report(DiagnosticDescriptors.WrongType, node.Span, "dropout", "a preset mapping or a list of entries (write '- position: …' to make this entry a list item)", "a single entry");
            return null;
        }
        if (Mapping(node, "dropout", Schema.PresetKeys, "a preset ({preset: hiddenkey, …}) or a list of {position, pattern, rate} entries") is not { } mapped) return null;
        var (v, where) = mapped;
        if (!v.TryGetValue("preset", out var presetNode))
        {
            Report(DiagnosticDescriptors.MissingKey, where.Span, "dropout", "preset", $"name one of {string.Join(", ", vocabulary.PresetNames.Names)}, or write a list of entries");
            return null;
        }
        string? name = Name(presetNode, "dropout.preset", vocabulary.PresetNames);
        var section = new DropoutSection(
            name,
            v.TryGetValue("rate", out var n) ? Number(n, "dropout.rate", RateRange) : null,
            v.TryGetValue("key_rate", out n) ? Number(n, "dropout.key_rate", RateRange) : null,
            v.TryGetValue("hidden_rate", out n) ? Number(n, "dropout.hidden_rate", RateRange) : null,
            v.TryGetValue("pattern", out n) ? Name(n, "dropout.pattern", vocabulary.Patterns.Map) : null,
            null,
            where);
        return name is null ? null : section;
    }

    DropEntry? ReadDropEntry(YamlNode node, string key)
    {
        if (Mapping(node, key, Schema.DropEntryKeys, "a mapping {position, pattern, rate, layers, …}") is not { } mapped) return null;
        var (v, where) = mapped;
        foreach (var required in new[] { "position", "pattern", "rate" })
        {
            if (!v.ContainsKey(required))
                Report(DiagnosticDescriptors.MissingKey, where.Span, key, required, required switch
                {
                    "position" => "one of " + string.Join(", ", vocabulary.Positions.Names),
                    "pattern" => "one of " + string.Join(", ", vocabulary.Patterns.Names),
                    _ => "a rate in [0, 1)",
                });
        }
        string? position = v.TryGetValue("position", out var n) ? Name(n, key + ".position", vocabulary.Positions.Map) : null;
        string? pattern = v.TryGetValue("pattern", out n) ? Name(n, key + ".pattern", vocabulary.Patterns.Map) : null;
        double? rate = v.TryGetValue("rate", out n) ? Number(n, key + ".rate", RateRange) : null;
        LayersValue? layers = v.TryGetValue("layers", out n) ? ReadLayers(n, key + ".layers") : null;
        string? spanStart = v.TryGetValue("span_start", out n) ? Name(n, key + ".span_start", vocabulary.SpanStarts.Map) : null;
        string? normalization = v.TryGetValue("normalization", out n) ? Name(n, key + ".normalization", vocabulary.Normalizations.Map) : null;
        if (position is null || pattern is null || rate is null) return null;
        if (v.ContainsKey("layers") && layers is null) return null;
        if (v.ContainsKey("span_start") && spanStart is null || v.ContainsKey("normalization") && normalization is null) return null;
        return new DropEntry(position, pattern, rate.Value, layers, spanStart, normalization, where);
    }

    LayersValue? ReadLayers(YamlNode node, string key)
    {
        if (node is YamlScalar { IsNull: false, Value: LayersValue.All or LayersValue.LatterHalf } scalar)
            return new LayersValue(scalar.Value, EquatableArray<int>.Empty);
        if (node is YamlSequence sequence)
        {
            if (sequence.Items.Count == 0)
            {
                Report(DiagnosticDescriptors.OutOfRange, node.Span, key, "an empty list", "at least one 0-based layer index (or all, latter_half)");
                return null;
            }
            var indices = new List<int>();
            foreach (var item in sequence.Items)
            {
                if (Integer(item, key, new Range(0, true, 4096, true, "a 0-based layer index (≥ 0)")) is not int layer) return null;
                if (indices.Contains(layer))
                {
                    Report(DiagnosticDescriptors.Conflict, item.Span, $"'{key}' lists layer {Emit.Literals.Integer(layer)} twice");
                    return null;
                }
                indices.Add(layer);
            }
            return new LayersValue(LayersValue.List, indices.ToEquatableArray());
        }
        if (node is YamlScalar { IsNull: false } other && Text(other, key) is string text)
            Report(DiagnosticDescriptors.UnknownName, node.Span, "layer selection", text, key, Suggestions.Hint(text, [LayersValue.All, LayersValue.LatterHalf]) + " (or a list of layer indices)");
        else if (node is not YamlScalar { IsNull: false })
            WrongType(key, "all, latter_half or a list of layer indices", node);
        return null;
    }

    CompensationSection? ReadCompensation(YamlNode node)
    {
        if (Mapping(node, "compensation", Schema.CompensationKeys, "a mapping (kind, weight, branches, reduction)") is not { } mapped) return null;
        var (v, where) = mapped;
        var section = new CompensationSection(
            v.TryGetValue("kind", out var n) ? Name(n, "compensation.kind", vocabulary.CompensationNames) : null,
            v.TryGetValue("weight", out n) ? Number(n, "compensation.weight", NonNegative) : null,
            v.TryGetValue("branches", out n) ? Name(n, "compensation.branches", vocabulary.Branches.Map) : null,
            where,
            v.TryGetValue("reduction", out n) ? Name(n, "compensation.reduction", vocabulary.Reductions.Map) : null);
        return section;
    }

    TrainingSection? ReadTraining(YamlNode node)
    {
        if (Mapping(node, "training", Schema.TrainingKeys, "a mapping (epochs, batch_size, learning_rate, …)") is not { } mapped) return null;
        var (v, where) = mapped;
        string? device = null;
        if (v.TryGetValue("device", out var deviceNode) && Text(deviceNode, "training.device") is string text)
        {
            if (text is "cpu" or "cuda" || Regex.IsMatch(text, "^cuda:[0-9]+$", RegexOptions.CultureInvariant)) device = text;
            else Report(DiagnosticDescriptors.UnknownName, deviceNode.Span, "device", text, "training.device", Suggestions.Hint(text, ["cpu", "cuda", "cuda:0"]));
        }
        return new TrainingSection(
            v.TryGetValue("epochs", out var n) ? Integer(n, "training.epochs", AtLeastOne) : null,
            v.TryGetValue("batch_size", out n) ? Integer(n, "training.batch_size", AtLeastOne) : null,
            v.TryGetValue("learning_rate", out n) ? Number(n, "training.learning_rate", Positive) : null,
            v.TryGetValue("weight_decay", out n) ? Number(n, "training.weight_decay", NonNegative) : null,
            v.TryGetValue("warmup_ratio", out n) ? Number(n, "training.warmup_ratio", UnitInterval) : null,
            v.TryGetValue("max_grad_norm", out n) ? Number(n, "training.max_grad_norm", NonNegative) : null,
            v.TryGetValue("gradient_accumulation", out n) ? Integer(n, "training.gradient_accumulation", AtLeastOne) : null,
            v.TryGetValue("eval_every_steps", out n) ? Integer(n, "training.eval_every_steps", new Range(0, true, int.MaxValue, true, "≥ 0 (0 = at epoch ends only)")) : null,
            v.TryGetValue("early_stopping_patience", out n) ? Integer(n, "training.early_stopping_patience", new Range(0, true, int.MaxValue, true, "≥ 0 (0 = never stop early)")) : null,
            device,
            v.TryGetValue("precision", out n) ? Name(n, "training.precision", vocabulary.Precisions.Map) : null,
            v.TryGetValue("label_smoothing", out n) ? Number(n, "training.label_smoothing", new Range(0, true, 1, false, "in [0, 1)")) : null,
            where,
            v.TryGetValue("eval_from_epoch", out n) ? Integer(n, "training.eval_from_epoch", AtLeastOne) : null);
    }

    EquatableArray<int>? ReadSeeds(YamlNode node)
    {
        if (node is not YamlSequence { Items.Count: > 0 } sequence)
        {
            if (node is YamlSequence) Report(DiagnosticDescriptors.OutOfRange, node.Span, "seeds", "an empty list", "at least one seed, e.g. [1, 2, 3, 4, 5]");
            else WrongType("seeds", "a list of whole numbers, e.g. [1, 2, 3, 4, 5]", node);
            return null;
        }
        var seeds = new List<int>();
        foreach (var item in sequence.Items)
        {
            if (Integer(item, "seeds", NonNegative) is not int seed) return null;
            if (seeds.Contains(seed))
            {
                Report(DiagnosticDescriptors.Conflict, item.Span, $"'seeds' lists {Emit.Literals.Integer(seed)} twice; each seed is one run");
                return null;
            }
            seeds.Add(seed);
        }
        return seeds.ToEquatableArray();
    }
}
