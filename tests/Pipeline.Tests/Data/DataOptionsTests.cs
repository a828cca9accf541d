using Pipeline.Data;
using Pipeline.Storage;

namespace Pipeline.Tests.Data;

public class DataOptionsTests
{
    [Fact]
    public void Exactly_one_of_dataset_and_format_is_required()
    {
        Assert.Contains("either 'dataset'", Assert.Throws<ArgumentException>(() => new DataOptions().Validated()).Message);
        Assert.Contains("either 'dataset'", Assert.Throws<ArgumentException>(() => new DataOptions { Dataset = "mr-polarity", Format = "csv", Path = "x" }.Validated()).Message);
    }

    [Fact]
    public void Unknown_formats_and_missing_paths_are_named()
    {
        var format = Assert.Throws<ArgumentException>(() => new DataOptions { Format = "parquet", Path = "x" }.Validated());
        Assert.Contains("unknown format 'parquet'; expected one of: glue-sst2, glue-mrpc, glue-rte, glue-cola, glue-qnli, glue-stsb, csv, jsonl", format.Message);
        Assert.Contains("needs 'path'", Assert.Throws<ArgumentException>(() => new DataOptions { Format = "csv" }.Validated()).Message);
    }

    [Fact]
    public void Bad_fractions_and_limits_are_rejected()
    {
        Assert.Contains("must sum to 1", Assert.Throws<ArgumentException>(() => new DataOptions { Dataset = "mr-polarity", Dev = 0.3 }.Validated()).Message);
        Assert.Contains("must be positive", Assert.Throws<ArgumentException>(() => new DataOptions { Dataset = "mr-polarity", MaxTrainExamples = 0 }.Validated()).Message);
    }

    [Fact]
    public void An_unknown_built_in_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => DatasetLoader.Load(new DataOptions { Dataset = "imdb" }, new PipelineHome("/nonexistent")));
        Assert.Contains("unknown data set 'imdb'; built-in data sets: mr-polarity, conll2010-hedge, debian-sections, spam-assassin", e.Message);
    }

    [Fact]
    public void A_built_in_that_is_not_cached_says_how_to_fetch_it()
    {
        using var dir = new TestPaths.TempDir();
        var e = Assert.Throws<DatasetNotFetchedException>(() => DatasetLoader.Load(new DataOptions { Dataset = "mr-polarity" }, new PipelineHome(dir.Path)));
        Assert.Contains("`pipeline data fetch mr-polarity`", e.Message);
        Assert.Contains(Path.Combine(dir.Path, "data", "mr-polarity", "2.6+git20180818-4"), e.Message);
    }
}
