using Pipeline.Storage;

namespace Pipeline.Tests.Storage;

public class AtomicFileTests
{
    sealed record Sample(string Name, int Count);

    [Fact]
    public void Text_and_json_round_trip_and_leave_no_temp_files()
    {
        using var dir = new TestPaths.TempDir();
        AtomicFile.WriteAllText(dir.File("sub/a.txt"), "héllo");
        AtomicFile.WriteJson(dir.File("b.json"), new Sample("x", 3));
        AtomicFile.WriteAllBytes(dir.File("c.bin"), [1, 2, 3]);

        Assert.Equal("héllo", File.ReadAllText(dir.File("sub/a.txt")));
        Assert.Equal(new Sample("x", 3), AtomicFile.ReadJson<Sample>(dir.File("b.json")));
        Assert.Contains("\"count\": 3", File.ReadAllText(dir.File("b.json"))); // camelCase, indented
        Assert.Equal([1, 2, 3], File.ReadAllBytes(dir.File("c.bin")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Overwrites_an_existing_file()
    {
        using var dir = new TestPaths.TempDir();
        AtomicFile.WriteAllText(dir.File("a.txt"), "old");
        AtomicFile.WriteAllText(dir.File("a.txt"), "new");
        Assert.Equal("new", File.ReadAllText(dir.File("a.txt")));
    }

    [Fact]
    public void A_failing_write_keeps_the_old_file_and_removes_the_temp_file()
    {
        using var dir = new TestPaths.TempDir();
        AtomicFile.WriteAllText(dir.File("a.txt"), "complete");

        Assert.Throws<IOException>(() => AtomicFile.Write(dir.File("a.txt"), stream =>
        {
            stream.Write("half"u8);
            throw new IOException("disk full");
        }));

        Assert.Equal("complete", File.ReadAllText(dir.File("a.txt")));
        Assert.Equal([dir.File("a.txt")], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Unparseable_json_names_the_file()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("bad.json"), "{\n  \"name\": ");
        var e = Assert.Throws<InvalidDataException>(() => AtomicFile.ReadJson<Sample>(dir.File("bad.json")));
        Assert.StartsWith($"{dir.File("bad.json")}:", e.Message);
    }
}
