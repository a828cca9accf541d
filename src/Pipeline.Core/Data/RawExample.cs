namespace Pipeline.Data;

/// <summary>
/// A row as a loader read it, before its label is interpreted; keeps the file and 1-based line so that a label
/// problem found later (unknown class, non-numeric target) is still reported where it is. For generation,
/// <see cref="Label"/> is the target text and <see cref="References"/> every reference text (null: just the target).
/// </summary>
public sealed record RawExample(string File, int Line, string Text, string? TextPair, string Label, string GroupKey)
{
    public IReadOnlyList<string>? References { get; init; }

    /// <summary>Generation: the evaluation subset the example belongs to (<see cref="TextTarget.Subset"/>); null when unknown.</summary>
    public string? Subset { get; init; }
}
