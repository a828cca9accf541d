using Pipeline.Data;
using Pipeline.Metrics;
using Pipeline.Storage;

namespace Pipeline.Tests.Data;

/// <summary>Each GLUE layout on small files written here, in the layouts GLUE's download script produces.</summary>
public class GlueLoaderTests
{
    static DatasetSplits Load(TestPaths.TempDir dir, string format, string train, string dev) =>
        Load(dir, new DataOptions { Format = format, Path = dir.Path }, train, dev);

    static DatasetSplits Load(TestPaths.TempDir dir, DataOptions options, string train, string dev)
    {
        File.WriteAllText(dir.File("train.tsv"), train);
        File.WriteAllText(dir.File("dev.tsv"), dev);
        return DatasetLoader.Load(options, new PipelineHome(dir.File("home")));
    }

    [Fact]
    public void Sst2_reads_sentence_and_label_and_uses_dev_as_test()
    {
        using var dir = new TestPaths.TempDir();
        var splits = Load(dir, "glue-sst2",
            "sentence\tlabel\nit 's a \"charming\" film \t1\nawful\t0\n",
            "sentence\tlabel\nfine\t1\n");

        Assert.Equal(TaskKind.SingleSentence, splits.Kind);
        Assert.Equal(["negative", "positive"], splits.Labels);
        Assert.Equal([new Example("it 's a \"charming\" film ", null, new ClassTarget(1)), new Example("awful", null, new ClassTarget(0))], splits.Train);
        Assert.Equal([new Example("fine", null, new ClassTarget(1))], splits.Dev);
        Assert.Equal(splits.Dev, splits.Test);
        Assert.Equal(SplitDefinition.Given, splits.Split.Method);
        Assert.Equal(0, splits.Split.Test); // no test examples of its own
        Assert.Same(TaskMetric.Accuracy, TaskMetric.For(splits));
    }

    [Fact]
    public void Cola_has_no_header_and_is_scored_by_mcc()
    {
        using var dir = new TestPaths.TempDir();
        var splits = Load(dir, "glue-cola",
            "gj04\t1\t\tOur friends won't buy this analysis.\ngj04\t0\t*\tThey drank the pub.\n",
            "gj04\t1\t\tThe sailors rode the breeze.\n");

        Assert.Equal([new Example("Our friends won't buy this analysis.", null, new ClassTarget(1)), new Example("They drank the pub.", null, new ClassTarget(0))], splits.Train);
        Assert.Equal(["unacceptable", "acceptable"], splits.Labels);
        Assert.Same(TaskMetric.Mcc, TaskMetric.For(splits));
    }

    [Fact]
    public void Mrpc_reads_the_two_strings_and_quality()
    {
        using var dir = new TestPaths.TempDir();
        var splits = Load(dir, "glue-mrpc",
            "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t702876\t702977\tAmrozi accused his brother.\tReferring to him, Amrozi accused his brother.\n",
            "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n0\t1\t2\tA.\tB.\n");

        Assert.Equal(TaskKind.SentencePair, splits.Kind);
        Assert.Equal(new Example("Amrozi accused his brother.", "Referring to him, Amrozi accused his brother.", new ClassTarget(1)), splits.Train[0]);
        Assert.Equal(["not_equivalent", "equivalent"], splits.Labels);
    }

    [Theory]
    [InlineData("glue-rte", "index\tsentence1\tsentence2\tlabel")]
    [InlineData("glue-qnli", "index\tquestion\tsentence\tlabel")]
    public void Rte_and_qnli_read_string_labels(string format, string header)
    {
        using var dir = new TestPaths.TempDir();
        var splits = Load(dir, format,
            $"{header}\n0\tfirst\tsecond\tnot_entailment\n1\tthird\tfourth\tentailment\n",
            $"{header}\n0\tx\ty\tentailment\n");

        Assert.Equal(["entailment", "not_entailment"], splits.Labels);
        Assert.Equal([new Example("first", "second", new ClassTarget(1)), new Example("third", "fourth", new ClassTarget(0))], splits.Train);
    }

    const string StsbHeader = "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore";

