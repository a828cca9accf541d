using Pipeline.Data;
using Pipeline.Data.BuiltIn;
using Pipeline.Data.Fetching;
using Pipeline.Metrics;
using Pipeline.Storage;

namespace Pipeline.Tests.Data;

/// <summary>
/// Integration: fetches the real MR polarity data through <c>apt-get update</c> + <c>apt-get download</c> into a
/// fresh PIPELINE_HOME (empty private apt lists, as on a new CI machine). Needs Debian 12 apt sources and the
/// network to them; takes about 10 s.
/// </summary>
public class MrPolarityFetchTests
{
    [Fact]
    public void Mr_polarity_is_fetched_with_apt_into_a_fresh_home_and_matches_its_pinned_hash()
    {
        using var dir = new TestPaths.TempDir();
        var home = new PipelineHome(dir.Path);
        var progress = new List<string>();

        var manifest = DatasetFetcher.Fetch(PatternCorpus.MrPolarity, home, progress: progress.Add);

        Assert.Contains(progress, line => line.StartsWith("apt-get download python3-pattern=2.6+git20180818-4", StringComparison.Ordinal));
        Assert.Equal("1b9975e7c33f487bc2187fffdc55213fdbb84bac4f6c1852b5dd40912411f53f", manifest.Files["polarity-en-pang&lee2.csv"]);
        Assert.Equal(4000, manifest.Examples);
        string folder = Path.Combine(dir.Path, "data", "mr-polarity", "2.6+git20180818-4");
        Assert.Equal("1b9975e7c33f487bc2187fffdc55213fdbb84bac4f6c1852b5dd40912411f53f", ContentHash.OfFile(Path.Combine(folder, "polarity-en-pang&lee2.csv")));
        Assert.Equal([Path.Combine(folder, "manifest.json"), Path.Combine(folder, "polarity-en-pang&lee2.csv")], Directory.GetFiles(folder).Order());

        var splits = DatasetLoader.Load(new DataOptions { Dataset = "mr-polarity" }, home);
        var all = splits.Train.Concat(splits.Dev).Concat(splits.Test).ToList();
        Assert.Equal(4000, all.Count);
        Assert.Equal(2000, all.Count(e => e.Target == new ClassTarget(1)));
        Assert.Equal(2000, all.Count(e => e.Target == new ClassTarget(0)));
        Assert.Equal(4000, all.Select(e => e.Text).Distinct().Count());
        Assert.All(all, e => Assert.Equal(e.Text.Trim(), e.Text));
        Assert.Contains(new Example("effective but too-tepid biopic", null, new ClassTarget(1)), all);
        // ≈ 80/10/10 by hash of the text.
        Assert.InRange(splits.Train.Count, 3100, 3300);
        Assert.InRange(splits.Dev.Count, 330, 470);
        Assert.InRange(splits.Test.Count, 330, 470);
        Assert.Same(TaskMetric.Accuracy, TaskMetric.For(splits));

        // The same data and rule give the same hash; another salt moves examples between splits.
        Assert.Equal(splits.DataHash, DatasetLoader.Load(new DataOptions { Dataset = "mr-polarity" }, home).DataHash);
        Assert.NotEqual(splits.DataHash, DatasetLoader.Load(new DataOptions { Dataset = "mr-polarity", Salt = "other" }, home).DataHash);
    }
}
