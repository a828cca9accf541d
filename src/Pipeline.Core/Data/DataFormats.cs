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

    public static IReadOnlyList<string> All { get; } = [.. Formats.GlueLayout.All.Select(l => l.Format), Csv, Jsonl];
}
