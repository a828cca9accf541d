using System.Xml;
using System.Xml.Linq;

namespace Pipeline.Data.Formats;

/// <summary>
/// WebNLG's XML (Gardent et al. 2017; the 2020 release has the same shape):
/// <c>benchmark/entries/entry</c> with attributes <c>category</c>, <c>eid</c>, <c>size</c>; the triples in
/// <c>modifiedtripleset/mtriple</c> ("subject | property | object"); the texts in <c>lex</c> elements. Each entry is one
/// input: its meaning representation is its triples, each written <c>subject | property | object</c>, joined by
/// <see cref="TripleSeparator"/> in file order; its references are its lex texts (training learns the first). Grouped by prompt.
/// Which lex elements count, and why, is in <see cref="LexText"/>.
/// </summary>
public static class WebNlgLoader
{
    /// <summary>Between two triples of a meaning representation.</summary>
    public const string TripleSeparator = " && ";

    sealed record Entry(string Category, RawExample Row);

    public static List<RawExample> Read(string file) => ReadEntries(file).Select(e => e.Row).ToList();

    /// <summary>
    /// A split folder's files. Entries of dev and test carry WebNLG's subsets: <see cref="TextTarget.Seen"/> when
    /// their category occurs among the training file's categories, else <see cref="TextTarget.Unseen"/>.
    /// </summary>
    public static (List<RawExample> Train, List<RawExample> Dev, List<RawExample>? Test) ReadSplits(string train, string dev, string? test)
    {
        var trainEntries = ReadEntries(train);
        var seen = trainEntries.Select(e => e.Category).ToHashSet(StringComparer.Ordinal);
        List<RawExample> WithSubsets(string file) => ReadEntries(file)
            .Select(e => e.Row with { Subset = seen.Contains(e.Category) ? TextTarget.Seen : TextTarget.Unseen })
            .ToList();
        return (trainEntries.Select(e => e.Row).ToList(), WithSubsets(dev), test is null ? null : WithSubsets(test));
    }

    static List<Entry> ReadEntries(string file)
    {
        var root = Load(file).Root!;
        if (root.Name.LocalName != "benchmark") throw new InvalidDataException($"{file}:{Line(root)}: expected the root element <benchmark>, found <{root.Name.LocalName}>");
        var entries = new List<Entry>();
        foreach (var entry in root.Elements("entries").Elements("entry"))
        {
            string category = entry.Attribute("category")?.Value.Trim() is { Length: > 0 } c ? c
                : throw new InvalidDataException($"{file}:{Line(entry)}: <entry> without a category attribute");
            string eid = entry.Attribute("eid")?.Value is { } id ? $" {id}" : "";

            var triples = entry.Elements("modifiedtripleset").Elements("mtriple").Select(t => Triple(file, t)).ToList();
            if (triples.Count == 0) throw new InvalidDataException($"{file}:{Line(entry)}: entry{eid} has no triples (modifiedtripleset/mtriple)");
            var references = new List<string>();
            foreach (var lex in entry.Elements("lex"))
            {
                if (LexText(file, lex) is { } text && !references.Contains(text)) references.Add(text);
            }
            if (references.Count == 0) throw new InvalidDataException($"{file}:{Line(entry)}: entry{eid} has no lex (an English text to learn and score against)");

            string prompt = DataToText.Prompt(string.Join(TripleSeparator, triples));
            entries.Add(new Entry(category, new RawExample(file, Line(entry), prompt, null, references[0], prompt) { References = references }));
        }
        if (entries.Count == 0) throw new InvalidDataException($"{file}:{Line(root)}: no <entry> under <benchmark><entries>");
        return entries;
    }

    static XDocument Load(string file)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: file not found", file);
        try
        {
            using var reader = XmlReader.Create(file, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
            return XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            throw new InvalidDataException($"{file}:{e.LineNumber}: not well-formed XML: {e.Message}");
        }
    }

    /// <summary>"subject | property | object", white space around each part normalised.</summary>
    static string Triple(string file, XElement triple)
    {
        var parts = triple.Value.Split('|').Select(p => p.Trim()).ToArray();
        return parts.Length == 3 && parts.All(p => p.Length > 0)
            ? string.Join(" | ", parts)
            : throw new InvalidDataException($"{file}:{Line(triple)}: expected a triple 'subject | property | object', found '{triple.Value.Trim()}'");
    }

    /// <summary>
    /// A lex's text as a target, or null for one that does not count: a <c>lang</c> other than <c>en</c> (the 2020
    /// Russian files carry both languages) or a <c>comment</c> other than <c>good</c> (WebNLG's mark of a checked
    /// text; absent in some releases). The text is the lex's own, or its <c>text</c> child where the enriched
    /// releases nest it beside templates; runs of white space become one space.
    /// </summary>
    static string? LexText(string file, XElement lex)
    {
        if (lex.Attribute("lang")?.Value is { } lang && lang != "en") return null;
        if (lex.Attribute("comment")?.Value is { Length: > 0 } comment && comment != "good") return null;
        string raw = lex.Element("text")?.Value ?? string.Concat(lex.Nodes().OfType<XText>().Select(t => t.Value));
        string text = string.Join(' ', raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length > 0 ? DataToText.Target(text) : throw new InvalidDataException($"{file}:{Line(lex)}: empty lex (a text is expected)");
    }

    static int Line(XObject node) => ((IXmlLineInfo)node).LineNumber;
}
