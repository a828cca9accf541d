using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Metrics.Nlg;

/// <summary>
/// The Stanford PTBTokenizer of CoreNLP 3.4.1 as e2e-metrics runs it before METEOR, ROUGE-L and CIDEr
/// (<c>java edu.stanford.nlp.process.PTBTokenizer -preserveLines -lowerCase</c>, default options: PTB3 escaping,
/// LaTeX quotes, no americanisation, untokenisable characters deleted), written here from the rules of its JFlex
/// lexer (PTBLexer.flex): at each position every rule is tried, the longest match wins (trailing context
/// <c>r1/r2</c> counts towards the length), the earlier rule wins a tie. Literal words are matched regardless of
/// case, character classes are not (JFlex's <c>%caseless</c>). Unicode classes are .NET's (\p{L}, \p{Nd}) and a
/// few rare-script ranges of the lexer are summarised, so exotic scripts may tokenise differently; English
/// text — words, numbers, contractions, quotes, brackets, currency, abbreviations, URLs — follows the lexer
/// (tests/…/PtbTokenizerTests.cs compares with the real tokenizer's output).
/// </summary>
public static class PtbTokenizer
{
    /// <summary>
    /// Tokenises the lines as one text joined by '\n' (a line's own newlines become spaces), as pycocoevalcap
    /// does, and returns each line's tokens, lower-cased. A line's trailing context can reach into the next
    /// line, as in the Java tokenizer reading the joined file.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> TokenizeLines(IReadOnlyList<string> lines)
    {
        string text = string.Join('\n', lines.Select(l => l.Replace('\n', ' ')));
        var result = new List<IReadOnlyList<string>>();
        var current = new List<string>();
        foreach (var token in Tokens(text))
        {
            if (token is null) { result.Add(current); current = []; }
            else current.Add(token.ToLowerInvariant());
        }
        result.Add(current);
        return result;
    }

    /// <summary>The tokens of a text; null marks a newline (the lexer's *NL* token under -preserveLines).</summary>
    static IEnumerable<string?> Tokens(string text)
    {
        int position = 0;
        while (position < text.Length)
        {
            Rule? best = null;
            Match? bestMatch = null;
            int bestLength = 0;
            foreach (var rule in Rules)
            {
                var m = rule.Pattern.Match(text, position);
                if (!m.Success || m.Index != position) continue;
                int length = m.Groups["t"].Length + (m.Groups["c"].Success ? m.Groups["c"].Length : 0);
                if (length > bestLength) { best = rule; bestMatch = m; bestLength = length; }
            }
            if (best is null) { position++; continue; }   // cannot happen: the last rule matches any character
            string matched = bestMatch!.Groups["t"].Value;
            var (token, consumed) = best.Action(matched, text, position);
            position += consumed;
            if (token == NewlineToken) yield return null;
            else if (token is not null) yield return token;
        }
    }

    const string NewlineToken = "*NL*";

    sealed record Rule(Regex Pattern, Func<string, string, int, (string? Token, int Consumed)> Action);

