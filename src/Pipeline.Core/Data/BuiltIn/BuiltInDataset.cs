using Pipeline.Data.Fetching;

namespace Pipeline.Data.BuiltIn;

/// <summary>
/// A file or folder of a fetched data set and its SHA-256. A path ending in '/' is a folder, hashed with
/// <see cref="Storage.ContentHash.OfTree"/>. <see cref="Sha256"/> is null where nothing can be pinned in advance
/// (a snapshot of lists that change upstream): the hash is then recorded in the manifest at fetch time.
/// </summary>
public sealed record PinnedFile(string Path, string? Sha256)
{
    /// <summary>
    /// Copies each of <paramref name="files"/> (files, not folders) from an unpacked package in <paramref name="unpacked"/>
    /// to the same path under <paramref name="folder"/>: what a fetch keeps of a large package of which little is read.
    /// A missing one is an error naming <paramref name="origin"/> ("name: npm package …").
    /// </summary>
    public static void CopyAll(IEnumerable<PinnedFile> files, string unpacked, string folder, string origin)
    {
        foreach (var file in files)
        {
            string from = System.IO.Path.Combine(unpacked, file.Path), to = System.IO.Path.Combine(folder, file.Path);
            if (!File.Exists(from)) throw new InvalidDataException($"{origin} did not contain {file.Path}; the upstream layout changed");
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(to)!);
            File.Copy(from, to);
        }
    }
}

/// <summary>What a fetch may use: the package clients, a scratch folder outside the cache, and a progress sink.</summary>
public sealed record FetchContext(AptClient Apt, NpmClient Npm, string Scratch, Action<string> Progress);

/// <summary>
/// A data set Pipeline knows how to fetch from a pinned upstream version and read into examples.
/// The facts (source, version, license, hashes) sit beside the code that fetches and reads them.
/// </summary>
public abstract class BuiltInDataset
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required TaskKind Kind { get; init; }

    /// <summary>Class names in class-index order.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>Where it comes from, for people: "Debian package python3-pattern 2.6+git20180818-4, file …".</summary>
    public required string Source { get; init; }

    /// <summary>Terms of use as upstream states them; why the data is fetched, never committed.</summary>
    public required string License { get; init; }

    /// <summary>The pinned upstream version; also the cache folder name.</summary>
    public required string Version { get; init; }

    /// <summary>What the hash split groups by (<see cref="SplitDefinition.GroupKey"/>).</summary>
    public required string GroupKey { get; init; }

    /// <summary>Examples in the full data set, as published (shown before fetching; null where it varies).</summary>
    public required int? ExpectedExamples { get; init; }

    /// <summary>The files the fetch leaves in the data set's folder, with their pinned hashes.</summary>
    public required IReadOnlyList<PinnedFile> Files { get; init; }

    /// <summary>
    /// Fills <paramref name="folder"/> (a staging folder, renamed into the cache when complete) with <see cref="Files"/>;
    /// returns facts worth recording in the manifest (e.g. the release a snapshot was frozen from), or null.
    /// </summary>
    public abstract IReadOnlyDictionary<string, string>? Fetch(FetchContext context, string folder);

    /// <summary>Reads the fetched files into rows whose labels are names from <see cref="Labels"/> (or numbers for regression).</summary>
    public abstract List<RawExample> Read(string folder);
}
