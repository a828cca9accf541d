using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Storage;

/// <summary>SHA-256 digests as lowercase hex, the form <c>sha256sum</c> prints, so a pinned value can be checked by hand.</summary>
public static class ContentHash
{
    public static string OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string OfBytes(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string OfText(string text) => OfBytes(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// One digest for a folder of many files (a data set of 6,000 mails cannot pin a hash per file in code):
    /// the SHA-256 of the <c>sha256sum</c>-style listing "<c>hash  relative/path\n</c>" sorted by ordinal path.
    /// <c>find . -type f | sort | xargs sha256sum | sha256sum</c> reproduces it (paths without the "./").
    /// </summary>
    public static string OfTree(string folder)
    {
        var listing = new StringBuilder();
        foreach (var (relative, hash) in FileHashes(folder))
        {
            listing.Append(hash).Append("  ").Append(relative).Append('\n');
        }
        return OfText(listing.ToString());
    }

    /// <summary>Every file under <paramref name="folder"/> with its digest, by ordinal relative path ('/' separators).</summary>
    public static IReadOnlyList<(string RelativePath, string Sha256)> FileHashes(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .Select(r => (r, OfFile(Path.Combine(folder, r))))
            .ToList();
}
