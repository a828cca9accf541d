namespace Pipeline.Data;

/// <summary>
/// What the trainer consumes: the three splits, the label names (index = class id; empty for regression),
/// the split rule, and <see cref="DataHash"/>: SHA-256 over the canonical examples (<see cref="DataHasher"/>),
/// so every run can be traced to its data.
/// </summary>
public sealed record DatasetSplits(string Name, TaskKind Kind, IReadOnlyList<string> Labels,
    IReadOnlyList<Example> Train, IReadOnlyList<Example> Dev, IReadOnlyList<Example> Test,
    SplitDefinition Split, string DataHash)
{
    /// <summary>Builds the record and computes its hash, the one way splits are made (so the hash always matches).</summary>
    public static DatasetSplits Create(string name, TaskKind kind, IReadOnlyList<string> labels,
        IReadOnlyList<Example> train, IReadOnlyList<Example> dev, IReadOnlyList<Example> test, SplitDefinition split)
    {
        foreach (var (splitName, examples) in new[] { ("train", train), ("dev", dev), ("test", test) })
        {
            if (examples.Count == 0)
            {
                throw new InvalidDataException($"{name}: the {splitName} split is empty ({split}); use more data or other split fractions");
            }
        }
        return new DatasetSplits(name, kind, labels, train, dev, test, split, DataHasher.Compute(labels, train, dev, test));
    }

    /// <summary>
    /// The metric this data set is conventionally scored with, when it is not the task kind's default
    /// (CoLA: "mcc"); see <see cref="Metrics.TaskMetric.For(DatasetSplits)"/>. Not part of <see cref="DataHash"/>.
    /// </summary>
    public string? Metric { get; init; }

    /// <summary>Examples per label name, in label order (classification only), for summaries.</summary>
    public static IReadOnlyList<(string Label, int Count)> LabelCounts(IReadOnlyList<string> labels, IReadOnlyList<Example> examples) =>
        labels.Select((label, index) => (label, examples.Count(e => e.Target is ClassTarget c && c.Index == index))).ToList();
}
