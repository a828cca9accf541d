using Pipeline.Vocabulary;

namespace Pipeline.Data.BuiltIn;

/// <summary>The built-in data sets, in the order <c>pipeline data list</c> shows them; their names are YAML's <c>task.dataset</c>.</summary>
public static class DatasetCatalog
{
    [CatalogName] public const string MrPolarityName = "mr-polarity";
    [CatalogName] public const string Conll2010HedgeName = "conll2010-hedge";
    [CatalogName] public const string DebianSectionsName = "debian-sections";
    [CatalogName] public const string SpamAssassinName = "spam-assassin";
    [CatalogName] public const string DebianSynopsesName = "debian-synopses";
    [CatalogName] public const string PkmnMovesName = "pkmn-moves";

    public static IReadOnlyList<BuiltInDataset> All { get; } =
    [
        PatternCorpus.MrPolarity,
        PatternCorpus.Conll2010Hedge,
        DebianSections.Instance,
        SpamAssassin.Instance,
        DebianSynopses.Instance,
        PkmnMoves.Instance,
    ];

    public static BuiltInDataset Get(string name) =>
        All.FirstOrDefault(d => d.Name == name)
        ?? throw new ArgumentException($"unknown data set '{name}'; built-in data sets: {string.Join(", ", All.Select(d => d.Name))} (or use 'format' + 'path' for your own files)");
}