    // ---- the lexer's macros (PTBLexer.flex), as .NET regex fragments ----
    const string Space = @"[ \t\u00A0\u2000-\u200A\u3000]";
    const string Newline = @"(?:\r?\n|\r|\u2028|\u2029|\u000B|\u000C|\u0085)";
    const string SpaceNl = "(?:" + Space + "|" + Newline + ")";
    const string Sgml = @"<(?:[!?][A-Za-z\-][^>\r\n]*|[A-Za-z][A-Za-z0-9_:.\-]*(?:[ ]+(?:[A-Za-z][A-Za-z0-9_:.\-]*[ ]*=[ ]*(?:'[^']*'|""[^""]*"")|[A-Za-z][A-Za-z0-9_:.\-]*))*[ ]*/?|/[A-Za-z][A-Za-z0-9_:.\-]*)[ ]*>";
    const string SentEnd = "(?:" + SpaceNl + "(?:" + SpaceNl + @"|\p{Lu}|" + Sgml + "))";
    const string Digit = @"[\p{Nd}\u07C0-\u07C9]";
    const string Num = "(?:" + Digit + @"*(?:[.:,\u00AD\u066B\u066C]" + Digit + "+)+|" + Digit + "+)";
    const string Number = @"[\-+]?" + Num;
    const string Letter = @"(?:[\p{L}\p{Mn}\p{Mc}\u00AD\u02C2-\u02C5\u02D2-\u02DF\u02E5-\u02FF]|&[aeiouAEIOU](?i:acute|grave|uml);)";
    const string LetterOrDigit = "(?:" + Letter + "|" + Digit + ")";
    const string Word = Letter + LetterOrDigit + "*(?:[.!?]" + Letter + LetterOrDigit + "*)*";
    const string Apos = @"(?:['\u0092\u2019]|&apos;)";
    const string AposEtc = "(?:" + Apos + @"|[`\u0091\u2018\u201B])";
    const string Hyphen = @"[\-_\u058A\u2010\u2011]";
    const string Acro = @"(?:(?i:canada|sino|korean|eu|japan|non)-(?i:u)\.(?i:s)|(?i:u)\.(?i:s)\.-(?i:u\.k|u\.s\.s\.r)|[A-Za-z](?:\.[A-Za-z])*)";
    const string Acro2 = @"(?:(?i:canada|sino|korean|eu|japan|non)-(?i:u)\.(?i:s)|(?i:u)\.(?i:s)\.-(?i:u\.k|u\.s\.s\.r)|[A-Za-z](?:\.[A-Za-z])+)";
    const string Thing = "(?:[dDoOlL]" + AposEtc + @"[\p{L}\p{Nd}])?[\p{L}\p{Nd}]+(?:" + Hyphen + "(?:[dDoOlL]" + AposEtc + @"[\p{L}\p{Nd}])?[\p{L}\p{Nd}]+)*";
    const string ThingA = @"[A-Z]+(?:(?:[+&]|&(?i:amp);)[A-Z]+)+";
    const string Thing3 = @"[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\\?/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}";
    const string HThing = @"[A-Za-z0-9][A-Za-z0-9.,\u00AD]*(?:-(?:" + Acro2 + @"\.|[A-Za-z0-9\u00AD]+))+";
    const string RedAux = Apos + "(?:(?i:re|ve|ll)|[msdMSD])";
    const string SWord = @"[A-Za-z\u00AD]*[A-MO-Za-mo-z]\u00AD*";
    const string SRedAux = "(?i:n)" + AposEtc + "(?i:t)";
    // The lexer's APOWORD: l', d', O'Brien-like names, 'em, '90s, 'til(l), 'cause, and a few fixed words.
    const string ApoWord = Apos + "(?i:n)" + Apos + "?|[lLdDjJ]" + Apos + "|(?i:dunkin)" + Apos + "|(?i:somethin)" + Apos + "|(?i:ol)" + Apos
        + "|" + Apos + "(?i:em)|[A-HJ-XZn]" + AposEtc + @"\p{L}{2}\p{L}*|" + Apos + "[2-9]0(?i:s)|" + Apos + "(?i:till?)"
        + @"|\p{L}\p{L}*[aeiouyAEIOUY]" + AposEtc + @"[aeiouA-Z]\p{L}*|" + Apos + "(?i:cause)"
        + @"|(?i:cont'd)\.?|(?i:'twas|nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l)|(?i:o)" + AposEtc + "(?i:o)";
    const string FullUrl = @"(?i:https?)://[^ \t\n\f\r""<>|(){}]+[^ \t\n\f\r""<>|.!?(){},-]";
    const string LikelyUrl = @"(?:(?:(?i:www)\.(?:[^ \t\n\f\r""<>|.!?(){},]+\.)+[a-zA-Z]{2,4})|(?:(?:[^ \t\n\f\r""`'<>|.!?(){},-_$]+\.)+(?i:com|net|org|edu)))(?:/[^ \t\n\f\r""<>|()]+[^ \t\n\f\r""<>|.!?(){},-])?";
    const string Email = @"(?:&(?i:lt);|<)?[a-zA-Z0-9][^ \t\n\f\r""<>|()\u00A0{}]*@(?:[^ \t\n\f\r""<>|(){}.\u00A0]+\.)*(?:[^ \t\n\f\r""<>|(){}.\u00A0]+)(?:&(?i:gt);|>)?";
    const string Twitter = @"@[a-zA-Z_][a-zA-Z_0-9]*|#" + Letter + "+";
    // Abbreviations, as the lexer lists them (literal words: any case; a [X] class: that case only).
    const string AbMonth = "(?i:jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)";
    const string AbDays = "(?i:mon|tues|tue|thurs|thu|wed|fri)";
    const string AbState = "(?:(?i:ala|ariz|calif|colo|conn|ct|dak|fla|ga|ind|kans|kan|ky|md|mich|minn|mo|mont|neb|nev|okla|penn|tenn|va|vt|wisc|wis|wyo)"
        + "|A(?i:z)|A(?i:rk)|D(?i:el)|I(?i:ll)|L(?i:a)|M(?i:ass)|M(?i:iss)|O(?i:re)|P(?i:a)|T(?i:ex)|W(?i:ash))";
    const string AbComp = "(?:(?i:inc|cos|co|corp|ltd|plc|rt|bancorp|bhd|assn|univ|intl|sys)|(?i:p)(?i:p)?(?i:t)[ye](?i:s)?)";
    const string AbNum = "(?i:tel|est|ext|sq)";
    const string AbPtit = @"(?i:jr|sr|bros|blvd|rd|esq|ed\.d|ph\.d)";
    const string Abbrev1 = "(?:" + AbMonth + "|" + AbDays + "|" + AbState + "|" + AbComp + "|" + AbNum + "|" + AbPtit + @"|(?i:etc|al|seq|bldg))\.";
    const string AbTitle = "(?:(?i:mrs|mr|ms|drs|dr|profs|prof|sens|sen|reps|rep|attys|atty|lt|col|gen|messrs|govs|gov|adm|rev|maj|sgt|cpl|pvt|capt|ste|st|ave|pres|lieut|hon|brig|cmdr|comdr|pfc|spc|supts|supt|det|mt|ft|adj|adv|asst|assoc|ens|insp|mlle|mme|msgr|sfc)|M(?i:iss))";
    const string AbComp2 = "(?i:invt|elec|natl|mfg|mtg|dept)";
    const string Abbrev4 = "(?:" + AbTitle + @"|(?i:vs|alex|wm|jos|cie|a\.k\.a|cf|treas|ph)|" + Acro + "|" + AbComp2 + ")";
    const string Abbrev3 = @"(?i:ca|figs|fig|prop|nos|no|art|bldg|pp|op)\.";
    const string Phone = @"(?:(?:\([0-9]{2,3}\)[ \u00A0]?|(?:\+\+?)?(?:[0-9]{2,4}[\- \u00A0])?[0-9]{2,4}[\- \u00A0])[0-9]{3,4}[\- \u00A0]?[0-9]{3,5}|(?:(?:\+\+?)?[0-9]{2,4}\.)?[0-9]{2,4}\.[0-9]{3,4}\.[0-9]{3,5})";
    const string InSentP = @"[,;:\u3001]";
    const string Quotes = @"(?:''|[`\u2018\u2019\u201A\u201B\u201C\u201D\u0091\u0092\u0093\u0094\u201E\u201F\u2039\u203A\u00AB\u00BB]{1,2}|" + Apos + ")";   // longest alternative first
    const string DblQuot = @"(?:""|&(?i:quot);)";
    const string TbSpec = @"(?:-(?i:rrb|lrb|rcb|lcb|rsb|lsb)-|(?i:c\.d\.s|pro-|anti-)|(?i:s)(?:&|&(?i:amp);)(?i:p-500)|(?i:s)(?:&|&(?i:amp);)(?i:ls)|(?i:cap)" + Apos + "(?i:n)|(?i:c)" + Apos + "(?i:est))";
    const string Smiley = @"[<>]?[:;=][\-o*']?[()DPdpO\\{@|\[\]]";
    const string AsianSmiley = @"[\^x=~<>]\.\[\^x=~<>]|[\-\^x=~<>']_[\-\^x=~<>']|\([\-\^x=~<>'][_.]?[\-\^x=~<>']\)|\([\^x=~<>']-[\^x=~<>'`]\)";
    const string Frac = "(?:" + Digit + @"{1,4}[\- \u00A0])?" + Digit + @"{1,4}(?:\\?/|\u2044)" + Digit + "{1,4}";
    const string MiscSymbol = @"[+%&~\^|\\\u00A6-\u00A9\u00AC\u00AE-\u00BA\u00D7\u00F7\u2016\u2017\u2020-\u2023\u2030-\u2038\u203B\u203E-\u2042\u2044\u207A-\u207F\u208A-\u208E\u2100-\u214F\u2190-\u21FF\u2200-\u2BFF\u3012\u30FB\uFF01-\uFF0F\uFF1A-\uFF20\uFF3B-\uFF40\uFF5B-\uFF65]";
    // The words after which an acronym's period is also a sentence end (case-sensitive first letter, as the lexer).
    const string AfterAcronym = @"(?:About|According|Additionally|After|An|A|As|At|But|Earlier|He|Her|Here|However|If|In|It|Last|Many|More|Mr\.|Ms\.|Now|Once|One|Other|Our|She|Since|So|Some|Such|That|The|Their|Then|There|These|They|This|We|When|While|What|Yet|You)";

