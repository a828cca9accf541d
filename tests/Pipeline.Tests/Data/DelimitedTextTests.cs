using Pipeline.Data.Formats;

namespace Pipeline.Tests.Data;

public class DelimitedTextTests
{
    [Fact]
    public void Csv_quotes_hold_commas_line_breaks_and_doubled_quotes()
    {
        using var dir = new TestPaths.TempDir();
        // A byte-order mark and CRLF records, like the pattern corpora; the second record spans two lines.
        File.WriteAllText(dir.File("a.csv"), "\uFEFF\"1\",\"a, b\"\r\n\"-1\",\"two\nlines \"\"quoted\"\"\"\r\n\r\nplain,field\r\n");
        var records = DelimitedText.ReadCsv(dir.File("a.csv")).ToList();

        Assert.Equal(3, records.Count);
        Assert.Equal(["1", "a, b"], records[0].Fields);
        Assert.Equal(["-1", "two\nlines \"quoted\""], records[1].Fields);
        Assert.Equal(["plain", "field"], records[2].Fields);
        Assert.Equal([1, 2, 5], records.Select(r => r.Line)); // record 3 starts after the blank line 4
    }

    [Fact]
    public void Csv_keeps_empty_fields_and_a_last_line_without_newline()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("a.csv"), "a,,\"\"\nb,c,d");
        var records = DelimitedText.ReadCsv(dir.File("a.csv")).ToList();
        Assert.Equal(["a", "", ""], records[0].Fields);
        Assert.Equal(["b", "c", "d"], records[1].Fields);
    }

    [Fact]
    public void An_unclosed_quote_names_the_line_where_the_field_starts()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("a.csv"), "x,y\n1,\"never closed\n2,3\n");
        var e = Assert.Throws<InvalidDataException>(() => DelimitedText.ReadCsv(dir.File("a.csv")).ToList());
        Assert.StartsWith($"{dir.File("a.csv")}:2: a quoted field is never closed", e.Message);
    }

    [Fact]
    public void Text_after_a_closing_quote_is_an_error()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("a.csv"), "\"ok\",1\n\"bad\"x,2\n");
        var e = Assert.Throws<InvalidDataException>(() => DelimitedText.ReadCsv(dir.File("a.csv")).ToList());
        Assert.StartsWith($"{dir.File("a.csv")}:2: unexpected 'x' after a closing quote", e.Message);
    }

    [Fact]
    public void Tsv_splits_on_tabs_and_leaves_quotes_alone()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("a.tsv"), "sentence\tlabel\r\nit 's \"great\"\t1\n");
        var records = DelimitedText.ReadTsv(dir.File("a.tsv")).ToList();
        Assert.Equal(["it 's \"great\"", "1"], records[1].Fields);
        Assert.Equal(2, records[1].Line);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var e = Assert.Throws<FileNotFoundException>(() => DelimitedText.ReadCsv("/nonexistent/x.csv").ToList());
        Assert.Equal("/nonexistent/x.csv: file not found", e.Message);
    }
}
