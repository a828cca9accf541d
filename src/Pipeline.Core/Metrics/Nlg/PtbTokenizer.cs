using System.Text.RegularExpressions;

namespace Pipeline.Metrics.Nlg;

/// <summary>
/// Penn Treebank tokenization, lower-cased, one token list per input line: the tokens that pycocoevalcap's wrapper
/// of the Stanford PTBTokenizer (CoreNLP 3.4.1, <c>-preserveLines -lowerCase</c>) hands METEOR, ROUGE-L and CIDEr.
/// An independent implementation written from the PTB conventions and the expected outputs of its tests (which the
/// real tokenizer produced); no code or word list of CoreNLP is in it. Conventions: whitespace and punctuation
/// split; periods stay inside numbers, acronyms (u.s., ph.d.), file and host names (libc.so.6) and the
/// abbreviations listed below; n't and 's 're 've 'll 'd 'm split off (can't → ca n't); "cannot", "gonna", "wanna",
/// "gotta" split in two; quotes become `` '' ` '; brackets -lrb- -rrb- -lsb- -rsb- -lcb- -rcb-; £ → #, € → $;
/// dashes → --; URLs, e-mail addresses, hyphenated words and numbers (1,000 3.5 12/05/2018 10:30 20-25) stay whole.
/// An acronym or sentence-ending abbreviation (inc., ltd., etc.) followed by a capitalised word, or ending the
/// input, ends a sentence, so its period is repeated as a token ("u.s. ."); that lookahead crosses line ends, as
/// the reference tokenizes the lines as one joined file.
/// Known differences from CoreNLP (none of them in the recorded test inputs): its abbreviation list is far longer,
/// so here an unlisted one ("no.", "fig.") loses its period and single-letter initials ("J.") split; curly quotes
/// map by shape (“ → ``, ’ → '), which CoreNLP may not do; only the smileys :) :( ;) ;( with an optional - are
/// known; a straight quote opens after whitespace or an opening bracket and closes elsewhere, where CoreNLP also
/// weighs what follows; rarer PTB escapes (of / and *) and SGML tags are not handled.
/// </summary>
public static partial class PtbTokenizer
{
    // Abbreviations that keep their period (listed without it). Those written before a name or number never end a
    // sentence; the others do when a capitalised word follows. Acronyms (u.s., p.m.) need no list.
    static readonly HashSet<string> BeforeName =
        ["mr", "mrs", "ms", "dr", "prof", "st", "mt", "co", "vs", "e.g", "i.e",
         "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"];
    static readonly HashSet<string> MaySentenceEnd = ["inc", "ltd", "corp", "etc", "jr", "sr", "bros"];

    static readonly Dictionary<string, string[]> Fused = new()
    {
        ["cannot"] = ["can", "not"], ["gonna"] = ["gon", "na"], ["wanna"] = ["wan", "na"],
        ["gotta"] = ["got", "ta"], ["y'all"] = ["y'", "all"],
    };

