using Pipeline.Data;
using Pipeline.Storage;

namespace Pipeline.Tests.Data;

public class CsvLoaderTests
{
    static DatasetSplits Load(DataOptions options) => DatasetLoader.Load(options, new PipelineHome("/nonexistent-home"));

    static string Reviews(int n) =>
        "id,review,stars\n" + string.Concat(Enumerable.Range(0, n).Select(i => $"{i},\"review {i}, quoted\",{(i % 3 == 0 ? "bad" : "good")}\n"));

    [Fact]
    public void One_file_is_cut_by_hash_with_named_columns_and_a_label_map()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("reviews.csv"), Reviews(300));
        var splits = Load(new DataOptions
        {
            Format = "csv", Path = dir.File("reviews.csv"), TextColumn = "review", LabelColumn = "stars",
            Labels = ["negative", "positive"], LabelMap = new Dictionary<string, string> { ["bad"] = "negative", ["good"] = "positive" },
        });

        Assert.Equal("reviews", splits.Name);
        Assert.Equal(SplitDefinition.HashBucket, splits.Split.Method);
        Assert.Equal("text", splits.Split.GroupKey);
        Assert.Equal(300, splits.Train.Count + splits.Dev.Count + splits.Test.Count);
        var all = splits.Train.Concat(splits.Dev).Concat(splits.Test).ToList();
        Assert.Contains(new Example("review 3, quoted", null, new ClassTarget(0)), all);
        Assert.Contains(new Example("review 4, quoted", null, new ClassTarget(1)), all);
    }

    [Fact]
    public void Without_labels_the_names_are_inferred_in_numeric_order()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("d.csv"), "text,label\n" + string.Concat(Enumerable.Range(0, 60).Select(i => $"t{i},{new[] { "10", "9", "-1" }[i % 3]}\n")));
        var splits = Load(new DataOptions { Format = "csv", Path = dir.File("d.csv") });
        Assert.Equal(["-1", "9", "10"], splits.Labels);
    }

    [Fact]
    public void A_headerless_file_uses_column_numbers_and_a_pair_column()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("p.csv"), string.Concat(Enumerable.Range(0, 50).Select(i => $"q{i},a{i},{i % 2}\n")));
        var splits = Load(new DataOptions { Format = "csv", Path = dir.File("p.csv"), HasHeader = false, TextColumn = "0", PairColumn = "1", LabelColumn = "2" });

        Assert.Equal(TaskKind.SentencePair, splits.Kind);
        Assert.Equal("text+pair", splits.Split.GroupKey);
        Assert.Contains(new Example("q7", "a7", new ClassTarget(1)), splits.Train.Concat(splits.Dev).Concat(splits.Test));
    }

    [Fact]
    public void A_folder_of_split_files_is_used_as_given()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("train.csv"), "text,label\na,1\nb,0\n");
        File.WriteAllText(dir.File("dev.csv"), "text,label\nc,1\n");
        File.WriteAllText(dir.File("test.csv"), "text,label\nd,0\ne,1\n");
        var splits = Load(new DataOptions { Format = "csv", Path = dir.Path, Regression = true });

        Assert.Equal(TaskKind.Regression, splits.Kind);
        Assert.Equal([new Example("a", null, new NumberTarget(1)), new Example("b", null, new NumberTarget(0))], splits.Train);
        Assert.Equal([new Example("c", null, new NumberTarget(1))], splits.Dev);
        Assert.Equal([new Example("d", null, new NumberTarget(0)), new Example("e", null, new NumberTarget(1))], splits.Test);
        Assert.Equal(SplitDefinition.Given, splits.Split.Method);
        Assert.Equal(0.4, splits.Split.Test, 12);
    }

    [Fact]
    public void A_row_with_the_wrong_field_count_names_file_and_line()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("d.csv"), "text,label\n\"multi\nline\",1\nshort\n");
        var e = Assert.Throws<InvalidDataException>(() => Load(new DataOptions { Format = "csv", Path = dir.File("d.csv") }));
        Assert.StartsWith($"{dir.File("d.csv")}:4: expected 2 columns as in the header, found 1", e.Message);
    }

    [Fact]
    public void A_missing_column_lists_the_header()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("d.csv"), "sentence,label\na,1\n");
        var e = Assert.Throws<InvalidDataException>(() => Load(new DataOptions { Format = "csv", Path = dir.File("d.csv") }));
        Assert.Equal($"{dir.File("d.csv")}:1: no text column 'text' in the header; found: sentence, label", e.Message);
    }

    [Fact]
    public void An_unknown_label_names_file_and_line()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("d.csv"), "text,label\na,pos\nb,neg\nc,meh\n");
        var e = Assert.Throws<InvalidDataException>(() => Load(new DataOptions { Format = "csv", Path = dir.File("d.csv"), Labels = ["neg", "pos"] }));
        Assert.StartsWith($"{dir.File("d.csv")}:4: unknown label 'meh'; expected one of: neg, pos", e.Message);
    }

    [Fact]
    public void Too_little_data_for_a_split_is_an_error()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("d.csv"), "text,label\na,1\nb,0\n");
        var e = Assert.Throws<InvalidDataException>(() => Load(new DataOptions { Format = "csv", Path = dir.File("d.csv") }));
        Assert.Matches("d: the (train|dev|test) split is empty", e.Message);
    }

    [Fact]
    public void A_missing_path_or_split_file_is_named()
    {
        using var dir = new TestPaths.TempDir();
        var missing = Assert.Throws<FileNotFoundException>(() => Load(new DataOptions { Format = "csv", Path = dir.File("nope.csv") }));
        Assert.StartsWith($"{dir.File("nope.csv")}: no such file or folder", missing.Message);

        File.WriteAllText(dir.File("train.csv"), "text,label\na,1\n");
        var noDev = Assert.Throws<FileNotFoundException>(() => Load(new DataOptions { Format = "csv", Path = dir.Path }));
        Assert.StartsWith($"{dir.File("dev.csv")}: file not found", noDev.Message);
    }

    [Fact]
    public void A_single_class_is_not_a_classification_task()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("d.csv"), "text,label\na,1\nb,1\n");
        var e = Assert.Throws<InvalidDataException>(() => Load(new DataOptions { Format = "csv", Path = dir.File("d.csv") }));
        Assert.StartsWith("classification needs at least 2 labels, found 1 (1)", e.Message);
    }
}
