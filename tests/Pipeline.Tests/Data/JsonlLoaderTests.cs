using Pipeline.Data;
using Pipeline.Storage;

namespace Pipeline.Tests.Data;

public class JsonlLoaderTests
{
    static DatasetSplits Load(DataOptions options) => DatasetLoader.Load(options, new PipelineHome("/nonexistent-home"));

    [Fact]
    public void Fields_are_read_by_name_and_numeric_or_string_labels_mean_the_same_class()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("train.jsonl"), "{\"q\": \"first?\", \"a\": \"yes\", \"y\": 1}\n\n{\"q\": \"second?\", \"a\": \"no\", \"y\": \"0\"}\n");
        File.WriteAllText(dir.File("dev.jsonl"), "{\"q\": \"third?\", \"a\": \"maybe\", \"y\": 0}\n");
        var splits = Load(new DataOptions { Format = "jsonl", Path = dir.Path, TextColumn = "q", PairColumn = "a", LabelColumn = "y" });

        Assert.Equal(["0", "1"], splits.Labels);
        Assert.Equal([new Example("first?", "yes", new ClassTarget(1)), new Example("second?", "no", new ClassTarget(0))], splits.Train);
        Assert.Equal(splits.Dev, splits.Test); // no test.jsonl: dev doubles as test
    }

    [Fact]
    public void A_group_column_keeps_a_group_in_one_split()
    {
        using var dir = new TestPaths.TempDir();
        var lines = Enumerable.Range(0, 400).Select(i => $"{{\"text\": \"t{i}\", \"label\": {i % 2}, \"doc\": \"d{i / 8}\"}}");
        File.WriteAllLines(dir.File("all.jsonl"), lines);
        var splits = Load(new DataOptions { Format = "jsonl", Path = dir.File("all.jsonl"), GroupColumn = "doc" });

        int Doc(Example e) => int.Parse(e.Text[1..]) / 8;
        var train = splits.Train.Select(Doc).ToHashSet();
        Assert.Empty(train.Intersect(splits.Dev.Select(Doc)));
        Assert.Empty(train.Intersect(splits.Test.Select(Doc)));
        Assert.Equal("doc", splits.Split.GroupKey);
    }

    [Fact]
    public void Invalid_json_names_file_and_line()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("d.jsonl"), "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\", \"label\": \n");
        var e = Assert.Throws<InvalidDataException>(() => Load(new DataOptions { Format = "jsonl", Path = dir.File("d.jsonl") }));
        Assert.StartsWith($"{dir.File("d.jsonl")}:2: not valid JSON", e.Message);
    }

    [Fact]
    public void A_missing_or_mistyped_field_names_file_and_line()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("d.jsonl"), "{\"text\": \"a\", \"label\": 1}\n{\"label\": 0}\n");
        var missing = Assert.Throws<InvalidDataException>(() => Load(new DataOptions { Format = "jsonl", Path = dir.File("d.jsonl") }));
        Assert.Equal($"{dir.File("d.jsonl")}:2: missing field 'text'", missing.Message);

        File.WriteAllText(dir.File("e.jsonl"), "{\"text\": 5, \"label\": 1}\n");
        var mistyped = Assert.Throws<InvalidDataException>(() => Load(new DataOptions { Format = "jsonl", Path = dir.File("e.jsonl") }));
        Assert.Equal($"{dir.File("e.jsonl")}:1: field 'text' must be a string, found Number", mistyped.Message);
    }

    [Fact]
    public void A_non_numeric_regression_target_names_file_and_line()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("d.jsonl"), "{\"text\": \"a\", \"label\": 0.5}\n{\"text\": \"b\", \"label\": \"high\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => Load(new DataOptions { Format = "jsonl", Path = dir.File("d.jsonl"), Regression = true }));
        Assert.Equal($"{dir.File("d.jsonl")}:2: regression target 'high' is not a finite number", e.Message);
    }

    [Fact]
    public void An_empty_file_is_an_error()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("d.jsonl"), "\n\n");
        var e = Assert.Throws<InvalidDataException>(() => Load(new DataOptions { Format = "jsonl", Path = dir.File("d.jsonl") }));
        Assert.Equal($"{dir.File("d.jsonl")}: no examples (the file is empty)", e.Message);
    }
}
