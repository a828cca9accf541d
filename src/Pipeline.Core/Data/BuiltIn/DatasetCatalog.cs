namespace Pipeline.Data.BuiltIn;

/// <summary>The built-in data sets, in the order <c>pipeline data list</c> shows them.</summary>
public static class DatasetCatalog
{
    public static IReadOnlyList<BuiltInDataset> All { get; } =
    [
        PatternCorpus.MrPolarity,
        PatternCorpus.Conll2010Hedge,
        DebianSections.Instance,
        SpamAssassin.Instance,
    ];

    public static BuiltInDataset Get(string name) =>
        All.FirstOrDefault(d => d.Name == name)
        ?? throw new ArgumentException($"unknown data set '{name}'; built-in data sets: {string.Join(", ", All.Select(d => d.Name))} (or use 'format' + 'path' for your own files)");
}
