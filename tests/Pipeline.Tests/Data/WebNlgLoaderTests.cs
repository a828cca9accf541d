using Pipeline.Data;
using Pipeline.Data.Formats;
using Pipeline.Storage;

namespace Pipeline.Tests.Data;

/// <summary>The webnlg_xml format: WebNLG entries (triples → texts) and the seen/unseen subsets of its test set.</summary>
public class WebNlgLoaderTests
{
    static DatasetSplits Load(string path) =>
        DatasetLoader.Load(new DataOptions { Format = DataFormats.WebNlgXml, Path = path }, new PipelineHome("/nonexistent-home"));

    /// <summary>A WebNLG file with one entry per (category, eid, triples, texts).</summary>
    static string Benchmark(params (string Category, string Triples, string Texts)[] entries) =>
        "<?xml version=\"1.0\" ?>\n<benchmark>\n  <entries>\n" +
        string.Concat(entries.Select((e, i) =>
            $"    <entry category=\"{e.Category}\" eid=\"Id{i + 1}\" size=\"1\">\n" +
            $"      <modifiedtripleset>\n{e.Triples}      </modifiedtripleset>\n{e.Texts}    </entry>\n")) +
        "  </entries>\n</benchmark>\n";

    static string Triple(string s, string p, string o) => $"        <mtriple>{s} | {p} | {o}</mtriple>\n";

    static string Lex(string text, string attributes = "comment=\"good\"") => $"      <lex {attributes} lid=\"Id1\">{text}</lex>\n";

