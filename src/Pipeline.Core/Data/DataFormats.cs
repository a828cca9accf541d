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

    /// <summary>
    /// The E2E NLG challenge's CSV (<c>mr,ref</c>): rows with the same <c>mr</c> are one input with several references;
    /// a data-to-text <see cref="TaskKind.Generation"/> task (<see cref="DataToText"/>). Files end in <c>.csv</c>.
    /// </summary>
    [CatalogName] public const string E2eCsv = "e2e_csv";

    /// <summary>
    /// WebNLG's XML (<c>benchmark/entries/entry</c>: triples → lexicalisations), a data-to-text
    /// <see cref="TaskKind.Generation"/> task with seen/unseen test subsets. Files end in <c>.xml</c>.
    /// </summary>
    [CatalogName] public const string WebNlgXml = "webnlg_xml";

    public static IReadOnlyList<string> All { get; } = [.. Formats.GlueLayout.All.Select(l => l.Format), Csv, Jsonl, PromptTarget, E2eCsv, WebNlgXml];

    /// <summary>The formats whose files hold prompt → target texts for a causal language model.</summary>
    public static bool IsGeneration(string format) => format is PromptTarget or E2eCsv or WebNlgXml;

    /// <summary>The extension of a format's files: its name, except prompt_target's .jsonl, e2e_csv's .csv and webnlg_xml's .xml.</summary>
    public static string Extension(string format) => format switch
    {
        PromptTarget => Jsonl,
        E2eCsv => Csv,
        WebNlgXml => "xml",
        _ => format,
    };
}
