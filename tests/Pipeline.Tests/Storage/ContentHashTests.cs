using System.Security.Cryptography;
using System.Text;
using Pipeline.Storage;

namespace Pipeline.Tests.Storage;

public class ContentHashTests
{
    [Fact]
    public void File_hash_is_sha256sum_hex()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("abc"), "abc");
        // The FIPS 180-2 test vector for "abc".
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ContentHash.OfFile(dir.File("abc")));
    }

    [Fact]
    public void Tree_hash_is_the_hash_of_the_sorted_sha256sum_listing()
    {
        using var dir = new TestPaths.TempDir();
        Directory.CreateDirectory(dir.File("b"));
        File.WriteAllText(dir.File("b/y.txt"), "y");
        File.WriteAllText(dir.File("a.txt"), "a");
        File.WriteAllText(dir.File("B.txt"), "B"); // ordinal order: "B.txt" < "a.txt" < "b/y.txt"

        string listing = $"{Sha("B")}  B.txt\n{Sha("a")}  a.txt\n{Sha("y")}  b/y.txt\n";
        Assert.Equal(Sha(listing), ContentHash.OfTree(dir.Path));
    }

    static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