    // Tried in order at each position; the first alternative that matches wins.
    static readonly Regex Token = new($$"""
        (?<url>(?:https?://|www\.)\S*[^\s.,;:!?'")\]}])
        | (?<email>(?>[\w.+-]+)@\w[\w-]*(?:\.[\w-]+)+)
        | (?<smiley>(?<!\S)[:;]-?[()](?!\S))
        | (?<other>[½¼¾])
        | (?<word>(?i:us|a|c)\$(?=\p{N}))
        | (?<abbr>(?<![\p{L}\p{N}.])(?:(?:\p{L}{1,2}\.){2,}|(?i:{{string.Join("|", BeforeName.Concat(MaySentenceEnd).Select(Regex.Escape))}})\.)(?![\p{L}\p{N}]))
        | (?<word>(?<![\p{L}\p{N}])'(?i:t(?=(?:is|was)(?!\p{L}))|(?:til|em|cause|n'|\p{N}{2}s)(?!\p{L})))
        | (?<word>[\p{L}\p{N}]+(?:(?:[-&'/.]|(?<=\p{N})[,:](?=\p{N}))[\p{L}\p{N}]+)*)
        | (?<ellipsis>\.{3,}|…|\.(?:\x20\.){2,})
        | (?<dash>-{2,}|[–—])
        | (?<quote>["'“”])
        | (?<tag><[^\s<>]+>)
        | (?<other>[!?]+|[()\[\]{},;:.%$£€]|(?<c>\S)\k<c>*)
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant);

    [GeneratedRegex(@"^(.+)('(?:s|re|ve|ll|d|m))$")]
    private static partial Regex Clitic();

    /// <summary>The lower-cased tokens of each line.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> TokenizeLines(IReadOnlyList<string> lines)
    {
        // Curly single quotes double as apostrophes (don’t), so they become ' and take the direction of context.
        string[] normalised = [.. lines.Select(l => l.Replace('’', '\'').Replace('‘', '\''))];
        var result = new List<IReadOnlyList<string>>(lines.Count);
        for (int i = 0; i < normalised.Length; i++)
        {
            var tokens = new List<string>();
            foreach (Match m in Token.Matches(normalised[i]))
            {
                string text = m.Value.ToLowerInvariant();
                if (m.Groups["word"].Success) tokens.AddRange(SplitClitics(text));
                else if (m.Groups["abbr"].Success)
                {
                    tokens.Add(text);
                    if (!BeforeName.Contains(text[..^1]) && StartsSentence(normalised, i, m.Index + m.Length)) tokens.Add(".");
                }
                else if (m.Groups["ellipsis"].Success) tokens.Add("...");
                else if (m.Groups["dash"].Success) tokens.Add("--");
                else if (m.Groups["quote"].Success) tokens.Add(QuoteToken(normalised[i], m.Index));
                else tokens.Add(Escape(text));
            }
            result.Add(tokens);
        }
        return result;
    }

    // ca n't, wo n't and ai n't fall out of splitting n't off; rock'n'roll → rock 'n' roll.
    static IEnumerable<string> SplitClitics(string word)
    {
        if (Fused.TryGetValue(word, out var parts)) return parts;
        int n = word.IndexOf("'n'", StringComparison.Ordinal);
        if (n > 0 && n + 3 < word.Length) return [word[..n], "'n'", .. SplitClitics(word[(n + 3)..])];
        if (word.Length > 3 && word.EndsWith("n't", StringComparison.Ordinal)) return [word[..^3], "n't"];
        var clitic = Clitic().Match(word);
        return clitic.Success ? [clitic.Groups[1].Value, clitic.Groups[2].Value] : [word];
    }

    // An opening quote follows the line start, whitespace or an opening bracket and precedes a non-space.
    static string QuoteToken(string line, int at)
    {
        bool opens = (at == 0 || char.IsWhiteSpace(line[at - 1]) || "([{".Contains(line[at - 1]))
            && at + 1 < line.Length && !char.IsWhiteSpace(line[at + 1]);
        return line[at] switch { '“' => "``", '”' => "''", '"' => opens ? "``" : "''", _ => opens ? "`" : "'" };
    }

    // The next visible character, across line ends, is a capital letter; the end of the input also ends a sentence.
    static bool StartsSentence(string[] lines, int line, int from)
    {
        for (; line < lines.Length; line++, from = 0)
            foreach (char c in lines[line].AsSpan(from))
                if (!char.IsWhiteSpace(c)) return char.IsUpper(c);
        return true;
    }

    static string Escape(string token) => token switch
    {
        "(" => "-lrb-", ")" => "-rrb-", "[" => "-lsb-", "]" => "-rsb-", "{" => "-lcb-", "}" => "-rcb-",
        "£" => "#", "€" => "$", "½" => "1/2", "¼" => "1/4", "¾" => "3/4",
        _ => token.Replace("(", "-lrb-").Replace(")", "-rrb-"),   // smileys: :) → :-rrb-
    };
}
