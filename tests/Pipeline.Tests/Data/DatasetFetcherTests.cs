using Pipeline.Data;
using Pipeline.Data.BuiltIn;
using Pipeline.Data.Fetching;
using Pipeline.Storage;

namespace Pipeline.Tests.Data;

/// <summary>The fetch protocol (stage, verify, manifest, rename) on a data set whose "download" is written here.</summary>
public class DatasetFetcherTests
{
    /// <summary>A data set that writes <see cref="Content"/> instead of downloading, and counts its fetches.</summary>
    sealed class LocalDataset : BuiltInDataset
    {
        public string Content { get; set; } = "\"1\",\"good\"\n\"-1\",\"bad\"\n";
        public int Fetches { get; private set; }

        public override IReadOnlyDictionary<string, string>? Fetch(FetchContext context, string folder)
        {
            Fetches++;
            File.WriteAllText(Path.Combine(folder, "polarity-en-pang&lee2.csv"), Content);
            return new Dictionary<string, string> { ["origin"] = "test" };
        }

        public override List<RawExample> Read(string folder) => PatternCorpus.MrPolarity.Read(folder);
    }


    static LocalDataset Dataset(string? sha256) => new()
    {
        Name = "local", Description = "test", Kind = TaskKind.SingleSentence, Labels = ["negative", "positive"],
        Source = "this test", License = "test", Version = "1", GroupKey = "text", ExpectedExamples = 2,
        Files = [new("polarity-en-pang&lee2.csv", sha256)],
    };

    static string HashOfContent()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("f"), Dataset(null).Content);
        return ContentHash.OfFile(dir.File("f"));
    }

    [Fact]
    public void A_fetch_verifies_writes_a_manifest_and_appears_in_one_piece()
    {
        using var dir = new TestPaths.TempDir();
        var home = new PipelineHome(dir.Path);
        var dataset = Dataset(HashOfContent());

        var manifest = DatasetFetcher.Fetch(dataset, home);

        string folder = Path.Combine(dir.Path, "data", "local", "1");
        Assert.True(DatasetCache.IsCached(home, dataset));
        var onDisk = DatasetCache.ReadManifest(home, dataset)!;
        Assert.Equal((manifest.Name, manifest.Version, manifest.Examples, manifest.FetchedAt), (onDisk.Name, onDisk.Version, onDisk.Examples, onDisk.FetchedAt));
        Assert.Equal(manifest.Files, onDisk.Files);
        Assert.Equal(HashOfContent(), manifest.Files["polarity-en-pang&lee2.csv"]);
        Assert.Equal(2, manifest.Examples);
        Assert.Equal("test", manifest.Details!["origin"]);
        Assert.Equal([folder], Directory.GetDirectories(Path.Combine(dir.Path, "data", "local")));
    }

    [Fact]
    public void A_cached_data_set_is_not_fetched_again_unless_forced()
    {
        using var dir = new TestPaths.TempDir();
        var home = new PipelineHome(dir.Path);
        var dataset = Dataset(HashOfContent());
        DatasetFetcher.Fetch(dataset, home);
        DatasetFetcher.Fetch(dataset, home);
        Assert.Equal(1, dataset.Fetches);
        DatasetFetcher.Fetch(dataset, home, force: true);
        Assert.Equal(2, dataset.Fetches);
    }

    [Fact]
    public void A_hash_mismatch_caches_nothing_and_names_both_hashes()
    {
        using var dir = new TestPaths.TempDir();
        var home = new PipelineHome(dir.Path);
        var dataset = Dataset(new string('0', 64));

        var e = Assert.Throws<InvalidDataException>(() => DatasetFetcher.Fetch(dataset, home));

        Assert.Contains($"sha256 of polarity-en-pang&lee2.csv is {HashOfContent()}, expected {new string('0', 64)}", e.Message);
        Assert.False(DatasetCache.IsCached(home, dataset));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(dir.Path, "data", "local"))); // no staging folder left
    }

    [Fact]
    public void An_unreadable_fetch_is_not_cached()
    {
        using var dir = new TestPaths.TempDir();
        var home = new PipelineHome(dir.Path);
        var dataset = Dataset(null);
        dataset.Content = "\"1\",\"good\"\n\"2\",\"odd\"\n";

        Assert.Throws<InvalidDataException>(() => DatasetFetcher.Fetch(dataset, home));
        Assert.False(DatasetCache.IsCached(home, dataset));
    }

    [Fact]
    public void An_unpinned_file_is_recorded_as_found()
    {
        using var dir = new TestPaths.TempDir();
        var manifest = DatasetFetcher.Fetch(Dataset(null), new PipelineHome(dir.Path));
        Assert.Equal(HashOfContent(), manifest.Files["polarity-en-pang&lee2.csv"]);
    }

    [Fact]
    public void A_failing_external_tool_names_the_command_and_exit_code()
    {
        var e = Assert.Throws<ExternalToolException>(() => ExternalTool.Run("sh", ["-c", "echo oops >&2; exit 3"], "Do this instead."));
        Assert.Equal("`sh -c 'echo oops >&2; exit 3'` failed with exit code 3:\n  oops\nDo this instead.", e.Message);
        Assert.Equal(3, e.ExitCode);

        var missing = Assert.Throws<ExternalToolException>(() => ExternalTool.Run("no-such-program-xyz", [], "Install it."));
        Assert.StartsWith("cannot run `no-such-program-xyz`", missing.Message);
        Assert.EndsWith("Install it.", missing.Message);
    }
}
