namespace Pipeline.Data.BuiltIn;

/// <summary>
/// <c>manifest.json</c>, written last into a fetched data set's folder: its presence marks a complete fetch,
/// and it records what was fetched (files and hashes, when, and facts about a frozen snapshot).
/// </summary>
public sealed record DatasetManifest(
    string Name,
    string Version,
    string Source,
    DateTimeOffset FetchedAt,
    int Examples,
    IReadOnlyDictionary<string, string> Files,
    IReadOnlyDictionary<string, string>? Details = null)
{
    public const string FileName = "manifest.json";
}
