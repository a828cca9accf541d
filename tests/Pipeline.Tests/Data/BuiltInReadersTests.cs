using Pipeline.Data;
using Pipeline.Data.BuiltIn;

namespace Pipeline.Tests.Data;

/// <summary>The built-in readers on small files in the upstream formats (the real files are fetched, never committed).</summary>
public class BuiltInReadersTests
{
    [Fact]
    public void Pattern_corpus_maps_plus_and_minus_one_and_trims_the_trailing_newline()
    {
        using var dir = new TestPaths.TempDir();
        // MR's shape: a byte-order mark, CRLF between records, and " \n" inside every quoted sentence.
        File.WriteAllText(dir.File("polarity-en-pang&lee2.csv"), "\uFEFF\"1\",\"a \"\"great\"\" film . \n\"\r\n\"-1\",\"dull , flat . \n\"\r\n");
        var rows = PatternCorpus.MrPolarity.Read(dir.Path);

        Assert.Equal(2, rows.Count);
        Assert.Equal(("a \"great\" film .", "positive", "a \"great\" film ."), (rows[0].Text, rows[0].Label, rows[0].GroupKey));
        Assert.Equal(("dull , flat .", "negative", 3), (rows[1].Text, rows[1].Label, rows[1].Line));
    }

    [Fact]
    public void Conll_hedge_reads_plus_one_as_certain_and_makes_uncertain_class_one()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("uncertainty-conll2010.csv"), "\"1\",\"Prelingual deafness\"\n\"-1\",\"It may be related.\"\n");
        var rows = PatternCorpus.Conll2010Hedge.Read(dir.Path);
        Assert.Equal(["certain", "uncertain"], rows.Select(r => r.Label));
        Assert.Equal(["certain", "uncertain"], PatternCorpus.Conll2010Hedge.Labels);
    }

    [Fact]
    public void Pattern_corpus_rejects_an_unexpected_label_with_its_line()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("uncertainty-conll2010.csv"), "\"1\",\"a\"\n\"0\",\"b\"\n");
        var e = Assert.Throws<InvalidDataException>(() => PatternCorpus.Conll2010Hedge.Read(dir.Path));
        Assert.Equal($"{dir.File("uncertainty-conll2010.csv")}:2: expected the label 1 or -1, found '0'", e.Message);
    }

    [Fact]
    public void Debian_sections_joins_packages_and_translations_and_groups_by_source()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("Packages"), """
            Package: chess3d
            Version: 1.0-1
            Description: Play chess
            Description-md5: aaa
            Section: games

            Package: libchess-data
            Source: chess3d (1.0-1)
            Description: data for chess
            Description-md5: bbb
            Section: games

            Package: vim
            Description: editor
            Description-md5: ccc
            Section: editors

            Package: libc6
            Description: C library
            Description-md5: ddd
            Section: libs

            Package: chess3d
            Version: 0.9-1
            Description: older version
            Description-md5: eee
            Section: games

            """.Replace("\r\n", "\n"));
        File.WriteAllText(dir.File("Translation-en"), """
            Package: chess3d
            Description-md5: aaa
            Description-en: Play chess
             Three boards, stacked.
             .
             Hard enough.

            Package: libchess-data
            Description-md5: bbb
            Description-en: data for chess
             Pieces.

            Package: vim
            Description-md5: ccc
            Description-en: editor
             Vi improved.

            """.Replace("\r\n", "\n"));

        var entries = DebianSections.Join(dir.File("Packages"), dir.File("Translation-en"));

        Assert.Equal(
            [
                new DebianSections.Entry("chess3d", "chess3d", "games", "Play chess\nThree boards, stacked.\n\nHard enough."),
                new DebianSections.Entry("libchess-data", "chess3d", "games", "data for chess\nPieces."),
                new DebianSections.Entry("vim", "vim", "editors", "editor\nVi improved."),
            ],
            entries);
    }

    [Fact]
    public void Spam_text_is_subject_and_body_without_the_other_headers()
    {
        string mail = "From spammer@example.com  Thu Aug 22 13:17:22 2002\nReturn-Path: <x@example.com>\nX-Spam-Status: Yes\n" +
                      "Subject: Make money\n fast now\nTo: you\n\nDear friend,\nbuy.\n";
        Assert.Equal("Make money fast now\nDear friend,\nbuy.", SpamAssassin.SubjectAndBody(mail));
        Assert.Equal("body only", SpamAssassin.SubjectAndBody("To: a\r\n\r\nbody only"));
    }

    [Fact]
    public void Spam_assassin_reads_the_file_list_and_labels_by_group()
    {
        using var dir = new TestPaths.TempDir();
        string data = dir.File("package/data");
        Directory.CreateDirectory(Path.Combine(data, "spam-1"));
        Directory.CreateDirectory(Path.Combine(data, "hard-ham-1"));
        File.WriteAllText(Path.Combine(data, "file_list.json"), "[\n  \"hard-ham-1/00001.abc.txt\",\n  \"spam-1/00001.def.txt\"\n]");
        File.WriteAllText(Path.Combine(data, "hard-ham-1/00001.abc.json"), """{"id":"00001","group":"hard-ham-1","checksum":"x","text":"Subject: hi\n\nmeeting at 3"}""");
        File.WriteAllText(Path.Combine(data, "spam-1/00001.def.json"), """{"id":"00001","group":"spam-1","checksum":"y","text":"Subject: WIN\n\nclick"}""");

        var rows = SpamAssassin.Instance.Read(dir.Path);
        Assert.Equal([("hi\nmeeting at 3", "ham"), ("WIN\nclick", "spam")], rows.Select(r => (r.Text, r.Label)));
    }
}
