namespace Pipeline.Data;

/// <summary>The names of the file layouts <see cref="DataOptions.Format"/> accepts.</summary>
public static class DataFormats
{
    public const string Csv = "csv";
    public const string Jsonl = "jsonl";

    public static IReadOnlyList<string> All { get; } = [.. Formats.GlueLayout.All.Select(l => l.Format), Csv, Jsonl];
}
