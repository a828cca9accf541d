using Pipeline.Data.BuiltIn;
using Pipeline.Data.Fetching;
using Pipeline.Data.Formats;
using Pipeline.Storage;

namespace Pipeline.Data;

/// <summary>The entry point the trainer calls: data options in, train/dev/test splits with their data hash out.</summary>
public static class DatasetLoader
{
    public static DatasetSplits Load(DataOptions options, PipelineHome home, Action<string>? progress = null)
    {
        options.Validated();
        if (options.Dataset is { } name) return LoadBuiltIn(DatasetCatalog.Get(name), options, home, progress);
        if (GlueLayout.Find(options.Format!) is { } layout) return LoadGlue(layout, options);
        return UserFiles.Load(options);
    }

    /// <summary>A built-in data set from the cache, cut by hash of its group key.</summary>
    public static DatasetSplits LoadBuiltIn(BuiltInDataset dataset, DataOptions options, PipelineHome home, Action<string>? progress = null)
    {
        if (!DatasetCache.IsCached(home, dataset))
        {
            if (!options.AutoFetch)
            {
                throw new DatasetNotFetchedException(dataset.Name, DatasetCache.Folder(home, dataset));
            }
            DatasetFetcher.Fetch(dataset, home, progress: progress);
        }
        var rows = dataset.Read(DatasetCache.Folder(home, dataset));
        var labels = dataset.Kind == TaskKind.Generation ? LabelEncoder.ForGeneration() : LabelEncoder.ForClassification(dataset.Kind, dataset.Labels, null, rows);
        return SplitMaker.Hash(dataset.Name, labels, rows, dataset.GroupKey, options);
    }

    static DatasetSplits LoadGlue(GlueLayout layout, DataOptions options)
    {
        var (train, dev) = GlueLoader.Read(layout, Path.GetFullPath(options.Path!));
        var labels = layout.Kind == TaskKind.Regression
            ? LabelEncoder.ForRegression()
            : LabelEncoder.ForClassification(layout.Kind, layout.Labels, layout.LabelMap, []);
        var splits = SplitMaker.Given(options.Name ?? layout.Format, labels, train, dev, test: null, layout.Pair is null ? "text" : "text+pair", options);
        return splits with { Metric = layout.Metric };
    }
}