    [Fact]
    public void Stsb_is_regression_on_the_score_scored_by_pearson()
    {
        using var dir = new TestPaths.TempDir();
        var splits = Load(dir, "glue-stsb",
            $"{StsbHeader}\n0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA plane is taking off.\tAn air plane is taking off.\t5.000\n",
            $"{StsbHeader}\n0\tmain-captions\tMSRvid\t2012test\t0000\tnone\tnone\tA man.\tA woman.\t1.6\n");

        Assert.Equal(TaskKind.Regression, splits.Kind);
        Assert.Empty(splits.Labels);
        Assert.Equal(new Example("A plane is taking off.", "An air plane is taking off.", new NumberTarget(5f)), splits.Train[0]);
        Assert.Equal(new NumberTarget(1.6f), splits.Dev[0].Target);
        Assert.Same(TaskMetric.Pearson, TaskMetric.For(splits));
    }

    [Fact]
    public void A_row_with_the_wrong_column_count_names_file_and_line()
    {
        using var dir = new TestPaths.TempDir();
        var e = Assert.Throws<InvalidDataException>(() => Load(dir, "glue-sst2", "sentence\tlabel\ngood\t1\nbad\t0\textra\n", "sentence\tlabel\nx\t1\n"));
        Assert.StartsWith($"{dir.File("train.tsv")}:3: expected 2 tab-separated columns, found 3", e.Message);
    }

    [Fact]
    public void A_missing_header_says_which_layout_was_expected()
    {
        using var dir = new TestPaths.TempDir();
        var e = Assert.Throws<InvalidDataException>(() => Load(dir, "glue-rte", "0\ta\tb\tentailment\n", "index\tsentence1\tsentence2\tlabel\n0\tx\ty\tentailment\n"));
        Assert.StartsWith($"{dir.File("train.tsv")}:1: the header lacks index, sentence1, sentence2, label", e.Message);
        Assert.Contains("GLUE RTE layout", e.Message);
    }

    [Fact]
    public void An_unknown_label_names_file_and_line()
    {
        using var dir = new TestPaths.TempDir();
        var e = Assert.Throws<InvalidDataException>(() => Load(dir, "glue-sst2", "sentence\tlabel\ngood\t1\n", "sentence\tlabel\nx\t1\ny\t2\n"));
        Assert.StartsWith($"{dir.File("dev.tsv")}:3: unknown label '2'; expected one of: negative, positive", e.Message);
    }

    [Fact]
    public void A_non_numeric_regression_target_names_file_and_line()
    {
        using var dir = new TestPaths.TempDir();
        var e = Assert.Throws<InvalidDataException>(() => Load(dir, "glue-stsb",
            $"{StsbHeader}\n0\tg\tf\ty\to\ts\ts\ta\tb\tfive\n", $"{StsbHeader}\n0\tg\tf\ty\to\ts\ts\ta\tb\t1\n"));
        Assert.StartsWith($"{dir.File("train.tsv")}:2: regression target 'five' is not a finite number", e.Message);
    }

    [Fact]
    public void A_missing_dev_file_is_named()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("train.tsv"), "sentence\tlabel\na\t1\n");
        var e = Assert.Throws<FileNotFoundException>(() => DatasetLoader.Load(new DataOptions { Format = "glue-sst2", Path = dir.Path }, new PipelineHome(dir.File("home"))));
        Assert.StartsWith($"{dir.File("dev.tsv")}: file not found", e.Message);
    }

    [Fact]
    public void An_empty_split_is_an_error()
    {
        using var dir = new TestPaths.TempDir();
        var e = Assert.Throws<InvalidDataException>(() => Load(dir, "glue-sst2", "sentence\tlabel\na\t1\n", "sentence\tlabel\n"));
        Assert.StartsWith($"{dir.File("dev.tsv")}: no examples after the header", e.Message);
    }

    [Fact]
    public void Example_limits_cap_train_and_eval_deterministically()
    {
        using var dir = new TestPaths.TempDir();
        string Rows(int n) => "sentence\tlabel\n" + string.Concat(Enumerable.Range(0, n).Select(i => $"sentence {i}\t{i % 2}\n"));
        var options = new DataOptions { Format = "glue-sst2", Path = dir.Path, MaxTrainExamples = 10, MaxEvalExamples = 4 };
        var splits = Load(dir, options, Rows(100), Rows(30));
        var again = DatasetLoader.Load(options, new PipelineHome(dir.File("home")));

        Assert.Equal(10, splits.Train.Count);
        Assert.Equal(4, splits.Dev.Count);
        Assert.Equal(splits.Dev, splits.Test);
        Assert.Equal(splits.DataHash, again.DataHash);
        Assert.NotEqual(splits.DataHash, DatasetLoader.Load(options with { MaxTrainExamples = 11 }, new PipelineHome(dir.File("home"))).DataHash);
    }
}
