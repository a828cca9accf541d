using Pipeline.Vocabulary;

namespace Pipeline.Data;

/// <summary>The names of the file layouts <see cref="DataOptions.Format"/> (YAML <c>task.format</c>) accepts.</summary>
public static class DataFormats
{
    [CatalogName] public const string GlueSst2 = "glue-sst2";
    [CatalogName] public const string GlueMrpc = "glue-mrpc";
    [CatalogName] public const string GlueRte = "glue-rte";
    [CatalogName] public const string GlueCola = "glue-cola";
    [CatalogName] public const string GlueQnli = "glue-qnli";
    [CatalogName] public const string GlueStsb = "glue-stsb";
    [CatalogName] public const string Csv = "csv";
    [CatalogName] public const string Jsonl = "jsonl";

    /// <summary>
    /// JSON Lines of <c>{"prompt": …, "target": …}</c> (or <c>"targets": [...]</c>, several references) for a causal
    /// language model: the <see cref="TaskKind.Generation"/> task. Files end in <c>.jsonl</c>.
    /// </summary>
    [CatalogName] public const string PromptTarget = "prompt_target";

    public static IReadOnlyList<string> All { get; } = [.. Formats.GlueLayout.All.Select(l => l.Format), Csv, Jsonl, PromptTarget];

    /// <summary>The extension of a format's files (its name, except prompt_target's .jsonl).</summary>
    public static string Extension(string format) => format == PromptTarget ? Jsonl : format;
}
