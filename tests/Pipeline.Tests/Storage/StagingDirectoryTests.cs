using Pipeline.Storage;

namespace Pipeline.Tests.Storage;

public class StagingDirectoryTests
{
    [Fact]
    public void Commit_moves_the_filled_folder_into_place()
    {
        using var dir = new TestPaths.TempDir();
        string target = dir.File("data/set/1.0");
        using (var staging = new StagingDirectory(target))
        {
            File.WriteAllText(Path.Combine(staging.Path, "f.txt"), "x");
            Assert.False(Directory.Exists(target)); // invisible until complete
            staging.Commit();
        }
        Assert.Equal("x", File.ReadAllText(Path.Combine(target, "f.txt")));
        Assert.Equal([target], Directory.GetDirectories(dir.File("data/set")));
    }

    [Fact]
    public void An_uncommitted_folder_is_removed()
    {
        using var dir = new TestPaths.TempDir();
        using (var staging = new StagingDirectory(dir.File("t")))
        {
            File.WriteAllText(Path.Combine(staging.Path, "f.txt"), "partial");
        }
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Commit_replaces_an_existing_folder_whole()
    {
        using var dir = new TestPaths.TempDir();
        string target = dir.File("t");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "old.txt"), "old");
        using (var staging = new StagingDirectory(target))
        {
            File.WriteAllText(Path.Combine(staging.Path, "new.txt"), "new");
            staging.Commit();
        }
        Assert.Equal([Path.Combine(target, "new.txt")], Directory.GetFiles(target));
        Assert.Equal([target], Directory.GetDirectories(dir.Path));
    }
}
