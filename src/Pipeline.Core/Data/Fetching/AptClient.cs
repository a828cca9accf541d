using Pipeline.Storage;

namespace Pipeline.Data.Fetching;

/// <summary>
/// Debian packages and apt metadata through apt's own tools, with apt state kept in Pipeline's cache.
/// Why private state: on a fresh machine (CI, containers) /var/lib/apt/lists is empty, so a plain
/// <c>apt-get download</c> finds nothing, and filling the system lists needs root and changes the machine.
/// With <c>Dir::State::Lists</c> and <c>Dir::Cache</c> pointed into <see cref="PipelineHome.AptRoot"/>,
/// <c>apt-get update</c> works for any user, reads the machine's own sources (mirrors, proxies), and leaves
/// the system untouched. The same options go to every call so they all see the same lists.
/// </summary>
public sealed class AptClient(PipelineHome home, Action<string>? progress = null)
{
    const string AptHelper = "/usr/lib/apt/apt-helper";

    public string ListsDirectory => Path.Combine(home.AptRoot, "lists");
    string CacheDirectory => Path.Combine(home.AptRoot, "cache");

    static string Hint(string what) =>
        $"Pipeline fetches {what} with Debian's apt (Debian 12 'bookworm' or a derivative): check that `apt-get update` works on this machine " +
        "(network, proxy, /etc/apt/sources.list.d) and that its sources include bookworm's main component.";

    List<string> Options()
    {
        var options = new List<string>
        {
            "-q",
            "-o", $"Dir::State::Lists={ListsDirectory}",
            "-o", $"Dir::Cache={CacheDirectory}",
            // English descriptions (Translation-en) are the text of debian-sections; other languages are not needed.
            "-o", "Acquire::Languages=en",
        };
        // As root apt drops to the _apt user for downloads, and _apt cannot enter a cache under /root (mode 700):
        // apt would fall back with a warning anyway, so say so up front. Not root: apt never switches users.
        if (Environment.IsPrivilegedProcess) options.AddRange(["-o", "APT::Sandbox::User=root"]);
        return options;
    }

    /// <summary>
    /// Refreshes the private package lists. Run before every fetch: the private lists start empty, and stale lists
    /// point at package files the mirror has since dropped; it costs a few seconds and about 20 MB.
    /// </summary>
    public void Update()
    {
        Directory.CreateDirectory(Path.Combine(ListsDirectory, "partial"));
        Directory.CreateDirectory(Path.Combine(CacheDirectory, "archives", "partial"));
        progress?.Invoke($"apt-get update (private lists in {ListsDirectory})");
        ExternalTool.Run("apt-get", [.. Options(), "update"], Hint("package lists"));
    }

    /// <summary>Downloads exactly <paramref name="package"/>=<paramref name="version"/> into <paramref name="folder"/>; returns the .deb path.</summary>
    public string Download(string package, string version, string folder)
    {
        progress?.Invoke($"apt-get download {package}={version}");
        ExternalTool.Run("apt-get", [.. Options(), "download", $"{package}={version}"],
            Hint($"{package} {version}") + $" If apt says the version is not found, the sources lack it: `apt-cache policy {package}` lists the versions they offer.",
            workingDirectory: folder);
        var debs = Directory.GetFiles(folder, $"{package}_*.deb");
        return debs.Length == 1
            ? debs[0]
            : throw new ExternalToolException($"apt-get download {package}={version} reported success but left {debs.Length} .deb files in {folder}", $"apt-get download {package}={version}", 0);
    }

    /// <summary>Unpacks a .deb's files (not its maintainer scripts) under <paramref name="folder"/>, as <c>dpkg -x</c> does.</summary>
    public void Extract(string deb, string folder)
    {
        progress?.Invoke($"dpkg-deb -x {Path.GetFileName(deb)}");
        ExternalTool.Run("dpkg-deb", ["-x", deb, folder], "dpkg-deb (package dpkg) unpacks Debian packages; it is part of every Debian system.");
    }

    /// <summary>
    /// The one list file whose name contains <paramref name="part"/> and (compression aside) ends with
    /// <paramref name="suffix"/>, e.g. "_dists_bookworm_main_binary-" + "_Packages". Naming the suite leaves out
    /// bookworm-updates and bookworm-security, which only hold newer versions of some packages.
    /// </summary>
    public string FindList(string part, string suffix)
    {
        var matches = Directory.Exists(ListsDirectory)
            ? Directory.GetFiles(ListsDirectory)
                .Select(Path.GetFileName)
                .Where(f => f!.Contains(part, StringComparison.Ordinal) && StripCompression(f).EndsWith(suffix, StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).ToList()
            : [];
        return matches.Count == 1
            ? Path.Combine(ListsDirectory, matches[0]!)
            : throw new InvalidDataException(
                $"{ListsDirectory}: expected one apt list named *{part}*{suffix}, found {matches.Count}" +
                (matches.Count > 0 ? $" ({string.Join(", ", matches)})" : "") + ". " + Hint("the package descriptions"));
    }

    /// <summary>Decompresses an apt list (lz4, gz, xz or plain: apt-helper knows them all) into <paramref name="outputFile"/>.</summary>
    public void CatFile(string listFile, string outputFile) =>
        ExternalTool.Run(AptHelper, ["cat-file", listFile], "apt-helper comes with the apt package.", stdoutFile: outputFile);

    static string StripCompression(string name)
    {
        foreach (var extension in new[] { ".lz4", ".gz", ".xz", ".zst", ".bz2", ".lzma" })
        {
            if (name.EndsWith(extension, StringComparison.Ordinal)) return name[..^extension.Length];
        }
        return name;
    }
}
