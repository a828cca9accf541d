using Pipeline.Storage;

namespace Pipeline.Data.BuiltIn;

/// <summary>Where a built-in data set lives in the cache: <c>PIPELINE_HOME/data/&lt;name&gt;/&lt;version&gt;/</c>.</summary>
public static class DatasetCache
{
    public static string Folder(PipelineHome home, BuiltInDataset dataset) => Path.Combine(home.DataRoot, dataset.Name, dataset.Version);

    /// <summary>Fetched completely: the manifest is written last and the folder appears by one rename.</summary>
    public static bool IsCached(PipelineHome home, BuiltInDataset dataset) => File.Exists(ManifestPath(home, dataset));

    public static string ManifestPath(PipelineHome home, BuiltInDataset dataset) => Path.Combine(Folder(home, dataset), DatasetManifest.FileName);

    public static DatasetManifest? ReadManifest(PipelineHome home, BuiltInDataset dataset) =>
        IsCached(home, dataset) ? AtomicFile.ReadJson<DatasetManifest>(ManifestPath(home, dataset)) : null;
}