    static readonly Rule[] Rules = BuildRules();

    static Rule[] BuildRules()
    {
        var rules = new List<Rule>();
        void Add(string token, Func<string, string, int, (string?, int)> action, string? context = null) =>
            rules.Add(new Rule(new Regex(@"\G(?<t>" + token + ")" + (context is null ? "" : "(?=(?<c>" + context + "))"), RegexOptions.CultureInvariant | RegexOptions.Compiled), action));
        (string?, int) Text(string s, string _, int __) => (s, s.Length);
        (string?, int) Skip(string s, string _, int __) => (null, s.Length);
        // "cannot" → "can" "not"; 'twas, 'tis → "'t" …; gonna → "gon" "na" (splitAssimilations).
        (string?, int) KeepFirst(string s, int pushBack) => (s[..^pushBack], s.Length - pushBack);

        Add(@"(?i:c)\+\+", Text);
        Add("(?i:c|f)#", Text);
        Add("(?i:cannot)", (s, _, _) => KeepFirst(s, 3));
        Add("(?i:'twas)", (s, _, _) => KeepFirst(s, 3));
        Add("(?i:'tis)", (s, _, _) => KeepFirst(s, 2));
        Add("(?i:gonna|gotta|lemme|gimme|wanna)", (s, _, _) => KeepFirst(s, 2));
        Add(Sgml, (s, _, _) => (s.Replace(' ', '\u00A0'), s.Length));
        Add(@"&(?i:md|mdash|ndash);|[\u0096\u0097\u2013\u2014\u2015]", (s, _, _) => ("--", s.Length));
        Add("&(?i:amp);", (s, _, _) => ("&", s.Length));
        Add("&(?i:ht|tl|ur|lr|qc|ql|qr|odq|cdq|#[0-9]+);", Text);
        Add(Word, (s, _, _) => (RemoveSoftHyphens(s), s.Length), RedAux);
        Add(SWord, (s, _, _) => (RemoveSoftHyphens(s), s.Length), SRedAux);
        Add(Word, (s, _, _) => (RemoveSoftHyphens(s), s.Length));
        Add(ApoWord, Text);
        Add("(?i:y)" + Apos, Text, @"\p{L}");
        Add(FullUrl, Text);
        Add(LikelyUrl, Text);
        Add(Email, Text);
        Add(Twitter, Text);
        Add(RedAux, (s, _, _) => (LatexQuotes(s, probablyLeft: false), s.Length), "[^A-Za-z]");
        Add(SRedAux, (s, _, _) => (LatexQuotes(s, probablyLeft: false), s.Length), "[^A-Za-z]");
        Add(Digit + @"{1,2}[\-/]" + Digit + @"{1,2}[\-/]" + Digit + "{2,4}", Text);   // a date
        Add(Number, (s, _, _) => (RemoveSoftHyphens(s), s.Length));
        Add(@"[\u207A\u207B\u208A\u208B]?(?:[\u2070\u00B9\u00B2\u00B3\u2074-\u2079]+|[\u2080-\u2089]+)", Text);
        Add(Frac, (s, _, _) => (s.Replace(' ', '\u00A0'), s.Length));
        Add(@"[\u00BC\u00BD\u00BE\u2153-\u215E]", (s, _, _) => (NormalizeFraction(s), s.Length));
        Add(TbSpec, (s, _, _) => (NormalizeAmp(s), s.Length));
        Add(Thing3, Text);
        Add(@"[A-Z]*\$|#", Text);
        Add(@"[\u00A2\u00A3\u00A4\u00A5\u0080\u20A0\u20AC\u060B\u0E3F\u20A4\uFFE0\uFFE1\uFFE5\uFFE6]", (s, _, _) => (NormalizeCurrency(s), s.Length));
        // An acronym before a word that usually starts a sentence: the acronym with its period, then the period again
        // as a sentence end ("U.S. The" → "U.S." "." "The"); a one-letter one ("I.") gives the letter, then the period.
        Add("(?:" + Acro + @")\.", (s, _, _) => s.Length == 2 ? (s[..1], 1) : (s, s.Length - 1), SpaceNl + "+(?:" + AfterAcronym + "|" + Sgml + ")" + SpaceNl);
        Add(Abbrev3, Text, SpaceNl + @"?\p{Nd}");
        Add(@"(?:(?i:pt)[eyEY]|(?i:co))\.", Text, Space + "(?i:ltd|lim)");
        Add(Abbrev1, (s, _, _) => (s, s.Length - 1), SentEnd);   // "Inc. The" → "Inc." "." "The"
        Add(Abbrev1, Text, @"[\s\S][\s\S]");
        Add(Abbrev1, (s, _, _) => (s, s.Length - 1));
        Add(Abbrev4 + @"\.", Text);
        Add(Abbrev4, Text, Space);
        Add(Acro, Text, SpaceNl);
        Add(Apos + "[0-9][0-9]", Text, SpaceNl);
        Add(@"[\p{L}\p{Nd}]+(?:\.[\p{L}\p{Nd}]+)*\.(?i:bat|bmp|class|cgi|cpp|c|dll|docx|doc|exe|gif|gz|html|htm|h|jar|java|jpeg|jpg|mov|mp3|pdf|php|pl|png|ppt|ps|py|sql|tar|txt|wav|xml|x|zip)", Text, "(?:" + SpaceNl + "|[.?!,])");
        Add(Word + @"\.", (s, _, _) => (RemoveSoftHyphens(s), s.Length), InSentP);
        Add(Phone, (s, _, _) => (s.Replace(' ', '\u00A0').Replace("(", "-LRB-").Replace(")", "-RRB-"), s.Length));
        Add(DblQuot, (s, _, _) => (LatexQuotes(s, probablyLeft: true), s.Length), "[A-Za-z0-9$]");
        Add(DblQuot, (s, _, _) => (LatexQuotes(s, probablyLeft: false), s.Length));
        Add(@"\x7f", Skip);
        Add("<|&(?i:lt);", (s, _, _) => ("<", s.Length));
        Add(">|&(?i:gt);", (s, _, _) => (">", s.Length));
        Add(Smiley, (s, _, _) => (s.Replace("(", "-LRB-").Replace(")", "-RRB-"), s.Length), "[^A-Za-z0-9]");
        Add(AsianSmiley, (s, _, _) => (s.Replace("(", "-LRB-").Replace(")", "-RRB-"), s.Length));
        Add(@"\{", (s, _, _) => ("-LCB-", 1));
        Add(@"\}", (s, _, _) => ("-RCB-", 1));
        Add(@"\[", (s, _, _) => ("-LSB-", 1));
        Add(@"\]", (s, _, _) => ("-RSB-", 1));
        Add(@"\(", (s, _, _) => ("-LRB-", 1));
        Add(@"\)", (s, _, _) => ("-RRB-", 1));
        Add(@"-+", (s, _, _) => (s.Length is 3 or 4 ? "--" : s, s.Length));
        Add(@"\.{3,5}|(?:\.[ \u00A0]){2,4}\.|[\u0085\u2026]", (s, _, _) => ("...", s.Length));
        Add("@+|#+|_+", Text);
        Add(@"\*+|(?:\\\*){1,3}", Text);
        Add(InSentP, Text);
        Add("[?!]+", Text);
        Add(@"[.¡¿\u037E\u0589\u061F\u06D4\u0700-\u0702\u07FA\u3002]", Text);
        Add("=", Text);
        Add("/", Text);
        Add(HThing + @"\.", (s, _, _) => (RemoveSoftHyphens(s), s.Length), InSentP);
        Add(HThing, (s, _, _) => (RemoveSoftHyphens(s), s.Length));
        Add(Thing + @"\.", Text, InSentP);
        Add(Thing, Text);
        Add(ThingA + @"\.", (s, _, _) => (NormalizeAmp(s), s.Length), InSentP);
        Add(ThingA, (s, _, _) => (NormalizeAmp(s), s.Length));
        Add("'", (s, _, _) => (LatexQuotes(s, probablyLeft: true), s.Length), @"[A-Za-z][^ \t\n\r\u00A0]");
        Add(RedAux, (s, _, _) => (LatexQuotes(s, probablyLeft: false), s.Length));
        Add(SRedAux, (s, _, _) => (LatexQuotes(s, probablyLeft: false), s.Length));
        Add(Quotes, (s, _, _) => (LatexQuotes(s, probablyLeft: false), s.Length));
        Add("<<|>>", Text);
        Add(MiscSymbol, Text);
        Add(@"\0|" + Space + @"+|[\u200B\u200E\u200F\uFEFF]", Skip);
        Add(Newline, (s, _, _) => (NewlineToken, s.Length));
        Add("&(?i:nbsp);", Skip);
        Add(@"[^\n]", Skip);   // untokenisable: deleted (the lexer's default, untokenizable=firstDelete)
        return [.. rules];
    }

