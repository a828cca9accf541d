namespace Pipeline.Storage;

/// <summary>
/// The cache root for everything Pipeline fetches or freezes (data sets, apt lists, later runs and weights).
/// Kept outside the repository on purpose: third-party data is fetched by users, never committed.
/// </summary>
public sealed class PipelineHome
{
    /// <summary>Overrides every other rule; tests point it at a temp folder.</summary>
    public const string EnvironmentVariable = "PIPELINE_HOME";

    public PipelineHome(string root)
    {
        if (string.IsNullOrWhiteSpace(root)) throw new ArgumentException("the Pipeline home folder must not be empty", nameof(root));
        Root = Path.GetFullPath(root);
    }

    /// <summary>The absolute root folder; it may not exist yet (created on first write).</summary>
    public string Root { get; }

    /// <summary>Model checkpoint directories, one per model: <c>models/&lt;name&gt;/</c>.</summary>
    public string ModelsRoot => Path.Combine(Root, "models");

    /// <summary>Fetched data sets: <c>data/&lt;name&gt;/&lt;version&gt;/</c>.</summary>
    public string DataRoot => Path.Combine(Root, "data");

    /// <summary>
    /// apt state private to Pipeline (lists and package cache), so fetching never needs or changes the
    /// system's <c>/var/lib/apt/lists</c> and works for a non-root user too.
    /// </summary>
    public string AptRoot => Path.Combine(Root, "apt");

    /// <summary>
    /// <c>$PIPELINE_HOME</c>, else <c>$XDG_CACHE_HOME/pipeline</c>, else <c>~/.cache/pipeline</c>
    /// (the XDG base-directory rule: fetched data is a cache, it can always be fetched again).
    /// </summary>
    public static PipelineHome FromEnvironment() => new(Resolve(
        Environment.GetEnvironmentVariable(EnvironmentVariable),
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME"),
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)));

    /// <summary>The resolution rule on explicit inputs (empty counts as unset, as in the XDG spec).</summary>
    public static string Resolve(string? pipelineHome, string? xdgCacheHome, string userProfile)
    {
        if (!string.IsNullOrWhiteSpace(pipelineHome)) return pipelineHome;
        // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
        if (!string.IsNullOrWhiteSpace(xdgCacheHome) && Path.IsPathRooted(xdgCacheHome)) return Path.Combine(xdgCacheHome, "pipeline");
        if (string.IsNullOrWhiteSpace(userProfile))
        {
            throw new InvalidOperationException($"cannot find a cache folder: set {EnvironmentVariable} (or XDG_CACHE_HOME, or HOME)");
        }
        return Path.Combine(userProfile, ".cache", "pipeline");
    }

    public override string ToString() => Root;
}
