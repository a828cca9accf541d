using Pipeline.Data;
using Pipeline.Storage;

namespace Pipeline.Tests.Data;

/// <summary>The prompt_target format: JSON Lines of prompt → target (or several references) for a causal LM.</summary>
public class PromptTargetLoaderTests
{
    static DatasetSplits Load(string path) =>
        DatasetLoader.Load(new DataOptions { Format = DataFormats.PromptTarget, Path = path }, new PipelineHome("/nonexistent-home"));

    [Fact]
    public void Targets_and_references_are_read_and_the_task_is_generation()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("train.jsonl"),
            "{\"prompt\": \"name[Aromi] food[Chinese]\", \"target\": \"Aromi serves Chinese food.\"}\n" +
            "{\"prompt\": \"name[Bibimbap]\", \"targets\": [\"Bibimbap is a place.\", \"There is Bibimbap.\"]}\n" +
            "{\"prompt\": \"name[Cotto]\", \"target\": \"Cotto.\", \"targets\": [\"Cotto is here.\", \"Cotto.\"]}\n");
        File.WriteAllText(dir.File("dev.jsonl"), "{\"prompt\": \"name[Zizzi]\", \"target\": \"Zizzi.\"}\n");
        var splits = Load(dir.Path);

        Assert.Equal(TaskKind.Generation, splits.Kind);
        Assert.Empty(splits.Labels);
        Assert.Equal(["Aromi serves Chinese food."], Assert.IsType<TextTarget>(splits.Train[0].Target).References);
        var second = Assert.IsType<TextTarget>(splits.Train[1].Target);
        Assert.Equal("Bibimbap is a place.", second.Text);
        Assert.Equal(["Bibimbap is a place.", "There is Bibimbap."], second.References);
        // target is what training learns; targets add references, each once.
        var third = Assert.IsType<TextTarget>(splits.Train[2].Target);
        Assert.Equal("Cotto.", third.Text);
        Assert.Equal(["Cotto.", "Cotto is here."], third.References);
        Assert.Equal("prompt", splits.Split.GroupKey);
        Assert.IsType<Pipeline.Tasks.CausalLmTask>(Pipeline.Tasks.FineTuningTask.For(splits));
    }

    [Theory]
    [InlineData("{\"prompt\": \"p\"}", ":1: missing field 'target' (a string) or 'targets' (a list of strings)")]
    [InlineData("{\"prompt\": \"p\", \"targets\": []}", ":1: field 'targets' must be a non-empty list of strings")]
    [InlineData("{\"prompt\": \"p\", \"targets\": [\"a\", 3]}", ":1: field 'targets' must be a non-empty list of strings")]
    [InlineData("{\"target\": \"t\"}", ":1: missing field 'prompt'")]
    [InlineData("{\"prompt\": 4, \"target\": \"t\"}", ":1: field 'prompt' must be a string, found Number")]
    public void A_bad_row_is_named_by_file_line_and_field(string row, string message)
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("all.jsonl"), row + "\n");
        var e = Assert.Throws<InvalidDataException>(() => Load(dir.File("all.jsonl")));
        Assert.Equal(dir.File("all.jsonl") + message, e.Message);
    }

    [Fact]
    public void One_file_is_cut_by_prompt_so_the_references_of_an_input_stay_together()
    {
        using var dir = new TestPaths.TempDir();
        var lines = Enumerable.Range(0, 300).Select(i => $"{{\"prompt\": \"p{i / 3}\", \"target\": \"t{i}\"}}");
        File.WriteAllLines(dir.File("all.jsonl"), lines);
        var splits = Load(dir.File("all.jsonl"));
        var train = splits.Train.Select(e => e.Text).ToHashSet();
        Assert.Empty(train.Intersect(splits.Dev.Select(e => e.Text)));
        Assert.Empty(train.Intersect(splits.Test.Select(e => e.Text)));
        Assert.Equal(300, splits.Train.Count + splits.Dev.Count + splits.Test.Count);
    }
}