    [Fact]
    public void An_entry_is_one_input_its_triples_the_meaning_representation_and_its_lex_texts_the_references()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("all.xml"), """
            <?xml version="1.0" ?>
            <benchmark>
              <entries>
                <entry category="Airport" eid="Id1" size="2">
                  <originaltripleset>
                    <otriple>Aarhus_Airport | cityServed | "Aarhus, Denmark"@en</otriple>
                  </originaltripleset>
                  <modifiedtripleset>
                    <mtriple>Aarhus_Airport | cityServed | "Aarhus, Denmark"</mtriple>
                    <mtriple>  Aarhus   |leaderName|  Jacob_Bundsgaard </mtriple>
                  </modifiedtripleset>
                  <lex comment="good" lid="Id1">The Aarhus Airport serves
                    Aarhus, Denmark, whose leader is Jacob Bundsgaard.</lex>
                  <lex comment="bad" lid="Id2">Aarhus airport.</lex>
                  <lex comment="good" lang="ru" lid="Id3">Аэропорт Орхус.</lex>
                  <lex lid="Id4"><sortedtripleset/><text>Jacob Bundsgaard leads Aarhus, served by Aarhus Airport.</text><template>AGENT-1 leads …</template></lex>
                  <lex comment="good" lid="Id5">The Aarhus Airport serves Aarhus, Denmark, whose leader is Jacob Bundsgaard.</lex>
                </entry>
              </entries>
            </benchmark>
            """);
        var rows = WebNlgLoader.Read(dir.File("all.xml"));

        var row = Assert.Single(rows);
        Assert.Equal("Aarhus_Airport | cityServed | \"Aarhus, Denmark\" && Aarhus | leaderName | Jacob_Bundsgaard\nText:", row.Text);
        Assert.Equal(4, row.Line);
        Assert.Equal(row.Text, row.GroupKey);
        Assert.Equal(" The Aarhus Airport serves Aarhus, Denmark, whose leader is Jacob Bundsgaard.", row.Label);
        // Not good, not English: left out; a text nested beside a template is read; each text once.
        Assert.Equal([" The Aarhus Airport serves Aarhus, Denmark, whose leader is Jacob Bundsgaard.", " Jacob Bundsgaard leads Aarhus, served by Aarhus Airport."],
            row.References);
        Assert.Null(row.Subset);
    }

    [Fact]
    public void Dev_and_test_entries_are_seen_when_their_category_occurs_in_the_training_file_else_unseen()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("train.xml"), Benchmark(
            ("Airport", Triple("Aarhus_Airport", "cityServed", "Aarhus"), Lex("Aarhus Airport serves Aarhus.")),
            ("Astronaut", Triple("Alan_Bean", "occupation", "Test_pilot"), Lex("Alan Bean was a test pilot.") + Lex("Alan Bean flew tests."))));
        File.WriteAllText(dir.File("dev.xml"), Benchmark(("Airport", Triple("Abilene_Airport", "cityServed", "Abilene"), Lex("Abilene Airport serves Abilene."))));
        File.WriteAllText(dir.File("test.xml"), Benchmark(
            ("Artist", Triple("Aaron_Turner", "genre", "Black_metal"), Lex("Aaron Turner plays black metal.")),
            ("Astronaut", Triple("Buzz_Aldrin", "birthPlace", "Glen_Ridge"), Lex("Buzz Aldrin was born in Glen Ridge."))));
        var splits = Load(dir.Path);

        static TextTarget Target(Example e) => Assert.IsType<TextTarget>(e.Target);
        Assert.Equal(TaskKind.Generation, splits.Kind);
        Assert.All(splits.Train, e => Assert.Null(Target(e).Subset));
        Assert.Equal([" Alan Bean was a test pilot.", " Alan Bean flew tests."], Target(splits.Train[1]).References);
        Assert.Equal(TextTarget.Seen, Target(Assert.Single(splits.Dev)).Subset);
        Assert.Equal([TextTarget.Unseen, TextTarget.Seen], splits.Test.Select(e => Target(e).Subset));
        Assert.Equal("Aaron_Turner | genre | Black_metal", DataToText.MeaningRepresentation(splits.Test[0].Text));
    }

    [Fact]
    public void One_file_is_cut_by_prompt_and_has_no_subsets()
    {
        using var dir = new TestPaths.TempDir();
        var entries = Enumerable.Range(0, 200).Select(i => ("Airport", Triple($"Airport_{i}", "cityServed", $"City_{i}"), Lex($"Airport {i} serves city {i}.")));
        File.WriteAllText(dir.File("all.xml"), Benchmark([.. entries]));
        var splits = Load(dir.File("all.xml"));

        var all = splits.Train.Concat(splits.Dev).Concat(splits.Test).ToList();
        Assert.Equal(200, all.Count);
        Assert.Equal("prompt", splits.Split.GroupKey);
        Assert.NotEmpty(splits.Test);
        Assert.All(all, e => Assert.Null(Assert.IsType<TextTarget>(e.Target).Subset));
    }

    [Theory]
    [InlineData("<benchmark><entries>\n<entry category=\"A\">\n</benchmark>", ":3: not well-formed XML: ")]
    [InlineData("<entries/>", ":1: expected the root element <benchmark>, found <entries>")]
    [InlineData("<benchmark>\n<entries/>\n</benchmark>", ":1: no <entry> under <benchmark><entries>")]
    [InlineData("<benchmark><entries>\n<entry eid=\"Id1\"><modifiedtripleset><mtriple>a | b | c</mtriple></modifiedtripleset><lex>t</lex></entry>\n</entries></benchmark>",
        ":2: <entry> without a category attribute")]
    [InlineData("<benchmark><entries>\n\n<entry category=\"A\" eid=\"Id7\">\n<lex>t</lex></entry>\n</entries></benchmark>",
        ":3: entry Id7 has no triples (modifiedtripleset/mtriple)")]
    [InlineData("<benchmark><entries>\n<entry category=\"A\" eid=\"Id2\"><modifiedtripleset>\n<mtriple>a | b | c</mtriple></modifiedtripleset>\n<lex comment=\"bad\">t</lex></entry>\n</entries></benchmark>",
        ":2: entry Id2 has no lex (an English text to learn and score against)")]
    [InlineData("<benchmark><entries>\n<entry category=\"A\"><modifiedtripleset>\n<mtriple>a | b | c</mtriple></modifiedtripleset>\n<lex>t</lex>\n<lex comment=\"good\">  </lex></entry>\n</entries></benchmark>",
        ":5: empty lex (a text is expected)")]
    [InlineData("<benchmark><entries>\n<entry category=\"A\"><modifiedtripleset>\n<mtriple>a | b | c</mtriple>\n<mtriple>a | b</mtriple></modifiedtripleset>\n<lex>t</lex></entry>\n</entries></benchmark>",
        ":4: expected a triple 'subject | property | object', found 'a | b'")]
    public void A_bad_file_is_named_by_file_and_the_line_of_the_element(string content, string message)
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("webnlg.xml"), content);
        var e = Assert.Throws<InvalidDataException>(() => Load(dir.File("webnlg.xml")));
        Assert.StartsWith(dir.File("webnlg.xml") + message, e.Message);
    }

    [Fact]
    public void A_split_folder_needs_train_and_dev_xml_files()
    {
        using var dir = new TestPaths.TempDir();
        var e = Assert.Throws<FileNotFoundException>(() => Load(dir.Path));
        Assert.Equal($"{dir.File("train.xml")}: file not found; a split folder needs train.xml and dev.xml (test.xml is optional)", e.Message);
    }
}
