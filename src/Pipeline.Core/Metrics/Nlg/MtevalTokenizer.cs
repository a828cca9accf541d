using System.Text.RegularExpressions;

namespace Pipeline.Metrics.Nlg;

/// <summary>
/// The tokenisation of mteval-v13a.pl (its language-independent and "Western" steps), as e2e-metrics' pymteval
/// (metrics/pymteval.py, <c>NGramScore.tokenize</c>) writes it for BLEU and NIST: SGML entities decoded,
/// punctuation split off, a period or comma split unless between digits, a dash after a digit split. Case is kept
/// here; the n-gram counts fold it (<see cref="NgramCounts"/>).
/// </summary>
public static class MtevalTokenizer
{
    // Python's \s on str (str.isspace) also counts U+001C–U+001F, which .NET's \s does not.
    const string Whitespace = @"[\s\x1c-\x1f]";

    // { | } ~  [ \ ] ^ _ `  space ! " # $ % &  ( ) * +  : ; < = > ? @  / — every ASCII punctuation mark but ' , - .
    static readonly Regex Punctuation = new(@"([{-~\[-` -&(-+:-@/])", RegexOptions.CultureInvariant);
    static readonly Regex PeriodCommaAfterNonDigit = new(@"([^0-9])([.,])", RegexOptions.CultureInvariant);
    static readonly Regex PeriodCommaBeforeNonDigit = new(@"([.,])([^0-9])", RegexOptions.CultureInvariant);
    static readonly Regex DashAfterDigit = new(@"([0-9])(-)", RegexOptions.CultureInvariant);
    static readonly Regex Spaces = new(Whitespace + "+", RegexOptions.CultureInvariant);

    /// <summary>
    /// The tokens of a sentence. As in pymteval, an empty (or all-space) sentence gives one empty token, and so
    /// counts as one word in the candidate length.
    /// </summary>
    public static string[] Tokenize(string sentence)
    {
        string s = sentence.Replace("<skipped>", "").Replace("-\n", "").Replace("\n", " ")
            .Replace("&quot;", "\"").Replace("&amp;", "&").Replace("&lt;", "<").Replace("&gt;", ">");
        s = " " + s + " ";
        s = Punctuation.Replace(s, " $1 ");
        s = PeriodCommaAfterNonDigit.Replace(s, "$1 $2 ");
        s = PeriodCommaBeforeNonDigit.Replace(s, " $1 $2");
        s = DashAfterDigit.Replace(s, "$1 $2 ");
        s = Spaces.Replace(s, " ");
        return PythonText.Strip(s).Split(' ');
    }
}
