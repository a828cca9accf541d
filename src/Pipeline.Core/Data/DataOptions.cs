namespace Pipeline.Data;

/// <summary>
/// Which data a run uses and how it is cut; the YAML <c>data:</c> block maps onto these properties one-to-one.
/// Either <see cref="Dataset"/> (a built-in, fetched into the cache) or <see cref="Format"/> + <see cref="Path"/>
/// (the user's own files) — never both.
/// </summary>
public sealed record DataOptions
{
    /// <summary>A built-in data set by name (<c>pipeline data list</c>), e.g. <c>mr-polarity</c>.</summary>
    public string? Dataset { get; init; }

    /// <summary>The layout of the user's files: one of <see cref="DataFormats.All"/>.</summary>
    public string? Format { get; init; }

    /// <summary>
    /// GLUE formats: the task folder holding <c>train.tsv</c> and <c>dev.tsv</c>.
    /// The other formats: one file (cut into train/dev/test by hash) or a folder with <c>train</c>, <c>dev</c> and
    /// optionally <c>test</c> files of the format's extension (<see cref="DataFormats.Extension"/>; used as given).
    /// </summary>
    public string? Path { get; init; }

    /// <summary>Name shown in reports for the user's own data; defaults to the file or folder name.</summary>
    public string? Name { get; init; }

    /// <summary>csv/jsonl: the column (header name, or 0-based index when <see cref="HasHeader"/> is false) or JSON field of the text.</summary>
    public string TextColumn { get; init; } = "text";

    /// <summary>csv/jsonl: the second text of a sentence-pair task; unset for single-sentence tasks.</summary>
    public string? PairColumn { get; init; }

    /// <summary>csv/jsonl: the column or field of the label (a class name/number, or a regression target).</summary>
    public string LabelColumn { get; init; } = "label";

    /// <summary>csv/jsonl: the column whose value groups examples for the hash split; default: text (+ pair).</summary>
    public string? GroupColumn { get; init; }

    /// <summary>csv: whether the first record is a header naming the columns.</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>csv: the field delimiter (',' by default; '\t' reads quoted TSV).</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>csv/jsonl: the label is a real-valued target (regression) rather than a class.</summary>
    public bool Regression { get; init; }

    /// <summary>csv/jsonl: the class names in class-index order; default: the distinct labels found (numeric or ordinal order).</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>csv/jsonl: renames raw label values to class names first, e.g. "-1" → "negative".</summary>
    public IReadOnlyDictionary<string, string>? LabelMap { get; init; }

    /// <summary>Fractions of the hash split (ignored where the files give the splits). Must sum to 1.</summary>
    public double Train { get; init; } = SplitDefinition.DefaultTrain;
    public double Dev { get; init; } = SplitDefinition.DefaultDev;
    public double Test { get; init; } = SplitDefinition.DefaultTest;

    /// <summary>Changes every bucket at once: another salt is another random split of the same data.</summary>
    public string Salt { get; init; } = SplitDefinition.DefaultSalt;

    /// <summary>Quick runs: keep at most this many training examples (a deterministic hash sample, not "the first N").</summary>
    public int? MaxTrainExamples { get; init; }

    /// <summary>Quick runs: keep at most this many dev and this many test examples (same rule).</summary>
    public int? MaxEvalExamples { get; init; }

    /// <summary>Fetch a built-in data set that is not cached yet instead of failing with the fetch command to run.</summary>
    public bool AutoFetch { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the option that is wrong and what to write instead.</summary>
    public DataOptions Validated()
    {
        if ((Dataset is null) == (Format is null))
        {
            throw new ArgumentException("data options: set either 'dataset' (a built-in, see `pipeline data list`) or 'format' + 'path' (your own files), not both or neither");
        }
        if (Format is not null)
        {
            if (!DataFormats.All.Contains(Format)) throw new ArgumentException($"data options: unknown format '{Format}'; expected one of: {string.Join(", ", DataFormats.All)}");
            if (string.IsNullOrWhiteSpace(Path)) throw new ArgumentException($"data options: format '{Format}' needs 'path' (a file or a folder)");
        }
        else if (Path is not null)
        {
            throw new ArgumentException($"data options: 'path' is for your own files with 'format'; built-in data set '{Dataset}' lives in the cache");
        }
        if (MaxTrainExamples is <= 0 || MaxEvalExamples is <= 0) throw new ArgumentException("data options: example limits must be positive");
        SplitDefinition.Hashed("text", Train, Dev, Test, Salt); // validates the fractions
        return this;
    }
}
