namespace Pipeline.Data;

/// <summary>
/// One labeled example.
/// Label: class index for classification (into <see cref="DatasetSplits.Labels"/>), target value for regression.
/// </summary>
public sealed record Example(string Text, string? TextPair, float Label);

/// <summary>An example with the key that decides its split: examples sharing a key never straddle train and test.</summary>
public sealed record GroupedExample(Example Example, string GroupKey);
