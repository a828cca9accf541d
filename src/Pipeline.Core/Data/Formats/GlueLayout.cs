namespace Pipeline.Data.Formats;

/// <summary>
/// The column layout of one GLUE task's <c>train.tsv</c>/<c>dev.tsv</c>, as the GLUE download script writes them.
/// Headered files are read by column name (so a reordered file still works); CoLA has no header and is read
/// by position. The label names and their order follow the HF <c>glue</c> data set, so class ids match
/// checkpoints fine-tuned there.
/// </summary>
public sealed record GlueLayout(
    string Format,
    string Task,
    TaskKind Kind,
    IReadOnlyList<string> Labels,
    IReadOnlyDictionary<string, string>? LabelMap,
    IReadOnlyList<string>? Header,
    string Text,
    string? Pair,
    string Label)
{
    /// <summary>GLUE's official metric for the task when it is not the task kind's default (CoLA: Matthews correlation).</summary>
    public string? Metric { get; init; }

    /// <summary>CoLA's headerless columns: source code, label (0/1), original author mark, sentence.</summary>
    public const int ColaColumns = 4;
    const int ColaLabel = 1, ColaSentence = 3;

    static Dictionary<string, string> ZeroOne(string zero, string one) => new() { ["0"] = zero, ["1"] = one };

    public static GlueLayout Sst2 { get; } = new(DataFormats.GlueSst2, "SST-2", TaskKind.SingleSentence,
        ["negative", "positive"], ZeroOne("negative", "positive"), ["sentence", "label"], "sentence", null, "label");

    public static GlueLayout Cola { get; } = new(DataFormats.GlueCola, "CoLA", TaskKind.SingleSentence,
        ["unacceptable", "acceptable"], ZeroOne("unacceptable", "acceptable"), null, ColaSentence.ToString(), null, ColaLabel.ToString())
    {
        Metric = "mcc",
    };

    public static GlueLayout Mrpc { get; } = new(DataFormats.GlueMrpc, "MRPC", TaskKind.SentencePair,
        ["not_equivalent", "equivalent"], ZeroOne("not_equivalent", "equivalent"),
        ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"], "#1 String", "#2 String", "Quality");

    public static GlueLayout Rte { get; } = new(DataFormats.GlueRte, "RTE", TaskKind.SentencePair,
        ["entailment", "not_entailment"], null, ["index", "sentence1", "sentence2", "label"], "sentence1", "sentence2", "label");

    public static GlueLayout Qnli { get; } = new(DataFormats.GlueQnli, "QNLI", TaskKind.SentencePair,
        ["entailment", "not_entailment"], null, ["index", "question", "sentence", "label"], "question", "sentence", "label");

    /// <summary>STS-B: a similarity score in [0, 5] — regression, so no label names.</summary>
    public static GlueLayout Stsb { get; } = new(DataFormats.GlueStsb, "STS-B", TaskKind.Regression, [], null,
        ["index", "genre", "filename", "year", "old_index", "source1", "source2", "sentence1", "sentence2", "score"], "sentence1", "sentence2", "score");

    public static IReadOnlyList<GlueLayout> All { get; } = [Sst2, Mrpc, Rte, Cola, Qnli, Stsb];

    public static GlueLayout? Find(string format) => All.FirstOrDefault(l => l.Format == format);

    /// <summary>The layout described for error messages: "GLUE SST-2 layout: sentence, label".</summary>
    public string Describe() =>
        Header is null
            ? $"GLUE {Task} layout: {ColaColumns} tab-separated columns without a header (source, label, original mark, sentence)"
            : $"GLUE {Task} layout: a header line with {string.Join(", ", Header)}";
}
