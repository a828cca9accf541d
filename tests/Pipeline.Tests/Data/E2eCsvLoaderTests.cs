using Pipeline.Data;
using Pipeline.Storage;

namespace Pipeline.Tests.Data;

/// <summary>The e2e_csv format: the E2E challenge's <c>mr,ref</c> CSV, one input per meaning representation.</summary>
public class E2eCsvLoaderTests
{
    static DatasetSplits Load(string path) =>
        DatasetLoader.Load(new DataOptions { Format = DataFormats.E2eCsv, Path = path }, new PipelineHome("/nonexistent-home"));

    const string Train = """
        mr,ref
        "name[The Eagle], eatType[coffee shop], food[French]","The Eagle is a coffee shop that serves French food."
        "name[Aromi], food[Chinese]",Aromi serves Chinese food.
        "name[The Eagle], eatType[coffee shop], food[French]","There is a French coffee shop, The Eagle."
        "name[The Eagle], eatType[coffee shop], food[French]","The Eagle is a coffee shop that serves French food."

        """;

    [Fact]
    public void Rows_of_one_mr_are_one_input_whose_first_reference_is_the_training_target()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("train.csv"), Train);
        File.WriteAllText(dir.File("dev.csv"), "mr,ref\n\"name[Zizzi], area[riverside]\",\"Zizzi is by the river, near the centre.\"\n");
        var splits = Load(dir.Path);

        Assert.Equal(TaskKind.Generation, splits.Kind);
        Assert.Equal("prompt", splits.Split.GroupKey);
        Assert.Equal(2, splits.Train.Count);
        var eagle = splits.Train[0];
        Assert.Equal("name[The Eagle], eatType[coffee shop], food[French]\nText:", eagle.Text);
        var target = Assert.IsType<TextTarget>(eagle.Target);
        Assert.Equal(" The Eagle is a coffee shop that serves French food.", target.Text);
        Assert.Equal([" The Eagle is a coffee shop that serves French food.", " There is a French coffee shop, The Eagle."], target.References);
        Assert.Null(target.Subset);
        Assert.Equal([" Aromi serves Chinese food."], Assert.IsType<TextTarget>(splits.Train[1].Target).References);
        // A quoted field keeps its commas; without test.csv, dev doubles as the test set.
        Assert.Equal(" Zizzi is by the river, near the centre.", Assert.IsType<TextTarget>(splits.Dev[0].Target).Text);
        Assert.Equal(splits.Dev, splits.Test);
        Assert.Equal("name[Zizzi], area[riverside]", DataToText.MeaningRepresentation(splits.Dev[0].Text));
        Assert.IsType<Pipeline.Tasks.CausalLmTask>(Pipeline.Tasks.FineTuningTask.For(splits));
    }

    [Fact]
    public void Training_on_every_reference_makes_one_example_per_distinct_text_each_keeping_every_reference()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("train.csv"), Train);
        File.WriteAllText(dir.File("dev.csv"), "mr,ref\n\"name[Zizzi]\",Zizzi.\n");
        var train = Load(dir.Path).Train;

        var pairs = TextTarget.OnePerReference(train);
        // The Eagle's three rows hold two distinct texts; Aromi has one.
        Assert.Equal([" The Eagle is a coffee shop that serves French food.", " There is a French coffee shop, The Eagle.", " Aromi serves Chinese food."],
            pairs.Select(p => ((TextTarget)p.Target).Text));
        Assert.Equal(train[0].Text, pairs[1].Text);
        Assert.Equal(((TextTarget)train[0].Target).References, ((TextTarget)pairs[1].Target).References);
        Assert.Same(train[1], pairs[2]);
        // A label or number target is left alone.
        var label = new Example("a text", null, new ClassTarget(1));
        Assert.Equal([label], TextTarget.OnePerReference([label]));
    }

    [Fact]
    public void The_header_is_found_by_name_in_any_case_beside_other_columns()
    {
        using var dir = new TestPaths.TempDir();
        // The cleaned E2E's columns; the E2E test set writes MR in capitals.
        File.WriteAllText(dir.File("all.csv"), "orig_mr,REF,fixed,MR\nx,Aromi.,0,name[Aromi]\n");
        var rows = Pipeline.Data.Formats.E2eCsvLoader.Read(dir.File("all.csv"));
        Assert.Equal(("name[Aromi]\nText:", " Aromi.", 2), (rows[0].Text, rows[0].Label, rows[0].Line));
    }

    [Fact]
    public void One_file_is_cut_by_mr_so_the_references_of_an_input_never_straddle_splits()
    {
        using var dir = new TestPaths.TempDir();
        var lines = Enumerable.Range(0, 600).Select(i => $"\"name[N{i % 200}], food[F]\",Text number {i}.");
        File.WriteAllLines(dir.File("all.csv"), ["mr,ref", .. lines]);
        var splits = Load(dir.File("all.csv"));

        var all = splits.Train.Concat(splits.Dev).Concat(splits.Test).ToList();
        Assert.Equal(200, all.Count);
        Assert.Equal(200, all.Select(e => e.Text).Distinct().Count());
        Assert.All(all, e => Assert.Equal(3, Assert.IsType<TextTarget>(e.Target).References.Count));
        Assert.NotEmpty(splits.Dev);
        Assert.NotEmpty(splits.Test);
    }

    [Theory]
    [InlineData("MR\n\"name[Aromi], food[Chinese]\"\n", ":1: no column 'ref' in the header; found: MR; e2e_csv needs the references to learn and score texts (the E2E test set without them, testset.csv, cannot be used: take testset_w_refs.csv)")]
    [InlineData("meaning,ref\nx,y\n", ":1: no column 'mr' in the header; found: meaning, ref")]
    [InlineData("mr,ref\nname[A],A.\n\"  \",B.\n", ":3: empty mr (the meaning representation)")]
    [InlineData("mr,ref\nname[A],A.\nname[B],\n", ":3: empty ref (the reference text for mr 'name[B]')")]
    [InlineData("mr,ref\nname[A],A.,extra\n", ":2: expected 2 columns as in the header, found 3")]
    [InlineData("mr,ref\n", ": no examples after the header")]
    [InlineData("", ": the file is empty; expected a header naming the columns mr and ref")]
    public void A_bad_file_is_named_by_file_and_line(string content, string message)
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("e2e.csv"), content);
        var e = Assert.Throws<InvalidDataException>(() => Load(dir.File("e2e.csv")));
        Assert.Equal(dir.File("e2e.csv") + message, e.Message);
    }

    [Fact]
    public void A_split_folder_needs_train_and_dev_csv_files()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("train.csv"), Train);
        var e = Assert.Throws<FileNotFoundException>(() => Load(dir.Path));
        Assert.Equal($"{dir.File("dev.csv")}: file not found; a split folder needs train.csv and dev.csv (test.csv is optional)", e.Message);
    }
}
