using System;
using System.Collections.Generic;
using System.Linq;
using Pipeline.Generators.Model;
using Pipeline.Vocabulary;

namespace Pipeline.Generators;

/// <summary>
/// The YAML's shape: the keys of every section and the sweep axes (docs/experiments.md lists the same). No name
/// of a runtime value is here: enums, compensations, presets and the catalogues (models, datasets, formats,
/// metrics) declare theirs once, on the runtime types, and the generator reads them from the compilation
/// (Parsing/VocabularyReader).
/// </summary>
public static class Schema
{
    public static readonly string[] TopLevelKeys =
        ["name", "description", "model", "task", "lora", "dropout", "compensation", "training", "seeds", "sweep"];

    public static readonly string[] ModelKeys = ["name", "path", "head", "pooling"];
    public static readonly string[] TaskKeys = ["dataset", "format", "path", "columns", "regression", "max_length", "max_examples", "max_eval_examples", "metric", "decoding", "train_every_reference"];
    public static readonly string[] DecodingKeys = ["num_beams", "length_penalty", "no_repeat_ngram_size", "max_new_tokens"];
    public static readonly string[] ColumnKeys = ["text", "pair", "label"];
    public static readonly string[] LoraKeys = ["rank", "alpha", "targets", "dropout", "rslora", "rank_per_target", "train_embeddings", "init_from"];

    /// <summary><c>lora: none</c>: no adapters, full fine-tuning (the scalar the <c>lora</c> section takes instead of a mapping).</summary>
    public const string NoLora = "none";
    public static readonly string[] PresetKeys = ["preset", "rate", "key_rate", "hidden_rate", "pattern"];
    public static readonly string[] DropEntryKeys = ["position", "pattern", "rate", "layers", "span_start", "normalization"];
    public static readonly string[] CompensationKeys = ["kind", "weight", "branches", "reduction"];
    public static readonly string[] TrainingKeys =
    [
        "epochs", "batch_size", "learning_rate", "weight_decay", "warmup_ratio", "max_grad_norm",
        "gradient_accumulation", "eval_every_steps", "eval_from_epoch", "early_stopping_patience", "device", "precision", "label_smoothing",
    ];

    /// <summary>
    /// The sweep axes (docs/experiments.md "Sweeps" says what each one changes): <c>rate</c>, the rate axes the
    /// runtime declares (a position's [SweepAxis], a preset's rate parameters), then these.
    /// </summary>
    public static string[] SweepAxes(VocabularyModel vocabulary) =>
        [PresetFacts.SharedRateKey, .. vocabulary.RateAxes.Where(a => a != PresetFacts.SharedRateKey), "weight", "reduction", "preset", "pattern",
         "lora_rank", "lora_alpha", "learning_rate", "weight_decay", "epochs", "batch_size", "max_examples", "dataset"];
}

/// <summary>The YAML names an enumerated value accepts and the C# member (or string) each one stands for.</summary>
public sealed class NameMap
{
    readonly (string Yaml, string CSharp)[] names;

    public NameMap(string what, params (string Yaml, string CSharp)[] names)
    {
        What = what;
        this.names = names;
    }

    /// <summary>What a value of this kind is called in messages ("pattern", "LoRA target").</summary>
    public string What { get; }

    public IEnumerable<string> Names => names.Select(n => n.Yaml);

    public bool Contains(string yaml) => names.Any(n => n.Yaml == yaml);

    public string CSharp(string yaml) => names.First(n => n.Yaml == yaml).CSharp;
}

/// <summary>"Did you mean …?" by edit distance.</summary>
public static class Suggestions
{
    /// <summary>The closest candidate within a distance a typo could explain, or null.</summary>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        string lower = word.ToLowerInvariant();
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            int d = Distance(lower, candidate);
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }
        int allowed = Math.Max(2, Math.Min(word.Length, best?.Length ?? 0) / 3);
        return best is not null && bestDistance <= allowed ? best : null;
    }

    /// <summary>" — did you mean 'x'?" or " (expected one of: a, b, c)".</summary>
    public static string Hint(string word, IEnumerable<string> candidates)
    {
        var list = candidates.ToList();
        string? closest = Closest(word, list);
        return closest is not null ? $"; did you mean '{closest}'?" : $"; expected one of: {string.Join(", ", list)}";
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