    static string RemoveSoftHyphens(string s)
    {
        if (!s.Contains('\u00AD')) return s;
        string removed = s.Replace("\u00AD", "");
        return removed.Length == 0 ? "-" : removed;
    }

    static string NormalizeAmp(string s) => Regex.Replace(s, "&amp;", "&", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>PTB3 currency: ¢ → "cents", £ → "#" (as the Penn Treebank wrote the pound), € and the generic signs → "$".</summary>
    static string NormalizeCurrency(string s) =>
        Regex.Replace(s.Replace("\u00A2", "cents").Replace("\u00A3", "#"), "[\u0080\u00A4\u20A0\u20AC]", "$");

    static string NormalizeFraction(string s) => s switch
    {
        "\u00BC" => "1/4",
        "\u00BD" => "1/2",
        "\u00BE" => "3/4",
        "\u2153" => "1/3",
        "\u2154" => "2/3",
        _ => s,
    };

    /// <summary>PTB3's LaTeX quotes: an opening ' or " becomes ` or ``, a closing one ' or ''; curly quotes likewise.</summary>
    static string LatexQuotes(string s, bool probablyLeft)
    {
        var b = new StringBuilder(s);
        if (probablyLeft) { b.Replace("&apos;", "`").Replace("'", "`").Replace("&quot;", "``").Replace("\"", "``"); }
        else { b.Replace("&apos;", "'").Replace("\"", "''").Replace("&quot;", "''"); }
        foreach (char c in "\u0091\u2018\u201B\u2039") b.Replace(c, '`');
        foreach (char c in "\u0092\u2019\u203A") b.Replace(c, '\'');
        foreach (char c in "\u0093\u201C\u00AB") b.Replace(c.ToString(), "``");
        foreach (char c in "\u0094\u201D\u00BB") b.Replace(c.ToString(), "''");
        return b.ToString();
    }
}
